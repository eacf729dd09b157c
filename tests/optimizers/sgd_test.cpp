#include "descent/optimizers/sgd.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "reference.hpp"

namespace descent {
namespace {

template <class T>
class SgdTest : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(SgdTest, FloatTypes);

TYPED_TEST(SgdTest, StepIsWMinusLrTimesG) {
  using T = TypeParam;
  Sgd<T> opt({.lr = 0.5});
  opt.reset(3);
  std::vector<T> w = {T(1), T(-2), T(0.25)};
  const std::vector<T> g = {T(4), T(-1), T(0)};
  opt.step(w, g);
  EXPECT_EQ(w, (std::vector<T>{T(-1), T(-1.5), T(0.25)}));
}

TYPED_TEST(SgdTest, WrongSizesThrow) {
  using T = TypeParam;
  Sgd<T> opt;
  opt.reset(2);
  std::vector<T> w(3), g(3);
  EXPECT_THROW(opt.step(w, g), std::invalid_argument);
}

TEST(Sgd, DefaultsAreTheSeeds) {
  EXPECT_EQ(Sgd<double>().spec(), "sgd:lr=0.1,weight_decay=0");
  EXPECT_EQ(make_optimizer("sgd")->spec(), "sgd:lr=0.1,weight_decay=0");
  EXPECT_EQ(make_optimizer("gd:lr=0.5")->spec(), "sgd:lr=0.5,weight_decay=0");
}

TEST(Sgd, NegativeLearningRateIsRejected) {
  EXPECT_THROW(Sgd<double>({.lr = -0.1}), InputError);
  EXPECT_THROW(make_optimizer("sgd:lr=-1"), InputError);
}

TEST(Sgd, EmptySpansAreANoOp) {
  Sgd<float> opt;
  opt.reset(0);
  std::vector<float> w, g;
  opt.step(w, g);
  EXPECT_TRUE(w.empty());
}

}  // namespace
}  // namespace descent

namespace descent {
namespace {

TEST(Sgd, MatchesTheUpdateRule) {
  test::expect_matches_reference("sgd:lr=0.05,weight_decay=0.2", [] {
    return [](std::vector<double>& w, const std::vector<double>& g, int) {
      for (std::size_t i = 0; i < w.size(); ++i) w[i] -= 0.05 * (g[i] + 0.2 * w[i]);
    };
  });
}

TEST(Sgd, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("sgd:lr=0.1"); }

TEST(Sgd, ConvergesOnTheSeedsBowlsAsGd) { test::expect_converges_on_the_seeds_bowls("gd:lr=0.05"); }

}  // namespace
}  // namespace descent
