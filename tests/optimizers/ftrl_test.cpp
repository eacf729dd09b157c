#include "descent/optimizers/ftrl.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// keras/TensorFlow's FTRL (ApplyFtrlV2), computed by hand. lr = 1, lr_power = -0.5, n0 = 0,
// l1 = l2 = 0, w0 = 0; gradients 3 then 4 make n = 9 then 25 (perfect squares):
//   step 1: n = 0 + 9 = 9;   sigma = (3 - 0)/1 = 3;  z = 0 + 3 - 3*0 = 3;
//           w = (0 - 3) / (3/1 + 0) = -1
//   step 2: n = 9 + 16 = 25; sigma = (5 - 3)/1 = 2;  z = 3 + 4 - 2*(-1) = 9;
//           w = (0 - 9) / 5 = -1.8
TEST(Ftrl, TwoStepsByHand) {
  Ftrl<double> opt({.lr = 1.0, .initial_accumulator_value = 0.0});
  opt.reset(1);
  std::vector<double> w = {0};
  opt.step(w, std::vector<double>{3});
  EXPECT_EQ(w[0], -1.0);
  EXPECT_EQ(opt.state().array("linear")[0], 3.0);
  opt.step(w, std::vector<double>{4});
  EXPECT_EQ(w[0], -9.0 / 5.0);
  EXPECT_EQ(opt.state().array("accumulator")[0], 25.0);
}

// The same gradients with every option on: lr = 0.5, l1 = 1, l2 = 0.25, l2_shrinkage = 0.5,
// beta = 1, n0 = 0 (keras passes l2 + beta/(2 lr) = 1.25 as the kernel's l2):
//   step 1: g_s = 3 + 2*0.5*0 = 3; n = 9; sigma = (3 - 0)/0.5 = 6; z = 0 + 3 - 6*0 = 3;
//           |z| > l1: w = (1 - 3) / (3/0.5 + 2*1.25) = -2/8.5
//   step 2: g_s = 4 + 1*w1; n = 25; sigma = (5 - 3)/0.5 = 4; z = 3 + g_s - 4*w1;
//           w = (1 - z) / (5/0.5 + 2.5)
TEST(Ftrl, EveryOptionByHand) {
  Ftrl<double> opt({.lr = 0.5,
                    .initial_accumulator_value = 0.0,
                    .l1 = 1.0,
                    .l2 = 0.25,
                    .l2_shrinkage = 0.5,
                    .beta = 1.0});
  opt.reset(1);
  std::vector<double> w = {0};
  opt.step(w, std::vector<double>{3});
  const double w1 = -2.0 / 8.5;
  EXPECT_DOUBLE_EQ(w[0], w1);
  opt.step(w, std::vector<double>{4});
  const double z = 3 + (4 + w1) - 4 * w1;
  EXPECT_DOUBLE_EQ(opt.state().array("linear")[0], z);
  EXPECT_DOUBLE_EQ(w[0], (1 - z) / 12.5);
}

// L1 makes small weights exactly zero: |z| <= l1 gives w = 0.
TEST(Ftrl, L1GivesExactZeros) {
  Ftrl<double> opt({.lr = 1.0, .initial_accumulator_value = 0.0, .l1 = 5.0});
  opt.reset(2);
  std::vector<double> w = {0, 0};
  opt.step(w, std::vector<double>{3, 7});
  EXPECT_EQ(w[0], 0.0);                   // z = 3 <= 5
  EXPECT_DOUBLE_EQ(w[1], (5 - 7) / 7.0);  // z = 7 > 5: (l1 - z) / sqrt(49)
}

TEST(Ftrl, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "ftrl:lr=0.1,lr_power=-0.7,initial_accumulator_value=0.2,l1=0.01,l2=0.05,l2_shrinkage=0.1,"
      "beta=0.5",
      [] {
        return [n = std::vector<double>(7, 0.2), z = std::vector<double>(7)](
                   std::vector<double>& w, const std::vector<double>& g, int) mutable {
          const double lr = 0.1, p = -0.7, l1 = 0.01, l2 = 0.05 + 0.5 / (2 * lr), shr = 0.1;
          for (std::size_t i = 0; i < w.size(); ++i) {
            const double gs = g[i] + 2 * shr * w[i];
            const double n_new = n[i] + g[i] * g[i];
            z[i] += gs - (std::pow(n_new, -p) - std::pow(n[i], -p)) / lr * w[i];
            n[i] = n_new;
            const double q = 1 / (std::pow(n[i], p) * lr) + 2 * l2;
            w[i] = std::abs(z[i]) > l1 ? ((z[i] > 0 ? l1 : -l1) - z[i]) / q : 0.0;
          }
        };
      },
      1e-12);
}

TEST(Ftrl, Defaults) {
  EXPECT_EQ(make_optimizer("ftrl")->spec(),
            "ftrl:lr=0.001,lr_power=-0.5,initial_accumulator_value=0.1,l1=0,l2=0,l2_shrinkage=0,"
            "beta=0");
  EXPECT_THROW(make_optimizer("ftrl:lr_power=0.5"), InputError);
  EXPECT_THROW(make_optimizer("ftrl:lr=0"), InputError);
}

TEST(Ftrl, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("ftrl:lr=0.5"); }

}  // namespace
}  // namespace descent
