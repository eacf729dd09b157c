// Value and gradient of a typed expression with 20 nodes on its tape, beside the same function
// written by hand in C++ (value and gradient) in the same run: the price of typing a function
// instead of compiling it.
//
//   build/release/bench/descent_bench_expression --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cmath>
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

void BM_ExpressionParse(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(descent::Expression(kText).size());
}

BENCHMARK(BM_ExpressionValueAndGradient);
BENCHMARK(BM_HandWrittenValueAndGradient);
BENCHMARK(BM_ExpressionParse);

}  // namespace

BENCHMARK_MAIN();
