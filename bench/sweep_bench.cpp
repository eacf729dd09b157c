// The sweep engine on the README's phase diagram: momentum over a 256 x 256 grid of (lr, alpha),
// 1000 steps per cell from (1, 1), on the seed's valley as a catalog function (the fused loop) and
// as a typed expression (the lanes), at every SIMD level the CPU has and on 1 and 2 threads. The
// time is descent::sweep()'s, the engine's alone (no files). bench/sweep_numpy.py compares the
// whole command with numpy.
//
// And every built-in rule's batch of 256 lanes, 1000 steps on the valley, through the fused loop
// (Fused/RULE/LEVEL) and through the generic lanes (Lanes/RULE/LEVEL: the same function behind an
// Objective the fused loop does not know), on one thread: the fused loop must never be the slower.
//
//   build/release/bench/descent_bench_sweep --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "descent/optimizer_config.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"
#include "descent/simd.hpp"
#include "descent/sweep.hpp"
#include "engine/lanes.hpp"

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

// An objective that forwards to another, which the fused loop does not recognize.
class Opaque final : public descent::Objective {
 public:
  explicit Opaque(std::unique_ptr<descent::Objective> f) : f_(std::move(f)) {}
  std::size_t dim() const override { return f_->dim(); }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    return f_->value_and_gradient(x, g);
  }
  void value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                std::span<double> loss, std::span<double> g) const override {
    f_->value_and_gradient_lanes(lanes, x, loss, g);
  }
  std::string spec() const override { return f_->spec(); }
  std::string formula() const override { return f_->formula(); }
  std::vector<double> default_start() const override { return f_->default_start(); }
  descent::Box bounds() const override { return f_->bounds(); }

 private:
  std::unique_ptr<descent::Objective> f_;
};

void BM_RuleBatch(benchmark::State& state, std::string rule, descent::Simd level, bool fused) {
  constexpr std::size_t kLanes = 256;
  std::unique_ptr<descent::Objective> f = descent::make_function("anisotropic");
  if (!fused) f = std::make_unique<Opaque>(std::move(f));
  const descent::OptimizerConfig c = descent::OptimizerConfig::parse(rule);
  std::vector<double> starts(2 * kLanes);
  for (std::size_t j = 0; j < kLanes; ++j) {
    starts[j] = 1.0 + static_cast<double>(j) / kLanes;
    starts[kLanes + j] = 1.0 - static_cast<double>(j) / (2 * kLanes);
  }
  descent::RunOptions options;
  options.steps = 1000;
  options.record = false;
  descent::set_simd(level);
  for (auto _ : state) {
    auto lanes = descent::detail::make_lane_optimizer(c, {}, {}, kLanes, 2);
    benchmark::DoNotOptimize(descent::detail::run_lanes(*f, *lanes, kLanes, starts, options));
  }
  state.counters["cell_steps/s"] =
      benchmark::Counter(kLanes * 1000.0, benchmark::Counter::kIsIterationInvariantRate);
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
  for (const descent::OptimizerInfo* o : descent::optimizer_catalog()) {
    if (!o->elementwise || !o->alias_of.empty()) continue;
    const std::string& rule = o->name;
    for (descent::Simd level : descent::simd_supported())
      for (bool fused : {true, false}) {
        const std::string name = std::string(fused ? "Fused/" : "Lanes/") + rule + "/" +
                                 std::string(descent::simd_name(level));
        benchmark::RegisterBenchmark(name.c_str(), BM_RuleBatch, rule, level, fused)
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
  }
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
