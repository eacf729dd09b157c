#include "descent/optimizers/novograd.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

TEST(Novograd, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "novograd:lr=0.05,beta1=0.8,beta2=0.6,eps=1e-3,weight_decay=0.1", [] {
        return [m = std::vector<double>(7), v = 0.0](std::vector<double>& w,
                                                     const std::vector<double>& g, int t) mutable {
          double g2 = 0;
          for (double x : g) g2 += x * x;
          v = t == 1 ? g2 : 0.6 * v + 0.4 * g2;
          for (std::size_t i = 0; i < w.size(); ++i) {
            const double u = g[i] / (std::sqrt(v) + 1e-3) + 0.1 * w[i];
            m[i] = t == 1 ? u : 0.8 * m[i] + u;
            w[i] -= 0.05 * m[i];
          }
        };
      });
}

// One v per tensor, a single number: |g|^2 at the first step.
TEST(Novograd, KeepsOneSecondMomentPerTensor) {
  Novograd<double> opt({.eps = 0.0});
  opt.reset_shapes(std::vector<Shape>{{2, 1}, {1, 1}});
  std::vector<double> w = {1, 1, 1};
  opt.step(w, std::vector<double>{3, 4, -2});
  EXPECT_EQ(opt.state().array("exp_avg_sq"), (std::vector<double>{25, 4}));
  EXPECT_DOUBLE_EQ(w[0], 1 - 0.01 * 3.0 / 5.0);
  EXPECT_DOUBLE_EQ(w[2], 1 + 0.01);
}

TEST(Novograd, Defaults) {
  EXPECT_EQ(make_optimizer("novograd")->spec(),
            "novograd:lr=0.01,beta1=0.9,beta2=0.25,eps=1e-06,weight_decay=0");
  EXPECT_THROW(make_optimizer("novograd:beta1=-0.1"), InputError);
}

TEST(Novograd, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("novograd:lr=0.02@exponential:gamma=0.99");
}

}  // namespace
}  // namespace descent
