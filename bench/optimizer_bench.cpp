// Micro-benchmarks of the elementwise kernels: one optimizer step over n parameters (bytes/s
// counts the step's ideal bytes), the triad on the same n for reference, and Adam over a vector
// cut into many small tensors against the same total in one vector (the cost per tensor).
//
//   build/release/bench/descent_bench_optimizers --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true      (one command line)
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "bandwidth.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"

namespace {

constexpr std::int64_t kL1 = 4 << 10, kL2 = 64 << 10, kDram = 16 << 20;

void fill(std::vector<float>& w, std::vector<float>& g) {
  for (std::size_t i = 0; i < w.size(); ++i) {
    w[i] = 0.5f + 0.001f * static_cast<float>(i % 100);
    g[i] = 0.01f * static_cast<float>(static_cast<int>(i % 21) - 10) + 0.001f;
  }
}

void BM_Triad(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  std::vector<float> a(n), b(n), c(n);
  fill(b, c);
  for (auto _ : state) {
    descent::triad<float>(a, b, c, 0.5f);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(12 * n));
}

void BM_Step(benchmark::State& state, const std::string& spec) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto opt = descent::make_optimizer<float>(spec);
  opt->reset(n);
  std::vector<float> w(n), g(n);
  fill(w, g);
  for (auto _ : state) {
    opt->step(w, g);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<std::int64_t>(descent::ideal_bytes_per_element(*opt) * n));
}

// Adam over `count` tensors of `each` elements, stepped as one list.
void BM_AdamTensors(benchmark::State& state) {
  const auto count = static_cast<std::size_t>(state.range(0));
  const auto each = static_cast<std::size_t>(state.range(1));
  auto opt = descent::make_optimizer<float>("adam");
  opt->reset(count * each);
  std::vector<float> w(count * each), g(count * each);
  fill(w, g);
  std::vector<descent::TensorRef<float>> tensors;
  for (std::size_t k = 0; k < count; ++k)
    tensors.push_back({std::span<float>(w.data() + k * each, each),
                       std::span<const float>(g.data() + k * each, each)});
  for (auto _ : state) {
    opt->step_tensors(tensors);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(28 * count * each));
}

BENCHMARK(BM_Triad)->Arg(kL1)->Arg(kL2)->Arg(kDram)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Step, sgd, std::string("sgd"))
    ->Arg(kL1)
    ->Arg(kL2)
    ->Arg(kDram)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Step, momentum, std::string("momentum"))
    ->Arg(kL1)
    ->Arg(kL2)
    ->Arg(kDram)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Step, rmsprop, std::string("rmsprop"))
    ->Arg(kL1)
    ->Arg(kL2)
    ->Arg(kDram)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_Step, adam, std::string("adam"))
    ->Arg(kL1)
    ->Arg(kL2)
    ->Arg(kDram)
    ->Unit(benchmark::kMicrosecond);
// 2^20 parameters as 1, 64, 1024 and 4096 tensors.
BENCHMARK(BM_AdamTensors)
    ->Args({1, 1 << 20})
    ->Args({64, 1 << 14})
    ->Args({1024, 1 << 10})
    ->Args({4096, 1 << 8})
    ->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
