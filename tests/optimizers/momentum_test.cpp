#include "descent/optimizers/momentum.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "reference.hpp"

namespace descent {
namespace {

template <class T>
class MomentumTest : public ::testing::Test {};
using FloatTypes = ::testing::Types<float, double>;
TYPED_TEST_SUITE(MomentumTest, FloatTypes);

// Two steps by hand with exactly representable numbers: lr = 0.5, alpha = 0.5, g = 2 then 4.
//   v1 = 0.5*0 + 0.5*2 = 1,   w1 = 3 - 1 = 2
//   v2 = 0.5*1 + 0.5*4 = 2.5, w2 = 2 - 2.5 = -0.5
TYPED_TEST(MomentumTest, TwoStepsByHand) {
  using T = TypeParam;
  Momentum<T> opt({.lr = 0.5, .alpha = 0.5});
  opt.reset(1);
  std::vector<T> w = {T(3)};
  std::vector<T> g = {T(2)};
  opt.step(w, g);
  EXPECT_EQ(w[0], T(2));
  EXPECT_EQ(opt.state().array("velocity")[0], T(1));
  g[0] = T(4);
  opt.step(w, g);
  EXPECT_EQ(w[0], T(-0.5));
  EXPECT_EQ(opt.state().array("velocity")[0], T(2.5));
}

TYPED_TEST(MomentumTest, ResetClearsTheVelocity) {
  using T = TypeParam;
  Momentum<T> opt;
  opt.reset(2);
  std::vector<T> w = {T(1), T(1)};
  const std::vector<T> g = {T(1), T(1)};
  opt.step(w, g);
  opt.reset(2);
  EXPECT_EQ(opt.state().array("velocity"), (std::vector<T>{T(0), T(0)}));
}

TYPED_TEST(MomentumTest, FreeFunctionChecksSizes) {
  using T = TypeParam;
  RuleState<MomentumRule, T> s = init_state<MomentumRule, T>({}, 2);
  std::vector<T> w(3), g(3);
  const TensorRef<T> t{w, g};
  EXPECT_THROW(step<MomentumRule>({}, s, std::span<const TensorRef<T>>(&t, 1)),
               std::invalid_argument);
  EXPECT_EQ(s.counters.step, 0) << "a refused step changes no state";
}

TEST(Momentum, DefaultsAreTheSeeds) {
  EXPECT_EQ(make_optimizer("momentum")->spec(),
            "momentum:lr=0.1,alpha=0.9,dampening=0,weight_decay=0,buffer=false");
}

// torch's buffer form: b <- alpha*b + g, w <- w - lr*b, with the lr of each step on the whole b.
TEST(Momentum, BufferFormStepsLrTimesTheBuffer) {
  const auto o = make_optimizer("momentum:lr=0.1,alpha=0.5,buffer=true");
  o->reset(1);
  std::vector<double> w = {1.0};
  const std::vector<double> g = {1.0};
  o->step(w, g);  // b = 1
  EXPECT_DOUBLE_EQ(w[0], 0.9);
  o->set_lr(0.2);
  o->step(w, g);  // b = 1.5, stepped by the new lr
  EXPECT_DOUBLE_EQ(w[0], 0.9 - 0.2 * 1.5);
  // Under a constant lr the two forms agree up to rounding.
  const auto v = make_optimizer("momentum:lr=0.1,alpha=0.5");
  const auto b = make_optimizer("momentum:lr=0.1,alpha=0.5,dampening=0.2,buffer=true");
  const auto vd = make_optimizer("momentum:lr=0.1,alpha=0.5,dampening=0.2");
  for (auto* opt : {v.get(), b.get(), vd.get()}) opt->reset(1);
  std::vector<double> wb = {1.0}, wv = {1.0};
  for (int k = 0; k < 20; ++k) {
    const std::vector<double> gb = {2 * wb[0]}, gv = {2 * wv[0]};
    b->step(wb, gb);
    vd->step(wv, gv);
  }
  EXPECT_NEAR(wb[0], wv[0], 1e-15);
}

TEST(Momentum, AlphaMustBeBelowOne) {
  EXPECT_THROW(Momentum<double>({.lr = 0.1, .alpha = 1.0}), InputError);
  EXPECT_THROW(make_optimizer("momentum:alpha=-0.1"), InputError);
  EXPECT_NO_THROW(make_optimizer("momentum:alpha=0"));
}

}  // namespace
}  // namespace descent

namespace descent {
namespace {

TEST(Momentum, MatchesTheUpdateRule) {
  test::expect_matches_reference("momentum:lr=0.05,alpha=0.8,dampening=0.25,weight_decay=0.1", [] {
    return [v = std::vector<double>(7)](std::vector<double>& w, const std::vector<double>& g,
                                        int t) mutable {
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double gd = g[i] + 0.1 * w[i];
        v[i] = t == 1 ? 0.05 * gd : 0.8 * v[i] + (1 - 0.25) * 0.05 * gd;
        w[i] -= v[i];
      }
    };
  });
}

TEST(Momentum, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("momentum:lr=0.05,alpha=0.5");
}

}  // namespace
}  // namespace descent
