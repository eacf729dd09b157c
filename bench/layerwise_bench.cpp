// One step of the optimizers that see a tensor whole, on the layout of descent train's MLP
// (784-256-128-10: three weight matrices out x in and three biases, 235,146 floats), against
// Adam's step on the same tensors. Muon's cost is its Newton-Schulz iteration: on every matrix
// ("matrices=muon rest=adamw") or on the hidden layer's only ("hidden=muon rest=adamw"); Shampoo's
// is its products with the factors and their eigendecompositions.
//
//   build/release/bench/descent_bench_layerwise --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true      (one command line)
#include <benchmark/benchmark.h>

#include <cmath>
#include <string>
#include <vector>

#include "descent/registry.hpp"

namespace {

const std::vector<descent::Shape> kMlp = {{256, 784}, {256, 1},  {128, 256},
                                          {128, 1},   {10, 128}, {10, 1}};

void BM_LayerStep(benchmark::State& state, const std::string& spec) {
  auto opt = descent::make_optimizer<float>(spec);
  opt->reset_shapes(kMlp);
  std::vector<float> w(opt->size()), g(opt->size());
  for (std::size_t i = 0; i < w.size(); ++i) {
    w[i] = 0.05f * std::sin(static_cast<float>(i));
    g[i] = 0.01f * std::cos(0.7f * static_cast<float>(i));
  }
  for (auto _ : state) {
    opt->step(w, g);
    benchmark::ClobberMemory();
  }
}

}  // namespace

BENCHMARK_CAPTURE(BM_LayerStep, adam, std::string("adam"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LayerStep, lamb, std::string("lamb"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LayerStep, lars, std::string("lars"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LayerStep, novograd, std::string("novograd"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LayerStep, adafactor, std::string("adafactor"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LayerStep, sm3, std::string("sm3"))->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LayerStep, muon_hidden, std::string("hidden=muon rest=adamw"))
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_LayerStep, muon_matrices, std::string("matrices=muon rest=adamw"))
    ->Unit(benchmark::kMicrosecond);

// Shampoo's refresh (two eigendecompositions per matrix) every update_every steps is averaged in:
// 300 steps, three refreshes.
BENCHMARK_CAPTURE(BM_LayerStep, shampoo_hidden,
                  std::string("hidden=shampoo:update_every=100 rest=adamw"))
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(300);
BENCHMARK_CAPTURE(BM_LayerStep, shampoo_matrices,
                  std::string("matrices=shampoo:update_every=100 rest=adamw"))
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(300);
BENCHMARK_CAPTURE(BM_LayerStep, shampoo_matrices_512,
                  std::string("matrices=shampoo:update_every=100,max_dim=512 rest=adamw"))
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(300);
BENCHMARK_CAPTURE(BM_LayerStep, shampoo_all, std::string("shampoo:update_every=100"))
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(300);

// SOAP's three projections a step, and a power step with QR every 10.
BENCHMARK_CAPTURE(BM_LayerStep, soap_hidden, std::string("hidden=soap rest=adamw"))
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(300);
BENCHMARK_CAPTURE(BM_LayerStep, soap_matrices_512,
                  std::string("matrices=soap:max_dim=512 rest=adamw"))
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(300);
BENCHMARK_CAPTURE(BM_LayerStep, soap_matrices, std::string("matrices=soap rest=adamw"))
    ->Unit(benchmark::kMicrosecond)
    ->Iterations(100);

BENCHMARK_MAIN();
