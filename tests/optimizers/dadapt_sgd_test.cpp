#include "descent/optimizers/dadapt_sgd.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Defazio & Mishchenko 2023, algorithm 1 with the authors' momentum: s sums dlr g with
// dlr = d lr / |g_1|, d grows to (|s|^2 - sum dlr^2 |g|^2) / |s|, and w averages x0 - s.
TEST(Dadapt_sgd, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "dadapt_sgd:lr=0.5,momentum=0.5,d0=1e-2,growth_rate=1.5,weight_decay=0.05", [] {
        return [s = std::vector<double>(7), x0 = std::vector<double>(), d = 1e-2, g0 = 0.0,
                q = 0.0](std::vector<double>& w, const std::vector<double>& g, int t) mutable {
          std::vector<double> gd(w.size());
          double g_sq = 0, s_sq = 0;
          for (std::size_t i = 0; i < w.size(); ++i) {
            gd[i] = g[i] + 0.05 * w[i];
            g_sq += gd[i] * gd[i];
          }
          if (t == 1) {
            x0 = w;
            g0 = std::sqrt(g_sq);
          }
          const double dlr = d * 0.5 / g0;
          for (std::size_t i = 0; i < w.size(); ++i) {
            s[i] += dlr * gd[i];
            s_sq += s[i] * s[i];
          }
          q += dlr * dlr * g_sq;
          d = std::max(d, std::min((s_sq - q) / std::sqrt(s_sq), d * 1.5));
          for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.5 * w[i] + 0.5 * (x0[i] - s[i]);
        };
      });
}

// A first gradient of 0 gives no direction: the step waits, and the next gradient starts it.
TEST(Dadapt_sgd, WaitsForANonzeroGradient) {
  DadaptSgd<double> opt({.d0 = 0.1});
  opt.reset(2);
  std::vector<double> w = {1, 2};
  opt.step(w, std::vector<double>{0, 0});
  EXPECT_EQ(w, (std::vector<double>{1, 2}));
  opt.step(w, std::vector<double>{3, 4});  // dlr = 0.1 / 5: w = x0 - dlr g
  EXPECT_DOUBLE_EQ(w[0], 1 - 0.02 * 3);
  EXPECT_DOUBLE_EQ(w[1], 2 - 0.02 * 4);
}

TEST(Dadapt_sgd, Defaults) {
  EXPECT_EQ(make_optimizer("dadapt_sgd")->spec(),
            "dadapt_sgd:lr=1,momentum=0,d0=1e-06,growth_rate=0,weight_decay=0");
  EXPECT_THROW(make_optimizer("dadapt_sgd:growth_rate=0.5"), InputError);
  EXPECT_THROW(make_optimizer("dadapt_sgd:momentum=1"), InputError);
}

TEST(Dadapt_sgd, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("dadapt_sgd");
}

}  // namespace
}  // namespace descent
