// Every registered function: gradient and Hessian against finite differences at random points,
// the known minimizers evaluated, and the self-description complete.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "descent/error.hpp"
#include "descent/functions/anisotropic.hpp"
#include "descent/registry.hpp"

namespace descent {
namespace {

class EveryFunction : public ::testing::TestWithParam<const FunctionInfo*> {};

std::unique_ptr<Objective> make_default(const FunctionInfo& info) {
  return info.make(default_params(info.params));
}

// Fourth-order central differences, (-f(x+2h) + 8 f(x+h) - 8 f(x-h) + f(x-2h)) / 12h with
// h = 1e-3 max(1, |x|): truncation error ~h^4 |f^(5)| ~ 1e-12 |f^(5)| and rounding error
// ~eps |f| / h ~ 2e-13 |f|. The tolerance 1e-6 (1 + |f| + |derivative|) is above both for every
// catalog function on its plotting box, and far below any wrong term.
template <class F>
double derivative(F&& fn, std::vector<double> x, std::size_t i) {
  const double h = 1e-3 * std::max(1.0, std::abs(x[i]));
  const double x0 = x[i];
  const auto at = [&](double d) {
    x[i] = x0 + d;
    return fn(x);
  };
  return (-at(2 * h) + 8 * at(h) - 8 * at(-h) + at(-2 * h)) / (12 * h);
}

std::vector<std::vector<double>> random_points(const Objective& f, int count) {
  std::mt19937_64 rng(42);
  const Box b = f.bounds();
  std::vector<std::vector<double>> pts;
  for (int k = 0; k < count; ++k) {
    std::vector<double> x(f.dim());
    for (std::size_t i = 0; i < x.size(); ++i)
      x[i] = std::uniform_real_distribution<double>(b.lower[i], b.upper[i])(rng);
    pts.push_back(x);
  }
  return pts;
}

TEST_P(EveryFunction, GradientMatchesFiniteDifferences) {
  const FunctionInfo& info = *GetParam();
  const auto f = make_default(info);
  for (const auto& x : random_points(*f, 30)) {
    std::vector<double> g(f->dim());
    const double fx = f->value_and_gradient(x, g);
    EXPECT_EQ(fx, f->value(x));
    for (std::size_t i = 0; i < f->dim(); ++i) {
      const double fd = derivative([&](const std::vector<double>& p) { return f->value(p); }, x, i);
      EXPECT_NEAR(g[i], fd, 1e-6 * (1 + std::abs(fx) + std::abs(fd)))
          << info.name << " component " << i + 1;
    }
  }
}

TEST_P(EveryFunction, HessianMatchesFiniteDifferencesOfTheGradient) {
  const FunctionInfo& info = *GetParam();
  const auto f = make_default(info);
  const std::size_t n = f->dim();
  for (const auto& x : random_points(*f, 10)) {
    std::vector<double> h(n * n), g(n);
    ASSERT_TRUE(f->hessian(x, h)) << info.name;
    for (std::size_t j = 0; j < n; ++j) {
      for (std::size_t i = 0; i < n; ++i) {
        EXPECT_EQ(h[i * n + j], h[j * n + i]) << info.name << " is not symmetric";
        const double fd = derivative(
            [&](const std::vector<double>& p) {
              f->value_and_gradient(p, g);
              return g[i];
            },
            x, j);
        EXPECT_NEAR(h[i * n + j], fd, 1e-6 * (1 + std::abs(f->value(x)) + std::abs(fd)))
            << info.name << " H(" << i + 1 << "," << j + 1 << ")";
      }
    }
  }
}

TEST_P(EveryFunction, KnownMinimizersAttainTheMinimum) {
  const FunctionInfo& info = *GetParam();
  const auto f = make_default(info);
  if (!f->minimum()) {
    EXPECT_TRUE(f->minimizers().empty()) << info.name;
    return;  // saddles: no minimum to check
  }
  ASSERT_FALSE(f->minimizers().empty()) << info.name;
  for (const auto& x : f->minimizers()) {
    ASSERT_EQ(x.size(), f->dim());
    EXPECT_NEAR(f->value(x), *f->minimum(), 1e-12 * (1 + std::abs(*f->minimum()))) << info.name;
    std::vector<double> g(f->dim());
    f->value_and_gradient(x, g);
    for (double gi : g) EXPECT_NEAR(gi, 0.0, 1e-9) << info.name;
    // And it is a minimum: nothing lower nearby.
    for (const auto& y : random_points(*f, 20)) {
      std::vector<double> z = x;
      for (std::size_t i = 0; i < z.size(); ++i) z[i] += 1e-4 * (y[i] - x[i]);
      EXPECT_GE(f->value(z), *f->minimum() - 1e-12) << info.name;
    }
  }
}

TEST_P(EveryFunction, DescribesItself) {
  const FunctionInfo& info = *GetParam();
  const auto f = make_default(info);
  EXPECT_FALSE(info.doc.empty());
  EXPECT_FALSE(f->formula().empty());
  EXPECT_EQ(f->spec().substr(0, info.name.size()), info.name);
  EXPECT_EQ(make_function(f->spec())->spec(), f->spec());
  EXPECT_EQ(f->default_start().size(), f->dim());
  const Box b = f->bounds();
  ASSERT_EQ(b.lower.size(), f->dim());
  ASSERT_EQ(b.upper.size(), f->dim());
  for (std::size_t i = 0; i < f->dim(); ++i) EXPECT_LT(b.lower[i], b.upper[i]);
  EXPECT_TRUE(std::isfinite(f->value(f->default_start())));
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryFunction, ::testing::ValuesIn(function_catalog()),
                         [](const auto& p) { return p.param->name; });

TEST(Catalog, HoldsTheLabsFunctions) {
  for (const char* name :
       {"isotropic", "anisotropic", "quadratic", "rosenbrock", "beale", "booth", "himmelblau",
        "rastrigin", "ackley", "goldstein_price", "styblinski_tang", "matyas", "three_hump_camel",
        "six_hump_camel", "levi13", "saddle", "monkey_saddle", "ill_conditioned"})
    EXPECT_EQ(find_function(name).name, name);
}

TEST(Catalog, KnownValuesFromTheLiterature) {
  EXPECT_NEAR(*make_function("goldstein_price")->minimum(), 3.0, 1e-12);
  EXPECT_NEAR(*make_function("six_hump_camel")->minimum(), -1.0316284534898774, 1e-12);
  EXPECT_NEAR(*make_function("styblinski_tang:n=3")->minimum(), -3 * 39.16616570377142, 1e-9);
  EXPECT_EQ(make_function("himmelblau")->minimizers().size(), 4u);
  EXPECT_EQ(make_function("ill_conditioned:kappa=1000,n=50")->dim(), 50u);
  EXPECT_THROW(make_function("quadratic:eigenvalues=1;2;3"), InputError);
  // A given matrix: [[2, 1], [1, 2]] has eigenvalues 1 and 3.
  const auto q = make_function("quadratic:matrix=2;1;2");
  EXPECT_EQ(q->value(std::vector<double>{1, 1}), 6.0);
  std::vector<double> h(4);
  ASSERT_TRUE(q->hessian(std::vector<double>{0, 0}, h));
  EXPECT_EQ(h, (std::vector<double>{4, 2, 2, 4}));
  EXPECT_EQ(q->spec(), "quadratic:matrix=2;1;2");  // no eigenvalues that are not the matrix's
  EXPECT_EQ(make_function(q->spec())->spec(), q->spec());
  EXPECT_THROW(make_function("quadratic:matrix=1;2"), InputError);
  EXPECT_THROW(make_function("quadratic:matrix=1;0;1,angle=30"), InputError);
}

TEST(Anisotropic, RatioAndAngleShapeTheValley) {
  const auto f = make_function("anisotropic:ratio=3");
  EXPECT_EQ(f->formula(), "w1^2 + 3*w2^2");
  EXPECT_EQ(f->spec(), "anisotropic:ratio=3,angle=0");
  const std::vector<double> x = {1.0, 2.0};
  EXPECT_EQ(f->value(x), 13.0);
  // Turned by 90 degrees the valley runs along w2: f(w1, w2) = w2^2 + 3 w1^2.
  const auto r = make_function("anisotropic:ratio=3,angle=90");
  EXPECT_NEAR(r->value(x), 4.0 + 3.0, 1e-12);
  EXPECT_THROW(make_function("anisotropic:ratio=0"), InputError);
  EXPECT_THROW(Anisotropic({.ratio = -1}), InputError);
}

}  // namespace
}  // namespace descent
