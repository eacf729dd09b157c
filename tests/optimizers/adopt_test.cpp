#include "descent/optimizers/adopt.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Taniguchi et al. 2024: the first step only fills v; then the gradient, scaled by the previous
// v's root, feeds the momentum (clipped to +-(t-1)^(1/4) with clip = true).
TEST(Adopt, MatchesTheUpdateRule) {
  for (const bool clip : {true, false}) {
    test::expect_matches_reference(
        std::string("adopt:lr=0.01,beta1=0.8,beta2=0.99,eps=1e-3,weight_decay=0.05,clip=") +
            (clip ? "true" : "false"),
        [clip] {
          return [clip, m = std::vector<double>(7), v = std::vector<double>(7)](
                     std::vector<double>& w, const std::vector<double>& g, int t) mutable {
            for (std::size_t i = 0; i < w.size(); ++i) {
              const double gd = g[i] + 0.05 * w[i];
              if (t == 1) {
                v[i] = gd * gd;
                continue;
              }
              double c = gd / std::max(std::sqrt(v[i]), 1e-3);
              const double bound = std::pow(t - 1.0, 0.25);
              if (clip) c = std::clamp(c, -bound, bound);
              m[i] = 0.8 * m[i] + 0.2 * c;
              w[i] -= 0.01 * m[i];
              v[i] = 0.99 * v[i] + 0.01 * gd * gd;
            }
          };
        });
  }
}

TEST(Adopt, FirstStepOnlyFillsTheSecondMoment) {
  Adopt<double> opt({.lr = 0.1});
  opt.reset(1);
  std::vector<double> w = {1};
  opt.step(w, std::vector<double>{3});
  EXPECT_EQ(w[0], 1.0);
  EXPECT_EQ(opt.state().array("exp_avg_sq")[0], 9.0);
  EXPECT_EQ(opt.state().array("exp_avg")[0], 0.0);
  opt.step(w, std::vector<double>{6});  // c = 6/3 = 2, clipped to 1; m = 0.1
  EXPECT_DOUBLE_EQ(w[0], 1.0 - 0.1 * 0.1);
}

TEST(Adopt, Defaults) {
  EXPECT_EQ(make_optimizer("adopt")->spec(),
            "adopt:lr=0.001,beta1=0.9,beta2=0.9999,eps=1e-06,weight_decay=0,clip=true");
  EXPECT_THROW(make_optimizer("adopt:beta2=1.5"), InputError);
}

TEST(Adopt, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("adopt:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
