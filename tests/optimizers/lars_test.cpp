#include "descent/optimizers/lars.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// The rule as written in the paper's algorithm 1 with optax's trust ratio, on one tensor.
test::ReferenceStep lars_reference(double lr, double mu, double wd, double c, double eps,
                                   bool nesterov) {
  return [=, m = std::vector<double>(7)](std::vector<double>& w, const std::vector<double>& g,
                                         int) mutable {
    std::vector<double> u(w.size());
    double wn = 0, un = 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      u[i] = g[i] + wd * w[i];
      wn += w[i] * w[i];
      un += u[i] * u[i];
    }
    const double r = wn > 0 && un > 0 ? c * std::sqrt(wn) / (std::sqrt(un) + eps) : 1.0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      m[i] = mu * m[i] + lr * r * u[i];
      w[i] -= nesterov ? lr * r * u[i] + mu * m[i] : m[i];
    }
  };
}

TEST(Lars, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "lars:lr=0.5,momentum=0.8,weight_decay=0.1,trust_coefficient=0.01,eps=1e-3",
      [] { return lars_reference(0.5, 0.8, 0.1, 0.01, 1e-3, false); });
  test::expect_matches_reference("lars:lr=2,momentum=0.5,nesterov=true",
                                 [] { return lars_reference(2, 0.5, 0, 1e-3, 0, true); });
}

// A tensor at 0 has no norm to trust: its ratio is 1, as in optax.
TEST(Lars, ATensorAtZeroTakesTheRatioOne) {
  Lars<double> opt({.lr = 0.5, .momentum = 0.0});
  opt.reset(2);
  std::vector<double> w = {0, 0};
  opt.step(w, std::vector<double>{1, -2});
  EXPECT_EQ(w, (std::vector<double>{-0.5, 1.0}));
}

TEST(Lars, Defaults) {
  EXPECT_EQ(make_optimizer("lars")->spec(),
            "lars:lr=1,momentum=0.9,weight_decay=0,trust_coefficient=0.001,eps=0,nesterov=false");
  EXPECT_THROW(make_optimizer("lars:momentum=1"), InputError);
}

TEST(Lars, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("lars:lr=50"); }

}  // namespace
}  // namespace descent
