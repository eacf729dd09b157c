#include "descent/optimizers/adan.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Xie et al. 2022, algorithm 1 with bias corrections and the proximal weight decay.
TEST(Adan, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "adan:lr=0.01,beta1=0.9,beta2=0.8,beta3=0.95,eps=1e-6,weight_decay=0.3", [] {
        return [m = std::vector<double>(7), nd = std::vector<double>(7), n = std::vector<double>(7),
                prev = std::vector<double>(7)](std::vector<double>& w, const std::vector<double>& g,
                                               int t) mutable {
          for (std::size_t i = 0; i < w.size(); ++i) {
            const double d = t == 1 ? 0.0 : g[i] - prev[i];
            prev[i] = g[i];
            m[i] = 0.9 * m[i] + 0.1 * g[i];
            nd[i] = 0.8 * nd[i] + 0.2 * d;
            const double mix = g[i] + 0.2 * d;
            n[i] = 0.95 * n[i] + 0.05 * mix * mix;
            const double u =
                (m[i] / (1 - std::pow(0.9, t)) + 0.2 * nd[i] / (1 - std::pow(0.8, t))) /
                (std::sqrt(n[i] / (1 - std::pow(0.95, t))) + 1e-6);
            w[i] = (w[i] - 0.01 * u) / (1 + 0.01 * 0.3);
          }
        };
      });
}

TEST(Adan, Defaults) {
  EXPECT_EQ(make_optimizer("adan")->spec(),
            "adan:lr=0.001,beta1=0.98,beta2=0.92,beta3=0.99,eps=1e-08,weight_decay=0");
  EXPECT_THROW(make_optimizer("adan:beta3=1"), InputError);
}

TEST(Adan, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("adan:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
