#include "descent/optimizers/nadam.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Dozat (2016) with torch's momentum schedule and the corrected second denominator (P_t*mu_{t+1}).
TEST(Nadam, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "nadam:lr=0.01,beta1=0.85,beta2=0.99,weight_decay=0.05,momentum_decay=0.01", [] {
        return [m = std::vector<double>(7), v = std::vector<double>(7), product = 1.0](
                   std::vector<double>& w, const std::vector<double>& g, int t) mutable {
          const double b1 = 0.85, b2 = 0.99, psi = 0.01, lr = 0.01;
          const double mu = b1 * (1 - 0.5 * std::pow(0.96, t * psi));
          const double mu_next = b1 * (1 - 0.5 * std::pow(0.96, (t + 1) * psi));
          product *= mu;
          for (std::size_t i = 0; i < w.size(); ++i) {
            const double gd = g[i] + 0.05 * w[i];
            m[i] = b1 * m[i] + (1 - b1) * gd;
            v[i] = b2 * v[i] + (1 - b2) * gd * gd;
            const double d = std::sqrt(v[i] / (1 - std::pow(b2, t))) + 1e-8;
            w[i] -= lr * (1 - mu) / (1 - product) * gd / d +
                    lr * mu_next / (1 - product * mu_next) * m[i] / d;
          }
        };
      });
}

// torch113 = true changes only the second denominator: 1 - P_t * mu_t * mu_{t+1}.
TEST(Nadam, Torch113ReproducesTheOldDenominator) {
  test::expect_matches_reference("nadam:lr=0.01,torch113=true", [] {
    return [m = std::vector<double>(7), v = std::vector<double>(7), product = 1.0](
               std::vector<double>& w, const std::vector<double>& g, int t) mutable {
      const double b1 = 0.9, b2 = 0.999, psi = 0.004, lr = 0.01;
      const double mu = b1 * (1 - 0.5 * std::pow(0.96, t * psi));
      const double mu_next = b1 * (1 - 0.5 * std::pow(0.96, (t + 1) * psi));
      product *= mu;
      for (std::size_t i = 0; i < w.size(); ++i) {
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        const double d = std::sqrt(v[i] / (1 - std::pow(b2, t))) + 1e-8;
        w[i] -= lr * (1 - mu) / (1 - product) * g[i] / d +
                lr * mu_next / (1 - product * mu * mu_next) * m[i] / d;
      }
    };
  });
}

TEST(Nadam, Defaults) {
  EXPECT_EQ(make_optimizer("nadam")->spec(),
            "nadam:lr=0.002,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0,momentum_decay=0.004,"
            "torch113=false");
  EXPECT_THROW(make_optimizer("nadam:momentum_decay=-1"), InputError);
}

TEST(Nadam, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("nadam:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
