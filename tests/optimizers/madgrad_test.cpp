#include "descent/optimizers/madgrad.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Defazio & Jelassi 2021, Algorithm 1 with the authors' lr + eps: dual averages s and G weighted
// by lambda_t = (lr + eps) sqrt(t), z = x0 - s / (G^(1/3) + eps), w a running average of z.
TEST(Madgrad, MatchesTheUpdateRule) {
  for (const double momentum : {0.9, 0.0}) {
    test::expect_matches_reference(
        "madgrad:lr=0.05,eps=1e-4,weight_decay=0.05,momentum=" + std::to_string(momentum),
        [momentum] {
          return [momentum, sum = std::vector<double>(7), s = std::vector<double>(7),
                  x0 = std::vector<double>()](std::vector<double>& w, const std::vector<double>& g,
                                              int t) mutable {
            if (t == 1) x0 = w;
            const double lambda = (0.05 + 1e-4) * std::sqrt(t);
            for (std::size_t i = 0; i < w.size(); ++i) {
              const double gd = g[i] + 0.05 * w[i];
              sum[i] += lambda * gd * gd;
              s[i] += lambda * gd;
              const double z = x0[i] - s[i] / (std::cbrt(sum[i]) + 1e-4);
              w[i] = momentum * w[i] + (1 - momentum) * z;
            }
          };
        });
  }
}

TEST(Madgrad, StartsFromTheFirstPoint) {
  Madgrad<double> opt({.lr = 0.1, .momentum = 0.0, .eps = 0.0});
  opt.reset(1);
  std::vector<double> w = {3};
  opt.step(w, std::vector<double>{8});  // s = 0.8, G = 6.4, z = 3 - 0.8/6.4^(1/3)
  EXPECT_EQ(opt.state().array("x0")[0], 3.0);
  EXPECT_DOUBLE_EQ(w[0], 3.0 - 0.8 / std::cbrt(6.4));
}

TEST(Madgrad, Defaults) {
  EXPECT_EQ(make_optimizer("madgrad")->spec(),
            "madgrad:lr=0.01,momentum=0.9,eps=1e-06,weight_decay=0");
  EXPECT_THROW(make_optimizer("madgrad:momentum=1"), InputError);
  EXPECT_THROW(make_optimizer("madgrad:eps=-1"), InputError);
}

TEST(Madgrad, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("madgrad:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
