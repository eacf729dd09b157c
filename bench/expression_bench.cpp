// Value and gradient of a typed expression with 20 nodes on its tape, beside the same function
// written by hand in C++ (value and gradient) in the same run: the price of typing a function
// instead of compiling it. Then the other evaluations of the tape: the value alone, the Hessian,
// and the lanes (256 points at once, a sweep's batch) for the same text and for the seed's bowl.
//
//   build/release/bench/descent_bench_expression --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "descent/expression.hpp"

namespace {

// 20 nodes: 7 variable reads, 2 constants, 11 operations (checked by the benchmark).
constexpr const char* kText = "(1 - x)^2 + 100*(y - x^2)^2 + sin(x*y) + exp(y)";

void BM_ExpressionValueAndGradient(benchmark::State& state) {
  const descent::Expression e(kText);
  if (e.size() != 20) state.SkipWithError("the expression does not have 20 nodes");
  std::vector<double> x = {0.3, -0.4}, g(2);
  for (auto _ : state) {
    x[0] += 1e-9;
    benchmark::DoNotOptimize(e.value_and_gradient(x, g));
    benchmark::DoNotOptimize(g.data());
  }
  state.counters["nodes"] = static_cast<double>(e.size());
}

// The reference: the same function and its gradient written out by hand.
void BM_HandWrittenValueAndGradient(benchmark::State& state) {
  std::vector<double> x = {0.3, -0.4}, g(2);
  for (auto _ : state) {
    x[0] += 1e-9;
    const double a = 1 - x[0], t = x[1] - x[0] * x[0], s = std::sin(x[0] * x[1]),
                 c = std::cos(x[0] * x[1]), e = std::exp(x[1]);
    const double v = a * a + 100 * t * t + s + e;
    g[0] = -2 * a - 400 * x[0] * t + c * x[1];
    g[1] = 200 * t + c * x[0] + e;
    benchmark::DoNotOptimize(v);
    benchmark::DoNotOptimize(g.data());
  }
}

void BM_ExpressionValue(benchmark::State& state) {
  const descent::Expression e(kText);
  std::vector<double> x = {0.3, -0.4};
  for (auto _ : state) {
    x[0] += 1e-9;
    benchmark::DoNotOptimize(e.value(x));
  }
}

void BM_ExpressionHessian(benchmark::State& state) {
  const descent::Expression e(kText);
  std::vector<double> x = {0.3, -0.4}, h(4);
  for (auto _ : state) {
    x[0] += 1e-9;
    benchmark::DoNotOptimize(e.hessian(x, h));
    benchmark::DoNotOptimize(h.data());
  }
}

// 256 points (the sweep's batch) of `text` in one call; the time is per call.
void lanes(benchmark::State& state, const char* text) {
  const descent::Expression e(text);
  constexpr std::size_t kLanes = 256;
  const std::size_t n = e.dim();
  std::vector<double> x(n * kLanes), loss(kLanes), g(n * kLanes);
  for (std::size_t j = 0; j < x.size(); ++j) x[j] = -0.9 + 1.8 * static_cast<double>(j % 97) / 97;
  for (auto _ : state) {
    x[0] += 1e-9;
    e.value_and_gradient_lanes(kLanes, x, loss, g);
    benchmark::DoNotOptimize(loss.data());
    benchmark::DoNotOptimize(g.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kLanes));
}

void BM_ExpressionLanes(benchmark::State& state) { lanes(state, kText); }
void BM_BowlLanes(benchmark::State& state) { lanes(state, "w1^2 + 8*w2^2"); }

void BM_ExpressionParse(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(descent::Expression(kText).size());
}

BENCHMARK(BM_ExpressionValueAndGradient);
BENCHMARK(BM_HandWrittenValueAndGradient);
BENCHMARK(BM_ExpressionValue);
BENCHMARK(BM_ExpressionHessian);
BENCHMARK(BM_ExpressionLanes);
BENCHMARK(BM_BowlLanes);
BENCHMARK(BM_ExpressionParse);

}  // namespace

BENCHMARK_MAIN();
