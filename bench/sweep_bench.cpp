// The sweep engine on the README's phase diagram: momentum over a 256 x 256 grid of (lr, alpha),
// 1000 steps per cell from (1, 1), on the seed's valley as a catalog function (the fused loop) and
// as a typed expression (the lanes), at every SIMD level the CPU has and on 1 and 2 threads. The
// time is descent::sweep()'s, the engine's alone (no files). bench/sweep_numpy.py compares the
// whole command with numpy.
//
//   build/release/bench/descent_bench_sweep --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <string>

#include "descent/optimizer_config.hpp"
#include "descent/parallel.hpp"
#include "descent/simd.hpp"
#include "descent/sweep.hpp"

namespace {

void BM_MomentumSweep(benchmark::State& state, const char* function, descent::Simd level) {
  descent::SweepConfig c;
  c.function = function;
  c.start = {1.0, 1.0};
  c.optimizer = descent::OptimizerConfig::parse("momentum");
  c.axes = {descent::parse_grid_axis("lr=1e-3:1:log:256"),
            descent::parse_grid_axis("alpha=0:0.99:lin:256")};
  c.options.steps = 1000;
  descent::set_simd(level);
  descent::set_threads(static_cast<unsigned>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(descent::sweep(c).median.data());
  state.counters["cell_steps/s"] =
      benchmark::Counter(65536.0 * 1000, benchmark::Counter::kIsIterationInvariantRate);
  descent::set_threads(0);
  descent::set_simd(descent::simd_supported().back());
}

}  // namespace

int main(int argc, char** argv) {
  for (descent::Simd level : descent::simd_supported())
    for (const char* f : {"anisotropic", "w1^2 + 8*w2^2"}) {
      const std::string name = std::string("Sweep/") +
                               (f[0] == 'a' ? "anisotropic" : "expression") + "/" +
                               std::string(descent::simd_name(level));
      benchmark::RegisterBenchmark(name.c_str(), BM_MomentumSweep, f, level)
          ->Arg(1)
          ->Arg(2)
          ->Unit(benchmark::kMillisecond)
          ->UseRealTime();
    }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
