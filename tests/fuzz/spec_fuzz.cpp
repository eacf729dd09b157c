// libFuzzer target for the spec readers: the first byte picks the reader, the rest is its text.
//   0: an optimizer spec (OptimizerConfig::parse, make_optimizer)
//   1: a function spec or expression (make_function)
//   2: a schedule spec (make_schedule)
//   3: a sweep's grid axis (parse_grid_axis) and metric (parse_sweep_metric)
// Any text must either be refused with InputError or give an object that works: its canonical
// spec reads back as itself, and it can be used (a few steps, a value and a gradient, a rate) with
// no crash, leak or undefined behaviour. scripts/fuzz.sh runs it.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "descent/error.hpp"
#include "descent/objective.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"
#include "descent/schedule.hpp"
#include "descent/sweep.hpp"

namespace {

// A function is evaluated only up to this dimension (the API's limit on a point's length), so
// that "rosenbrock:n=10000000" is read but not run.
constexpr std::size_t kMaxDim = 1000;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

template <class T>
void step_a_few(descent::Optimizer<T>& opt) {
  std::vector<T> w = {T(1), T(-2), T(0.5)};
  opt.reset(w.size());
  for (int k = 0; k < 5; ++k) {
    std::vector<T> g(w.size());
    for (std::size_t i = 0; i < w.size(); ++i) g[i] = T(2) * w[i];
    opt.step(w, g);
  }
}

void optimizer(std::string_view text) {
  const descent::OptimizerConfig c = descent::OptimizerConfig::parse(text);
  const std::string spec = c.spec();
  check(descent::OptimizerConfig::parse(spec).spec() == spec);
  (void)c.label();
  const auto d = c.make<double>();
  check(d->spec() == spec);
  step_a_few(*d);
  const auto f = descent::make_optimizer<float>(text);
  check(f->spec() == spec);
  step_a_few(*f);
}

void function(std::string_view text) {
  const std::unique_ptr<descent::Objective> f = descent::make_function(text);
  const std::string spec = f->spec();
  (void)f->formula();
  if (f->dim() > kMaxDim) return;
  check(descent::make_function(spec)->spec() == spec);
  const std::vector<double> x = f->default_start();
  check(x.size() == f->dim());
  std::vector<double> g(x.size());
  const double v = f->value(x);
  const double vg = f->value_and_gradient(x, g);
  check(v == vg || (std::isnan(v) && std::isnan(vg)));
  (void)f->bounds();
  (void)f->minimizers();
  (void)f->explain_non_finite(x);
}

void schedule(std::string_view text) {
  const std::unique_ptr<descent::Schedule> s = descent::make_schedule(text);
  const std::string spec = s->spec();
  check(descent::make_schedule(spec)->spec() == spec);
  descent::ScheduleState state;
  for (const std::uint64_t t : {0ull, 1ull, 7ull, 100ull, 12345ull, 1ull << 40}) {
    (void)s->lr(t, 0.1, state);
    s->observe(t, 1.0 / static_cast<double>(t + 1), 0.1, state);
  }
}

void grid(std::string_view text) {
  const std::size_t bar = text.find('|');
  if (bar != std::string_view::npos) {
    (void)descent::parse_sweep_metric(text.substr(bar + 1));
    text = text.substr(0, bar);
  }
  const descent::GridAxis a = descent::parse_grid_axis(text);
  const std::vector<double> v = a.values();
  check(v.size() == a.count);
  check(v.front() == a.lo);
  for (double x : v) check(std::isfinite(x) && x >= a.lo && x <= a.hi);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  descent::set_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 4) {
      case 0:
        optimizer(text);
        break;
      case 1:
        function(text);
        break;
      case 2:
        schedule(text);
        break;
      default:
        grid(text);
        break;
    }
  } catch (const descent::InputError&) {
  }
  return 0;
}
