#include "descent/optimizers/prodigy.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

double bias_correction(double beta1, double beta2, int t) {
  return std::sqrt(1 - std::pow(beta2, t)) / (1 - std::pow(beta1, t));
}

// Mishchenko & Defazio 2024, algorithm 3 (Adam form), with the authors' bias correction in dlr:
// d grows to d_coef N / |s|_1, N the weighted sum of <g, x0 - w>.
TEST(Prodigy, MatchesTheUpdateRule) {
  for (const bool safeguard : {false, true}) {
    test::expect_matches_reference(
        std::string("prodigy:lr=0.5,beta1=0.8,beta2=0.99,beta3=0.9,eps=1e-6,d0=1e-3,d_coef=0.5,"
                    "weight_decay=0.05,safeguard_warmup=") +
            (safeguard ? "true" : "false"),
        [safeguard] {
          return [safeguard, m = std::vector<double>(7), v = std::vector<double>(7),
                  s = std::vector<double>(7), x0 = std::vector<double>(), d = 1e-3,
                  n = 0.0](std::vector<double>& w, const std::vector<double>& g, int t) mutable {
            if (t == 1) x0 = w;
            const double dlr = d * 0.5 * bias_correction(0.8, 0.99, t);
            double dot = 0, l1 = 0;
            for (std::size_t i = 0; i < w.size(); ++i) {
              dot += g[i] * (x0[i] - w[i]);
              m[i] = 0.8 * m[i] + 0.2 * d * g[i];
              v[i] = 0.99 * v[i] + 0.01 * d * g[i] * d * g[i];
              s[i] = 0.9 * s[i] + (safeguard ? d : dlr) / 1e-3 * d * g[i];
              l1 += std::abs(s[i]);
            }
            n = 0.9 * n + d / 1e-3 * dlr * dot;
            d = std::max(d, 0.5 * n / l1);
            for (std::size_t i = 0; i < w.size(); ++i)
              w[i] += -0.05 * dlr * w[i] - dlr * m[i] / (std::sqrt(v[i]) + d * 1e-6);
          };
        },
        1e-12);
  }
}

// Defazio & Mishchenko 2023, the Adam form of D-Adaptation: d grows to N / ((1 - sqrt(beta2))
// |s|_1), N the weighted sum of <g, s / (sqrt(v) + eps)> with the previous s and v.
TEST(Dadapt_adam, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "dadapt_adam:lr=0.5,beta1=0.8,beta2=0.99,eps=1e-6,d0=1e-3,weight_decay=0.05",
      [] {
        return [m = std::vector<double>(7), v = std::vector<double>(7), s = std::vector<double>(7),
                d = 1e-3,
                n = 0.0](std::vector<double>& w, const std::vector<double>& g, int t) mutable {
          const double dlr = d * 0.5 * bias_correction(0.8, 0.99, t), sb2 = std::sqrt(0.99);
          double dot = 0, l1 = 0;
          for (std::size_t i = 0; i < w.size(); ++i) {
            dot += g[i] * s[i] / (std::sqrt(v[i]) + 1e-6);
            m[i] = 0.8 * m[i] + 0.2 * dlr * g[i];
            v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i];
            s[i] = sb2 * s[i] + (1 - sb2) * dlr * g[i];
            l1 += std::abs(s[i]);
          }
          n = sb2 * n + (1 - sb2) * dlr * dot;
          d = std::max(d, n / ((1 - sb2) * l1));
          for (std::size_t i = 0; i < w.size(); ++i)
            w[i] += -0.05 * dlr * w[i] - m[i] / (std::sqrt(v[i]) + 1e-6);
        };
      },
      1e-12);
}

// A zero gradient leaves |s|_1 = 0: d stays d0 (optax divides by 0 and gets NaN).
TEST(Prodigy, AZeroGradientKeepsD) {
  Prodigy<double> opt;
  opt.reset(2);
  std::vector<double> w = {1, 2};
  opt.step(w, std::vector<double>{0, 0});
  EXPECT_EQ(w[0], 1.0);
  EXPECT_EQ(w[1], 2.0);
  opt.step(w, std::vector<double>{1, 1});
  EXPECT_TRUE(std::isfinite(w[0]) && std::isfinite(w[1]));
}

TEST(Prodigy, Defaults) {
  EXPECT_EQ(make_optimizer("prodigy")->spec(),
            "prodigy:lr=1,beta1=0.9,beta2=0.999,beta3=0,eps=1e-08,d0=1e-06,d_coef=1,"
            "weight_decay=0,safeguard_warmup=false");
  EXPECT_EQ(make_optimizer("dadapt_adam")->spec(),
            "dadapt_adam:lr=1,beta1=0.9,beta2=0.999,eps=1e-08,d0=1e-06,weight_decay=0");
  EXPECT_THROW(make_optimizer("prodigy:d0=0"), InputError);
  EXPECT_THROW(make_optimizer("prodigy:beta3=1"), InputError);
  EXPECT_THROW(make_optimizer("dadapt_adam:d0=-1"), InputError);
}

TEST(Prodigy, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("prodigy@cosine:t_max=2000");
}

TEST(Dadapt_adam, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("dadapt_adam@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
