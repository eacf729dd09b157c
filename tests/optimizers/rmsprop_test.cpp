#include "descent/optimizers/rmsprop.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "reference.hpp"

namespace descent {
namespace {

template <class T>
class RmspropTest : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(RmspropTest, FloatTypes);

// One step by hand with exactly representable numbers and eps = 0:
//   beta = 0.75, g = 4: s = 0.75*0 + 0.25*16 = 4, w = 1 - (0.5*4)/(2 + 0) = 0
// then g = -2: s = 0.75*4 + 0.25*4 = 4, w = 0 - (0.5*-2)/2 = 0.5
TYPED_TEST(RmspropTest, TwoStepsByHand) {
  using T = TypeParam;
  Rmsprop<T> opt({.lr = 0.5, .beta = 0.75, .eps = 0.0});
  opt.reset(1);
  std::vector<T> w = {T(1)};
  std::vector<T> g = {T(4)};
  opt.step(w, g);
  EXPECT_EQ(opt.state().array("square_avg")[0], T(4));
  EXPECT_EQ(w[0], T(0));
  g[0] = T(-2);
  opt.step(w, g);
  EXPECT_EQ(opt.state().array("square_avg")[0], T(4));
  EXPECT_EQ(w[0], T(0.5));
}

// With eps = 0 the first step of RMSProp moves each coordinate by lr/sqrt(1-beta), whatever the
// gradient's size: the per-coordinate rescaling the seed describes.
TYPED_TEST(RmspropTest, FirstStepIgnoresGradientScale) {
  using T = TypeParam;
  Rmsprop<T> opt({.lr = 0.1, .beta = 0.9, .eps = 0.0});
  opt.reset(2);
  std::vector<T> w = {T(0), T(0)};
  const std::vector<T> g = {T(2), T(2000)};
  opt.step(w, g);
  const double expected = -0.1 / std::sqrt(0.1);
  // A few roundings of T in lr*g, g*g, (1-beta)*g^2, sqrt and the quotient: 8 units in the last
  // place of |expected| bounds them.
  const double tol = 8 * std::numeric_limits<T>::epsilon() * std::abs(expected);
  EXPECT_NEAR(w[0], expected, tol);
  EXPECT_NEAR(w[1], expected, tol);
}

TEST(Rmsprop, DefaultsAreTheSeeds) {
  EXPECT_EQ(make_optimizer("rmsprop")->spec(),
            "rmsprop:lr=0.1,beta=0.9,eps=1e-10,momentum=0,centered=false,weight_decay=0");
}

TEST(Rmsprop, RangesAreChecked) {
  EXPECT_THROW(make_optimizer("rmsprop:beta=1"), InputError);
  EXPECT_THROW(make_optimizer("rmsprop:eps=-1e-8"), InputError);
  EXPECT_THROW(Rmsprop<float>({.lr = 0.1, .beta = 0.9, .eps = std::nan("")}), InputError);
}

}  // namespace
}  // namespace descent

namespace descent {
namespace {

TEST(Rmsprop, MatchesTheUpdateRule) {
  for (const char* spec :
       {"rmsprop:lr=0.01,beta=0.95,eps=1e-8,weight_decay=0.1",
        "rmsprop:lr=0.01,beta=0.95,eps=1e-8,momentum=0.6,centered=true,weight_decay=0.1"}) {
    const bool fancy = std::string(spec).find("centered") != std::string::npos;
    test::expect_matches_reference(
        spec,
        [fancy] {
          return [fancy, s = std::vector<double>(7), a = std::vector<double>(7),
                  b = std::vector<double>(7)](std::vector<double>& w, const std::vector<double>& g,
                                              int) mutable {
            for (std::size_t i = 0; i < w.size(); ++i) {
              const double gd = g[i] + 0.1 * w[i];
              s[i] = 0.95 * s[i] + 0.05 * gd * gd;
              a[i] = 0.95 * a[i] + 0.05 * gd;
              const double d = std::sqrt(fancy ? s[i] - a[i] * a[i] : s[i]) + 1e-8;
              if (fancy) {
                b[i] = 0.6 * b[i] + gd / d;
                w[i] -= 0.01 * b[i];
              } else {
                w[i] -= 0.01 * gd / d;
              }
            }
          };
        },
        fancy ? 1e-11 : 1e-13);
  }
}

TEST(Rmsprop, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("rmsprop:lr=0.01@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
