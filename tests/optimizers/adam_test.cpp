#include "descent/optimizers/adam.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// The textbook rule: m_hat = m/(1-beta1^t), v_hat = v/(1-beta2^t), w -= lr*m_hat/(sqrt(v_hat)+eps).
test::ReferenceStep adam_reference(double lr, double b1, double b2, double eps, double wd,
                                   bool amsgrad) {
  return [=, m = std::vector<double>(7), v = std::vector<double>(7), vmax = std::vector<double>(7)](
             std::vector<double>& w, const std::vector<double>& g, int t) mutable {
    for (std::size_t i = 0; i < w.size(); ++i) {
      const double gd = g[i] + wd * w[i];
      m[i] = b1 * m[i] + (1 - b1) * gd;
      v[i] = b2 * v[i] + (1 - b2) * gd * gd;
      vmax[i] = std::max(vmax[i], v[i]);
      const double m_hat = m[i] / (1 - std::pow(b1, t));
      const double v_hat = (amsgrad ? vmax[i] : v[i]) / (1 - std::pow(b2, t));
      w[i] -= lr * m_hat / (std::sqrt(v_hat) + eps);
    }
  };
}

TEST(Adam, MatchesTheUpdateRule) {
  test::expect_matches_reference("adam:lr=0.01",
                                 [] { return adam_reference(0.01, 0.9, 0.999, 1e-8, 0, false); });
  test::expect_matches_reference(
      "adam:lr=0.02,beta1=0.8,beta2=0.99,eps=1e-6,weight_decay=0.1,amsgrad=true",
      [] { return adam_reference(0.02, 0.8, 0.99, 1e-6, 0.1, true); });
}

// With eps = 0 the first step moves every coordinate by exactly lr against the gradient's sign:
// m_hat = g and v_hat = g^2.
TEST(Adam, FirstStepIsLrTimesSign) {
  Adam<double> opt({.lr = 0.25, .beta1 = 0.5, .beta2 = 0.75, .eps = 0.0});
  opt.reset(3);
  std::vector<double> w = {1, 1, 1};
  opt.step(w, std::vector<double>{2, -8, 0.5});
  EXPECT_EQ(w, (std::vector<double>{0.75, 1.25, 0.75}));
}

TEST(Adam, Defaults) {
  EXPECT_EQ(make_optimizer("adam")->spec(),
            "adam:lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0,amsgrad=false");
  EXPECT_THROW(make_optimizer("adam:beta2=1"), InputError);
  EXPECT_THROW(make_optimizer("adam:beta1=-0.1"), InputError);
  EXPECT_THROW(make_optimizer("adam:amsgrad=maybe"), InputError);
}

TEST(Adam, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("adam:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
