#include "descent/optimizers/ademamix.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Pagliardini et al. 2024, algorithm 1 with constant alpha and beta3.
TEST(Ademamix, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "ademamix:lr=0.01,beta1=0.8,beta2=0.99,beta3=0.95,alpha=3,eps=1e-6,weight_decay=0.1", [] {
        return
            [m1 = std::vector<double>(7), m2 = std::vector<double>(7), v = std::vector<double>(7)](
                std::vector<double>& w, const std::vector<double>& g, int t) mutable {
              for (std::size_t i = 0; i < w.size(); ++i) {
                m1[i] = 0.8 * m1[i] + 0.2 * g[i];
                m2[i] = 0.95 * m2[i] + 0.05 * g[i];
                v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];
                const double u = (m1[i] / (1 - std::pow(0.8, t)) + 3 * m2[i]) /
                                 (std::sqrt(v[i] / (1 - std::pow(0.99, t))) + 1e-6);
                w[i] -= 0.01 * (u + 0.1 * w[i]);
              }
            };
      });
}

// With alpha = 0 it is Adam, up to the order of its operations.
TEST(Ademamix, WithoutTheSlowAverageIsAdam) {
  auto a = make_optimizer<double>("ademamix:lr=0.01,alpha=0");
  auto b = make_optimizer<double>("adam:lr=0.01");
  a->reset(2);
  b->reset(2);
  std::vector<double> wa = {1, -2}, wb = wa;
  for (int t = 0; t < 5; ++t) {
    const std::vector<double> g = {wa[0] * 2, wa[1] * 16};
    a->step(wa, g);
    b->step(wb, g);
  }
  EXPECT_NEAR(wa[0], wb[0], 1e-12);
  EXPECT_NEAR(wa[1], wb[1], 1e-12);
}

TEST(Ademamix, Defaults) {
  EXPECT_EQ(make_optimizer("ademamix")->spec(),
            "ademamix:lr=0.001,beta1=0.9,beta2=0.999,beta3=0.9999,alpha=5,eps=1e-08,"
            "weight_decay=0");
  EXPECT_THROW(make_optimizer("ademamix:alpha=-1"), InputError);
}

// beta3 = 0.99: the default slow average spans 10^4 steps, more than the case's 2000 (with it the
// narrow valley ends at a loss of 2e-5); 0.99 spans 100.
TEST(Ademamix, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("ademamix:lr=0.05,beta3=0.99@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
