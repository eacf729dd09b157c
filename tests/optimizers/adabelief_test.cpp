#include "descent/optimizers/adabelief.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Zhuang et al. 2020, algorithm 2, with L2 weight decay added to the gradient.
TEST(Adabelief, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "adabelief:lr=0.01,beta1=0.8,beta2=0.99,eps=1e-6,weight_decay=0.05", [] {
        return [m = std::vector<double>(7), s = std::vector<double>(7)](
                   std::vector<double>& w, const std::vector<double>& g, int t) mutable {
          for (std::size_t i = 0; i < w.size(); ++i) {
            const double gd = g[i] + 0.05 * w[i];
            m[i] = 0.8 * m[i] + 0.2 * gd;
            s[i] = 0.99 * s[i] + 0.01 * (gd - m[i]) * (gd - m[i]) + 1e-6;
            const double m_hat = m[i] / (1 - std::pow(0.8, t));
            const double s_hat = s[i] / (1 - std::pow(0.99, t));
            w[i] -= 0.01 * m_hat / (std::sqrt(s_hat) + 1e-6);
          }
        };
      });
}

// By hand, beta1 = beta2 = 0.5, eps = 0: s gathers the squared deviation of g from the updated m.
TEST(Adabelief, FirstStepByHand) {
  Adabelief<double> opt({.lr = 0.1, .beta1 = 0.5, .beta2 = 0.5, .eps = 0.0});
  opt.reset(1);
  std::vector<double> w = {1};
  opt.step(w, std::vector<double>{2});
  // m = 1, s = 0.5 * (2 - 1)^2 = 0.5; m_hat = 2, s_hat = 1: w = 1 - 0.1 * 2 / 1.
  EXPECT_DOUBLE_EQ(w[0], 0.8);
  EXPECT_EQ(opt.state().array("exp_avg_var")[0], 0.5);
}

TEST(Adabelief, Defaults) {
  EXPECT_EQ(make_optimizer("adabelief")->spec(),
            "adabelief:lr=0.001,beta1=0.9,beta2=0.999,eps=1e-16,weight_decay=0");
  EXPECT_THROW(make_optimizer("adabelief:beta1=2"), InputError);
  EXPECT_THROW(make_optimizer("adabelief:eps=-1"), InputError);
}

TEST(Adabelief, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("adabelief:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
