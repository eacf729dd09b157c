#include "descent/optimizers/cocob.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Orabona & Tommasi 2017, Algorithm 2 (COCOB-Backprop), per coordinate.
TEST(Cocob, MatchesTheUpdateRule) {
  test::expect_matches_reference("cocob:lr=0.5,alpha=20,eps=1e-3,weight_decay=0.05", [] {
    return [l = std::vector<double>(7, 1e-3), gsum = std::vector<double>(7),
            r = std::vector<double>(7), theta = std::vector<double>(7), x0 = std::vector<double>()](
               std::vector<double>& w, const std::vector<double>& g, int t) mutable {
      if (t == 1) x0 = w;
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double c = 0.5 * (g[i] + 0.05 * w[i]);
        l[i] = std::max(l[i], std::abs(c));
        gsum[i] += std::abs(c);
        r[i] = std::max(r[i] - c * (w[i] - x0[i]), 0.0);
        theta[i] -= c;
        w[i] = x0[i] + theta[i] / (l[i] * std::max(gsum[i] + l[i], 20 * l[i])) * (l[i] + r[i]);
      }
    };
  });
}

// The first bet is theta / (L max(G + L, alpha L)) * L with L = G = |g|: -sign(g) / alpha.
TEST(Cocob, FirstBetIsOneOverAlpha) {
  Cocob<double> opt;
  opt.reset(2);
  std::vector<double> w = {1, -2};
  opt.step(w, std::vector<double>{5, -0.25});
  EXPECT_DOUBLE_EQ(w[0], 1 - 1.0 / 100);
  EXPECT_DOUBLE_EQ(w[1], -2 + 1.0 / 100);
}

TEST(Cocob, Defaults) {
  EXPECT_EQ(make_optimizer("cocob")->spec(), "cocob:lr=1,alpha=100,eps=1e-08,weight_decay=0");
  EXPECT_THROW(make_optimizer("cocob:alpha=0"), InputError);
  EXPECT_THROW(make_optimizer("cocob:eps=0"), InputError);
}

TEST(Cocob, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("cocob"); }

}  // namespace
}  // namespace descent
