#include "descent/optimizers/adamax.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

TEST(Adamax, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "adamax:lr=0.02,beta1=0.8,beta2=0.95,eps=1e-6,weight_decay=0.1", [] {
        return [m = std::vector<double>(7), u = std::vector<double>(7)](
                   std::vector<double>& w, const std::vector<double>& g, int t) mutable {
          for (std::size_t i = 0; i < w.size(); ++i) {
            const double gd = g[i] + 0.1 * w[i];
            m[i] = 0.8 * m[i] + 0.2 * gd;
            u[i] = std::max(0.95 * u[i], std::abs(gd) + 1e-6);
            w[i] -= 0.02 / (1 - std::pow(0.8, t)) * m[i] / u[i];
          }
        };
      });
}

TEST(Adamax, Defaults) {
  EXPECT_EQ(make_optimizer("adamax")->spec(),
            "adamax:lr=0.002,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0");
  EXPECT_THROW(make_optimizer("adamax:lr=-0.1"), InputError);
}

TEST(Adamax, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("adamax:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
