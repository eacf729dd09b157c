// The loss landscape of the default MLP (784-256-128-10) on 10,000 images, and its curvature.
//
//   Plane/T      plane_landscape on a 9 x 9 grid: the first layer's products formed once per
//                direction and combined per cell, the layers above evaluated per cell
//   Direct/T     the reference: the same 81 cells, each one's parameters formed and the model
//                evaluated whole (Mlp::evaluate), spread over the same threads
//   Hvp          one exact Hessian-vector product on 1000 images
//   Gradient     the reference: one gradient of the same batch
//
// Both planes spread their cells over T threads with single-threaded matrix products. The
// images are random values of Fashion-MNIST's shape: the time does not depend on them.
//
//   build/release/bench/descent_bench_landscape --benchmark_repetitions=5
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "descent/nn/landscape.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/parallel.hpp"

namespace {

using descent::nn::Mlp;

struct Data {
  std::vector<float> x;
  std::vector<std::uint8_t> y;
};

const Data& images(std::size_t n) {
  static std::vector<std::pair<std::size_t, Data>> cache;
  for (const auto& [count, d] : cache)
    if (count == n) return d;
  Data d;
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  d.x.resize(n * 784);
  for (float& v : d.x) v = u(rng);
  for (std::size_t i = 0; i < n; ++i) d.y.push_back(static_cast<std::uint8_t>(rng() % 10));
  cache.emplace_back(n, std::move(d));
  return cache.back().second;
}

Mlp<float> model() {
  Mlp<float> m({784, 256, 128, 10});
  m.initialize(0);
  return m;
}

const std::vector<double> kAxis = {-1, -0.75, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1};

// What both planes share: the model, 10,000 images, two directions, the threads.
struct PlaneSetup {
  explicit PlaneSetup(const benchmark::State& state)
      : m(model()),
        d(images(10000)),
        d1(descent::nn::filter_normalized_direction(m, 0)),
        d2(descent::nn::filter_normalized_direction(m, 1)) {
    descent::nn::set_blas_threads(1);
    descent::set_threads(static_cast<unsigned>(state.range(0)));
  }
  ~PlaneSetup() { descent::set_threads(0); }
  PlaneSetup(const PlaneSetup&) = delete;
  PlaneSetup& operator=(const PlaneSetup&) = delete;
  const Mlp<float> m;
  const Data& d;
  const std::vector<float> d1, d2;
};

void count_cells(benchmark::State& state) {
  state.counters["cells/s"] =
      benchmark::Counter(81.0, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_Plane(benchmark::State& state) {
  const PlaneSetup p(state);
  for (auto _ : state) {
    const auto v = descent::nn::plane_landscape<float>(p.m, p.d1, p.d2, kAxis, kAxis, p.d.x, p.d.y);
    benchmark::DoNotOptimize(v.loss.data());
  }
  count_cells(state);
}

void BM_Direct(benchmark::State& state) {
  const PlaneSetup p(state);
  std::vector<double> loss(81);
  for (auto _ : state) {
    descent::parallel_for(81, [&](std::size_t cell) {
      Mlp<float> at(p.m);
      const float s = static_cast<float>(kAxis[cell % 9]), t = static_cast<float>(kAxis[cell / 9]);
      for (std::size_t i = 0; i < p.m.parameter_count(); ++i)
        at.parameters()[i] = p.m.parameters()[i] + s * p.d1[i] + t * p.d2[i];
      loss[cell] = at.evaluate(p.d.x, p.d.y).loss;
    });
    benchmark::DoNotOptimize(loss.data());
  }
  count_cells(state);
}

void BM_Hvp(benchmark::State& state) {
  const Mlp<float> m = model();
  const Data& d = images(1000);
  descent::nn::set_blas_threads(1);
  std::vector<float> v(m.parameter_count(), 0.001f), hv(m.parameter_count());
  for (auto _ : state) {
    benchmark::DoNotOptimize(m.hessian_vector_product(d.x, d.y, v, hv));
  }
}

void BM_Gradient(benchmark::State& state) {
  Mlp<float> m = model();
  const Data& d = images(1000);
  descent::nn::set_blas_threads(1);
  std::vector<float> g(m.parameter_count());
  for (auto _ : state) benchmark::DoNotOptimize(m.loss_and_gradient(d.x, d.y, g));
}

}  // namespace

BENCHMARK(BM_Plane)->Name("Plane")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Direct)->Name("Direct")->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_Hvp)->Name("Hvp")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Gradient)->Name("Gradient")->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
