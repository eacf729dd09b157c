// L-BFGS on Rosenbrock: time per solve, with iterations and function evaluations as counters,
// beside a reference measured in the same run: the same number of value-and-gradient evaluations
// of the same function alone. Their ratio is what L-BFGS itself costs on top of the evaluations.
//
//   build/release/bench/descent_bench_lbfgs --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <vector>

#include "descent/functions/rosenbrock.hpp"
#include "descent/optimizers/lbfgs.hpp"
#include "descent/runner.hpp"

namespace {

using descent::Rosenbrock;

descent::RunResult solve(const Rosenbrock& f) {
  descent::Lbfgs<double> opt;
  return descent::run(f, opt, f.default_start(), {.steps = 100000});
}

void BM_LbfgsRosenbrock(benchmark::State& state) {
  const Rosenbrock f({.n = static_cast<int>(state.range(0))});
  descent::RunResult r;
  for (auto _ : state) {
    r = solve(f);
    benchmark::DoNotOptimize(r.metrics.final_loss);
  }
  state.counters["iterations"] = static_cast<double>(r.stop_step);
  state.counters["evaluations"] = static_cast<double>(r.evaluations);
  double worst = 0;
  const auto last = r.trajectory.point(r.trajectory.size() - 1);
  for (double x : last) worst = std::max(worst, std::abs(x - 1));
  state.counters["max_abs_error"] = worst;
}

// The reference: as many evaluations of the same function as one solve makes.
void BM_RosenbrockEvaluations(benchmark::State& state) {
  const Rosenbrock f({.n = static_cast<int>(state.range(0))});
  const auto evaluations = solve(f).evaluations;
  std::vector<double> x = f.default_start(), g(x.size());
  for (auto _ : state) {
    double s = 0;
    for (std::uint64_t i = 0; i < evaluations; ++i) {
      x[0] += 1e-12;  // a new point each time
      s += f.value_and_gradient(x, g);
    }
    benchmark::DoNotOptimize(s);
  }
  state.counters["evaluations"] = static_cast<double>(evaluations);
}

BENCHMARK(BM_LbfgsRosenbrock)->Arg(2)->Arg(1000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_RosenbrockEvaluations)->Arg(2)->Arg(1000)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
