#include "descent/optimizers/lamb.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

TEST(Lamb, MatchesTheUpdateRule) {
  test::expect_matches_reference("lamb:lr=0.05,beta1=0.8,beta2=0.9,eps=1e-3,weight_decay=0.1", [] {
    return [m = std::vector<double>(7), v = std::vector<double>(7)](
               std::vector<double>& w, const std::vector<double>& g, int t) mutable {
      std::vector<double> u(w.size());
      double wn = 0, un = 0;
      for (std::size_t i = 0; i < w.size(); ++i) {
        m[i] = 0.8 * m[i] + 0.2 * g[i];
        v[i] = 0.9 * v[i] + 0.1 * g[i] * g[i];
        const double mhat = m[i] / (1 - std::pow(0.8, t)), vhat = v[i] / (1 - std::pow(0.9, t));
        u[i] = mhat / (std::sqrt(vhat) + 1e-3) + 0.1 * w[i];
        wn += w[i] * w[i];
        un += u[i] * u[i];
      }
      const double r = wn > 0 && un > 0 ? std::sqrt(wn) / std::sqrt(un) : 1.0;
      for (std::size_t i = 0; i < w.size(); ++i) w[i] -= 0.05 * r * u[i];
    };
  });
}

// On one tensor, the first step (m/sqrt(v) = sign(g) up to eps) moves w by lr |w| along -sign(g).
TEST(Lamb, TheFirstStepHasLengthLrTimesTheNormOfW) {
  Lamb<double> opt({.lr = 0.1, .eps = 0.0});
  opt.reset(2);
  std::vector<double> w = {3, 4};
  opt.step(w, std::vector<double>{2, -0.5});
  EXPECT_NEAR(w[0], 3 - 0.1 * 5 / std::sqrt(2.0), 1e-15);
  EXPECT_NEAR(w[1], 4 + 0.1 * 5 / std::sqrt(2.0), 1e-15);
}

TEST(Lamb, Defaults) {
  EXPECT_EQ(make_optimizer("lamb")->spec(),
            "lamb:lr=0.001,beta1=0.9,beta2=0.999,eps=1e-06,weight_decay=0");
  EXPECT_THROW(make_optimizer("lamb:beta2=1"), InputError);
}

TEST(Lamb, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("lamb:lr=0.05"); }

}  // namespace
}  // namespace descent
