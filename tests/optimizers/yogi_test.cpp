#include "descent/optimizers/yogi.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Zaheer et al. 2018, algorithm 2, with both moments starting at v0 and bias-corrected (optax's
// form), and L2 weight decay added to the gradient.
TEST(Yogi, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "yogi:lr=0.02,beta1=0.8,beta2=0.99,eps=1e-4,initial_accumulator_value=0.3,"
      "weight_decay=0.05",
      [] {
        return [m = std::vector<double>(7, 0.3), v = std::vector<double>(7, 0.3)](
                   std::vector<double>& w, const std::vector<double>& g, int t) mutable {
          for (std::size_t i = 0; i < w.size(); ++i) {
            const double gd = g[i] + 0.05 * w[i];
            m[i] = 0.8 * m[i] + 0.2 * gd;
            const double g2 = gd * gd;
            v[i] -= 0.01 * (v[i] > g2 ? 1.0 : (v[i] < g2 ? -1.0 : 0.0)) * g2;
            const double m_hat = m[i] / (1 - std::pow(0.8, t));
            const double v_hat = v[i] / (1 - std::pow(0.99, t));
            w[i] -= 0.02 * m_hat / (std::sqrt(v_hat) + 1e-4);
          }
        };
      });
}

// v moves by (1 - beta2)*g^2 towards g^2, whatever its distance: from v0 = 1, g = 3 adds 0.5*9.
TEST(Yogi, SecondMomentMovesAdditively) {
  Yogi<double> opt({.lr = 0.1, .beta1 = 0.5, .beta2 = 0.5, .initial_accumulator_value = 1.0});
  opt.reset(1);
  std::vector<double> w = {0};
  opt.step(w, std::vector<double>{3});
  EXPECT_EQ(opt.state().array("exp_avg_sq")[0], 5.5);
  EXPECT_EQ(opt.state().array("exp_avg")[0], 2.0);
  opt.step(w, std::vector<double>{1});  // g^2 = 1 < v: v shrinks by 0.5
  EXPECT_EQ(opt.state().array("exp_avg_sq")[0], 5.0);
}

TEST(Yogi, Defaults) {
  EXPECT_EQ(make_optimizer("yogi")->spec(),
            "yogi:lr=0.01,beta1=0.9,beta2=0.999,eps=0.001,initial_accumulator_value=1e-06,"
            "weight_decay=0");
  EXPECT_THROW(make_optimizer("yogi:beta2=1"), InputError);
  EXPECT_THROW(make_optimizer("yogi:initial_accumulator_value=-1"), InputError);
}

TEST(Yogi, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("yogi:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
