#include "bandwidth.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "descent/detail/elementwise_loop.hpp"
#include "descent/error.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"
#include "engine/median.hpp"

namespace descent {
namespace {

// Counts the state arrays of the optimizer's full length.
template <class T>
class ArrayCounter final : public StateVisitor<T> {
 public:
  explicit ArrayCounter(std::size_t n) : n_(n) {}
  void array(std::string_view, std::vector<T>& values) override {
    if (values.size() == n_ && n_ > 0) ++count;
  }
  void real(std::string_view, double&) override {}
  void integer(std::string_view, std::int64_t&) override {}
  std::size_t count = 0;

 private:
  std::size_t n_;
};

// Seconds per call of f, timed over at least min_seconds (and at least one call).
template <class F>
double seconds_per_call(F&& f, double min_seconds) {
  using clock = std::chrono::steady_clock;
  const auto start = clock::now();
  long calls = 0;
  double elapsed = 0;
  do {
    f();
    ++calls;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < min_seconds);
  return elapsed / static_cast<double>(calls);
}

// Restores the thread count however bench_step ends.
class ThreadsGuard {
 public:
  explicit ThreadsGuard(unsigned n) : saved_(threads()) { set_threads(n); }
  ~ThreadsGuard() { set_threads(saved_); }
  ThreadsGuard(const ThreadsGuard&) = delete;
  ThreadsGuard& operator=(const ThreadsGuard&) = delete;

 private:
  unsigned saved_;
};

template <class T>
StepBenchResult bench_typed(const StepBenchConfig& c) {
  std::unique_ptr<Optimizer<T>> opt = make_optimizer<T>(c.spec);
  const std::size_t n = c.size;
  opt->reset(n);
  // Values that keep every method finite and away from denormals over many steps.
  std::vector<T> w(n), g(n), a(n);
  for (std::size_t i = 0; i < n; ++i) {
    w[i] = static_cast<T>(0.5 + 0.25 * std::sin(static_cast<double>(i % 1024)));
    g[i] = static_cast<T>(0.1 * std::cos(static_cast<double>(i % 997)) + 0.01);
  }
  ThreadsGuard guard(c.threads);
  const T q = static_cast<T>(0.5);
  auto step = [&] { opt->step(w, g); };
  auto run_triad = [&] { triad<T>(a, g, w, q); };
  step();  // first touch of the state arrays
  run_triad();
  std::vector<double> steps, triads;
  for (int r = 0; r < c.repeats; ++r) {
    triads.push_back(seconds_per_call(run_triad, c.min_seconds));
    steps.push_back(seconds_per_call(step, c.min_seconds));
  }
  StepBenchResult out;
  out.spec = opt->spec();
  out.type = sizeof(T) == 4 ? "float32" : "float64";
  out.size = n;
  out.threads = threads();
  out.simd = std::string(simd_name(simd()));
  out.bytes_per_element = ideal_bytes_per_element(*opt);
  const double step_s = detail::median(steps), triad_s = detail::median(triads);
  out.ms_per_step = 1e3 * step_s;
  out.triad_ms = 1e3 * triad_s;
  out.gbps = static_cast<double>(out.bytes_per_element) * static_cast<double>(n) / step_s / 1e9;
  out.triad_gbps = 3.0 * sizeof(T) * static_cast<double>(n) / triad_s / 1e9;
  out.ratio = out.gbps / out.triad_gbps;
  return out;
}

}  // namespace

template <std::floating_point T>
void triad(std::span<T> a, std::span<const T> b, std::span<const T> c, T q) {
  if (b.size() != a.size() || c.size() != a.size())
    throw std::invalid_argument("triad: the three arrays must have the same length");
  const TensorRef<T> t{a, b};
  detail::elementwise(
      a.size(), std::span<const TensorRef<T>>(&t, 1), [q](T& x, T y, const T& z) { x = y + q * z; },
      c.data());
}

template <std::floating_point T>
std::size_t ideal_bytes_per_element(Optimizer<T>& opt) {
  ArrayCounter<T> counter(opt.size());
  opt.visit_state(counter);
  return sizeof(T) * (3 + 2 * counter.count);
}

void check_bench_size(std::size_t size, bool float32) {
  if (size == 0) throw InputError("bench: the size must be at least 1");
  const double physical =
      static_cast<double>(sysconf(_SC_PHYS_PAGES)) * static_cast<double>(sysconf(_SC_PAGESIZE));
  const double needed = 7.0 * static_cast<double>(size) * (float32 ? 4.0 : 8.0);
  if (physical > 0 && needed > physical / 2)
    throw InputError("bench: --size " + std::to_string(size) + " needs up to " +
                     std::to_string(static_cast<long long>(needed / 1e6)) +
                     " MB, more than half of this machine's memory");
}

StepBenchResult bench_step(const StepBenchConfig& config) {
  check_bench_size(config.size, config.float32);
  if (config.repeats < 1) throw InputError("bench: repeats must be at least 1");
  if (!(config.min_seconds >= 0)) throw InputError("bench: min_seconds must be >= 0");
  return config.float32 ? bench_typed<float>(config) : bench_typed<double>(config);
}

template void triad<float>(std::span<float>, std::span<const float>, std::span<const float>, float);
template void triad<double>(std::span<double>, std::span<const double>, std::span<const double>,
                            double);
template std::size_t ideal_bytes_per_element<float>(Optimizer<float>&);
template std::size_t ideal_bytes_per_element<double>(Optimizer<double>&);

}  // namespace descent
