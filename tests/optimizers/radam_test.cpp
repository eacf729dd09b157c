#include "descent/optimizers/radam.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Liu et al. (2020) with torch's threshold rho_t > 5. With beta2 = 0.9, rho_inf = 19 and rho_t
// passes 5 at t = 6, so the 25 steps cover both branches.
TEST(Radam, MatchesTheUpdateRule) {
  test::expect_matches_reference("radam:lr=0.01,beta1=0.8,beta2=0.9,weight_decay=0.1", [] {
    return [m = std::vector<double>(7), v = std::vector<double>(7)](
               std::vector<double>& w, const std::vector<double>& g, int t) mutable {
      const double b1 = 0.8, b2 = 0.9, lr = 0.01, eps = 1e-8;
      const double rho_inf = 2 / (1 - b2) - 1;
      const double rho_t = rho_inf - 2 * t * std::pow(b2, t) / (1 - std::pow(b2, t));
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double gd = g[i] + 0.1 * w[i];
        m[i] = b1 * m[i] + (1 - b1) * gd;
        v[i] = b2 * v[i] + (1 - b2) * gd * gd;
        const double m_hat = m[i] / (1 - std::pow(b1, t));
        if (rho_t > 5) {
          const double r = std::sqrt((rho_t - 4) * (rho_t - 2) * rho_inf /
                                     ((rho_inf - 4) * (rho_inf - 2) * rho_t));
          w[i] -= lr * m_hat * std::sqrt(1 - std::pow(b2, t)) / (std::sqrt(v[i]) + eps) * r;
        } else {
          w[i] -= lr * m_hat;
        }
      }
    };
  });
}

TEST(Radam, Defaults) {
  EXPECT_EQ(make_optimizer("radam")->spec(),
            "radam:lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0");
  EXPECT_THROW(make_optimizer("radam:eps=-1"), InputError);
}

TEST(Radam, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("radam:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
