// Stochastic gradients: noise and mini-batches are reproducible from their seed and unbiased.
#include "descent/noise.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"

namespace descent {
namespace {

TEST(Noise, NormalSourceHasTheRightMoments) {
  NormalSource z(1);
  double s = 0, s2 = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    const double v = z();
    s += v;
    s2 += v * v;
  }
  // Standard errors: 1/sqrt(n) = 0.0022 for the mean, sqrt(2/n) = 0.0032 for the variance.
  EXPECT_NEAR(s / n, 0.0, 0.01);
  EXPECT_NEAR(s2 / n, 1.0, 0.015);
  NormalSource a(9), b(9);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a(), b());
}

TEST(Noise, NoisyGradientKeepsTheValueAndIsReproducible) {
  const auto run_with = [](std::uint64_t seed) {
    NoisyGradient f(make_function("anisotropic"), 0.5, seed);
    auto sgd = make_optimizer("sgd");
    return run(f, *sgd, std::vector<double>{1, 1}, {.steps = 20});
  };
  const RunResult a = run_with(3), b = run_with(3), c = run_with(4);
  EXPECT_EQ(a.trajectory.points, b.trajectory.points);
  EXPECT_NE(a.trajectory.points, c.trajectory.points);
  const auto f = make_function("anisotropic");
  for (std::size_t k = 0; k < a.trajectory.size(); ++k)
    EXPECT_EQ(a.trajectory.loss[k], f->value(a.trajectory.point(k)));
  EXPECT_THROW(NoisyGradient(make_function("isotropic"), -1, 0), InputError);
}

TEST(LeastSquares, MinimizerSolvesTheNormalEquations) {
  const LeastSquares f(100, 3, 5, 0.3);
  const auto w = f.minimizers().front();
  std::vector<double> g(3);
  f.value_and_gradient(w, g);
  for (double gi : g) EXPECT_NEAR(gi, 0.0, 1e-12);
  EXPECT_EQ(*f.minimum(), f.value(w));
}

// The mean of many mini-batch gradients is the full gradient (to sampling error).
TEST(LeastSquares, MiniBatchGradientsAreUnbiased) {
  LeastSquares f(60, 2, 1, 0.5);
  const std::vector<double> x = {0.3, -0.2};
  std::vector<double> full(2), g(2), mean(2, 0.0);
  f.value_and_gradient(x, full);
  f.set_batch(6, 11);
  const int draws = 20000;
  for (int i = 0; i < draws; ++i) {
    f.value_and_gradient(x, g);
    mean[0] += g[0] / draws;
    mean[1] += g[1] / draws;
  }
  EXPECT_NEAR(mean[0], full[0], 0.02 * (1 + std::abs(full[0])));
  EXPECT_NEAR(mean[1], full[1], 0.02 * (1 + std::abs(full[1])));
  EXPECT_THROW(f.set_batch(61, 0), InputError);
}

}  // namespace
}  // namespace descent
