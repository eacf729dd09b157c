// Every registered function: the gradient against central differences at random points, and the
// known minimizers evaluated.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "descent/error.hpp"
#include "descent/functions/anisotropic.hpp"
#include "descent/registry.hpp"

namespace descent {
namespace {

class EveryFunction : public ::testing::TestWithParam<const FunctionInfo*> {};

// Central differences with h = 1e-6 * max(1, |x|) have truncation error O(h^2 * f''') and rounding
// error O(eps * |f| / h); for these smooth functions on [-3, 3]^n that is below 1e-6 relative.
TEST_P(EveryFunction, GradientMatchesCentralDifferences) {
  const FunctionInfo& info = *GetParam();
  const auto f = info.make(default_params(info.params));
  std::mt19937_64 rng(42);
  std::uniform_real_distribution<double> u(-3.0, 3.0);
  const std::size_t n = f->dim();
  for (int trial = 0; trial < 50; ++trial) {
    std::vector<double> x(n), g(n);
    for (double& xi : x) xi = u(rng);
    const double fx = f->value_and_gradient(x, g);
    EXPECT_EQ(fx, f->value(x));
    for (std::size_t i = 0; i < n; ++i) {
      const double h = 1e-6 * std::max(1.0, std::abs(x[i]));
      std::vector<double> xp = x, xm = x;
      xp[i] += h;
      xm[i] -= h;
      const double fd = (f->value(xp) - f->value(xm)) / (2 * h);
      EXPECT_NEAR(g[i], fd, 1e-6 * std::max(1.0, std::abs(fd)))
          << info.name << " component " << i + 1 << " at trial " << trial;
    }
  }
}

TEST_P(EveryFunction, KnownMinimizersAttainTheMinimum) {
  const FunctionInfo& info = *GetParam();
  const auto f = info.make(default_params(info.params));
  ASSERT_TRUE(f->minimum().has_value()) << info.name;
  ASSERT_FALSE(f->minimizers().empty()) << info.name;
  for (const auto& x : f->minimizers()) {
    ASSERT_EQ(x.size(), f->dim());
    EXPECT_EQ(f->value(x), *f->minimum()) << info.name;
    std::vector<double> g(f->dim());
    f->value_and_gradient(x, g);
    for (double gi : g) EXPECT_EQ(gi, 0.0) << info.name;
  }
}

TEST_P(EveryFunction, DescribesItself) {
  const FunctionInfo& info = *GetParam();
  const auto f = info.make(default_params(info.params));
  EXPECT_FALSE(info.doc.empty());
  EXPECT_FALSE(f->formula().empty());
  EXPECT_EQ(f->spec().substr(0, info.name.size()), info.name);
  EXPECT_EQ(f->default_start().size(), f->dim());
  const Box b = f->bounds();
  ASSERT_EQ(b.lower.size(), f->dim());
  ASSERT_EQ(b.upper.size(), f->dim());
  for (std::size_t i = 0; i < f->dim(); ++i) EXPECT_LT(b.lower[i], b.upper[i]);
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryFunction, ::testing::ValuesIn(function_catalog()),
                         [](const auto& p) { return p.param->name; });

TEST(Anisotropic, RatioShapesTheValley) {
  const auto f = make_function("anisotropic:ratio=3");
  EXPECT_EQ(f->formula(), "w1^2 + 3*w2^2");
  EXPECT_EQ(f->spec(), "anisotropic:ratio=3");
  const std::vector<double> x = {1.0, 2.0};
  EXPECT_EQ(f->value(x), 13.0);
  EXPECT_THROW(make_function("anisotropic:ratio=0"), InputError);
  EXPECT_THROW(Anisotropic({.ratio = -1}), InputError);
}

}  // namespace
}  // namespace descent
