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

// The authors' warm-ups (apple/ml-ademamix's schedulers, t from 1): alpha linear from 0 over 10
// steps, beta3 linear in half-life from beta1's over 15.
TEST(Ademamix, MatchesTheUpdateRuleWithWarmUps) {
  test::expect_matches_reference(
      "ademamix:lr=0.01,beta1=0.8,beta2=0.99,beta3=0.999,alpha=3,alpha_warmup=10,beta3_warmup=15",
      [] {
        return
            [m1 = std::vector<double>(7), m2 = std::vector<double>(7), v = std::vector<double>(7)](
                std::vector<double>& w, const std::vector<double>& g, int t) mutable {
              const auto hl = [](double b) { return std::log(0.5) / std::log(b + 1e-8) - 1; };
              const double a = t / 15.0;
              const double b3 =
                  t < 15 ? std::pow(0.5, 1 / ((1 - a) * hl(0.8) + a * hl(0.999) + 1)) : 0.999;
              const double alpha = t < 10 ? t / 10.0 * 3 : 3;
              for (std::size_t i = 0; i < w.size(); ++i) {
                m1[i] = 0.8 * m1[i] + 0.2 * g[i];
                m2[i] = b3 * m2[i] + (1 - b3) * g[i];
                v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];
                const double u = (m1[i] / (1 - std::pow(0.8, t)) + alpha * m2[i]) /
                                 (std::sqrt(v[i] / (1 - std::pow(0.99, t))) + 1e-8);
                w[i] -= 0.01 * u;
              }
            };
      },
      1e-12);
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
            "weight_decay=0,alpha_warmup=0,beta3_warmup=0");
  EXPECT_THROW(make_optimizer("ademamix:alpha=-1"), InputError);
  EXPECT_THROW(make_optimizer("ademamix:beta3_warmup=-1"), InputError);
}

// beta3 = 0.99: the default slow average spans 10^4 steps, more than the case's 2000 (with it the
// narrow valley ends at a loss of 2e-5); 0.99 spans 100.
TEST(Ademamix, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("ademamix:lr=0.05,beta3=0.99@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
