#include "descent/optimizers/nadamw.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// NAdam (Dozat 2016, torch's momentum schedule) after the decoupled decay w <- w*(1 - lr*wd).
TEST(Nadamw, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "nadamw:lr=0.01,beta1=0.85,beta2=0.99,eps=1e-6,weight_decay=0.3,momentum_decay=0.01", [] {
        return [m = std::vector<double>(7), v = std::vector<double>(7), product = 1.0](
                   std::vector<double>& w, const std::vector<double>& g, int t) mutable {
          const double b1 = 0.85, b2 = 0.99, psi = 0.01, lr = 0.01;
          const double mu = b1 * (1 - 0.5 * std::pow(0.96, t * psi));
          const double mu_next = b1 * (1 - 0.5 * std::pow(0.96, (t + 1) * psi));
          product *= mu;
          for (std::size_t i = 0; i < w.size(); ++i) {
            w[i] *= 1 - lr * 0.3;  // decoupled: the gradient is not changed
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
            const double d = std::sqrt(v[i] / (1 - std::pow(b2, t))) + 1e-6;
            w[i] -= lr * (1 - mu) / (1 - product) * g[i] / d +
                    lr * mu_next / (1 - product * mu_next) * m[i] / d;
          }
        };
      });
}

// With weight_decay = 0 it is nadam.
TEST(Nadamw, WithoutDecayIsNadam) {
  auto a = make_optimizer<double>("nadamw:lr=0.01,weight_decay=0");
  auto b = make_optimizer<double>("nadam:lr=0.01");
  a->reset(2);
  b->reset(2);
  std::vector<double> wa = {1, -2}, wb = wa;
  for (int t = 0; t < 5; ++t) {
    const std::vector<double> g = {wa[0] * 2, wa[1] * 16};
    a->step(wa, g);
    b->step(wb, g);
  }
  EXPECT_EQ(wa, wb);
}

TEST(Nadamw, Defaults) {
  EXPECT_EQ(make_optimizer("nadamw")->spec(),
            "nadamw:lr=0.002,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0.01,"
            "momentum_decay=0.004");
  EXPECT_THROW(make_optimizer("nadamw:weight_decay=-1"), InputError);
}

TEST(Nadamw, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("nadamw:lr=0.05,weight_decay=0@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
