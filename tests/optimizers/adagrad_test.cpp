#include "descent/optimizers/adagrad.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

TEST(Adagrad, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "adagrad:lr=0.1,lr_decay=0.05,weight_decay=0.1,initial_accumulator_value=0.5,eps=1e-8", [] {
        return [s = std::vector<double>(7, 0.5)](std::vector<double>& w,
                                                 const std::vector<double>& g, int t) mutable {
          const double clr = 0.1 / (1 + (t - 1) * 0.05);
          for (std::size_t i = 0; i < w.size(); ++i) {
            const double gd = g[i] + 0.1 * w[i];
            s[i] += gd * gd;
            w[i] -= clr * gd / (std::sqrt(s[i]) + 1e-8);
          }
        };
      });
}

// By hand, eps = 0: g = 3 then 4 gives sums 9 and 25, steps lr*3/3 and lr*4/5.
TEST(Adagrad, TwoStepsByHand) {
  Adagrad<double> opt({.lr = 0.5, .eps = 0.0});
  opt.reset(1);
  std::vector<double> w = {1};
  opt.step(w, std::vector<double>{3});
  EXPECT_EQ(w[0], 0.5);
  opt.step(w, std::vector<double>{4});
  EXPECT_EQ(w[0], 0.5 - 0.4);
  EXPECT_EQ(opt.state().array("sum")[0], 25.0);
}

TEST(Adagrad, Defaults) {
  EXPECT_EQ(make_optimizer("adagrad")->spec(),
            "adagrad:lr=0.01,lr_decay=0,weight_decay=0,initial_accumulator_value=0,eps=1e-10");
  EXPECT_THROW(make_optimizer("adagrad:initial_accumulator_value=-1"), InputError);
}

TEST(Adagrad, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("adagrad:lr=0.5");
}

}  // namespace
}  // namespace descent
