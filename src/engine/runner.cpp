#include "descent/runner.hpp"

#include <algorithm>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "engine/run.hpp"
#include "kernels/reductions.hpp"

namespace descent {
namespace {

double norm(std::span<const double> v) {
  double s = 0.0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

// For the stopping test alone (nothing recorded): the norm, or an estimate of it when that
// settles the test. norm() sums in order, each addition waiting on the last; the dot product sums
// the same squares in lanes, and the two sums differ by at most 2 n u of either (u the unit
// roundoff, every term non-negative), so an estimate above the tolerance by more than that
// proves the norm is too.
double norm_for_stop(std::span<const double> v, double tolerance) {
  const double bound = 4.0 * static_cast<double>(v.size()) * 0x1p-53;
  const double fast = detail::dot(v, v);
  if (bound < 0.5 && fast * (1.0 - bound) > tolerance * tolerance * (1.0 + 1e-6))
    return std::sqrt(fast);
  return norm(v);
}

// Whether every number of `v` is finite: one pass of integer operations, no branch per number. A
// number is inf or nan when its exponent bits are all ones, which is when adding one to the
// exponent carries into the sign bit.
bool all_finite(std::span<const double> v) {
  constexpr std::uint64_t kExponent = 0x7ff0000000000000, kExponentOne = 0x0010000000000000;
  std::uint64_t carry = 0;
  for (double x : v) carry |= (std::bit_cast<std::uint64_t>(x) & kExponent) + kExponentOne;
  return (carry >> 63) == 0;
}

std::string point_text(std::span<const double> w) {
  std::string s = "(";
  for (std::size_t i = 0; i < w.size(); ++i) s += (i ? ", " : "") + format_double(w[i]);
  return s + ")";
}

}  // namespace

std::optional<std::string> detail::non_finite(const Objective& f, std::span<const double> w,
                                              double loss, std::span<const double> g) {
  std::optional<std::string> what;
  for (std::size_t i = 0; i < w.size() && !what; ++i)
    if (!std::isfinite(w[i])) what = "w" + std::to_string(i + 1) + " is " + format_double(w[i]);
  if (!what && !std::isfinite(loss)) what = "loss is " + format_double(loss);
  for (std::size_t i = 0; i < g.size() && !what; ++i)
    if (!std::isfinite(g[i]))
      what = "gradient component " + std::to_string(i + 1) + " is " + format_double(g[i]);
  if (what)
    if (const std::string why = f.explain_non_finite(w); !why.empty()) *what += " (" + why + ")";
  return what;
}

std::string detail::not_finite_at_start(const Objective& f, std::span<const double> w,
                                        const std::string& what) {
  return "function '" + f.spec() + "' is not finite at the start point " + point_text(w) + ": " +
         what;
}

std::string RunResult::message() const {
  switch (termination) {
    case Termination::completed:
      return "completed " + std::to_string(stop_step) + " steps";
    case Termination::diverged:
      return "diverged at step " + std::to_string(stop_step) + ": " + reason;
    case Termination::converged:
      return "converged at step " + std::to_string(stop_step) + ": " + reason;
    case Termination::diverging:
      return "diverging: " + reason + " by step " + std::to_string(stop_step);
    case Termination::stopped:
      return "stopped at step " + std::to_string(stop_step) + ": " + reason;
  }
  return reason;
}

const char* to_string(Termination t) {
  switch (t) {
    case Termination::completed:
      return "completed";
    case Termination::diverged:
      return "diverged";
    case Termination::converged:
      return "converged";
    case Termination::diverging:
      return "diverging";
    case Termination::stopped:
      return "stopped";
  }
  return "unknown";
}

namespace {

// The largest function whose Hessian the runner forms to give its diagonal (Sophia): 4096^2
// doubles are 128 MiB.
constexpr std::size_t kMaxHessianDim = 4096;

void check_start(const Objective& f, std::span<const double> start, const RunOptions& options) {
  const std::size_t n = f.dim();
  if (start.size() != n)
    throw InputError("the start point has " + std::to_string(start.size()) +
                     " coordinates but function '" + f.spec() + "' takes " + std::to_string(n));
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(start[i]))
      throw InputError("start coordinate w" + std::to_string(i + 1) + " is not finite");
  if (std::isnan(options.tol)) throw InputError("tol must be a number, got nan");
  if (options.stop_loss && std::isnan(*options.stop_loss))
    throw InputError("stop_loss must be a number, got nan");
  if (options.stop_grad_norm && std::isnan(*options.stop_grad_norm))
    throw InputError("stop_grad_norm must be a number, got nan");
  if (options.time_limit && !(*options.time_limit >= 0))
    throw InputError("time_limit must be a number of seconds >= 0, got " +
                     format_double(*options.time_limit));
}

/// The stopping criterion of `options` that step k meets, worded; nothing if none is.
std::optional<std::string> stop_reason(const RunOptions& options, double loss, double grad_norm,
                                       std::chrono::steady_clock::time_point began) {
  if (options.stop_loss && loss <= *options.stop_loss)
    return "loss " + format_double(loss) + " <= stop_loss " + format_double(*options.stop_loss);
  if (options.stop_grad_norm && grad_norm <= *options.stop_grad_norm)
    return "gradient norm " + format_double(grad_norm) + " <= stop_grad_norm " +
           format_double(*options.stop_grad_norm);
  if (options.time_limit) {
    const std::chrono::duration<double> spent = std::chrono::steady_clock::now() - began;
    if (spent.count() >= *options.time_limit)
      return "time limit of " + format_double(*options.time_limit) + " s reached";
  }
  return std::nullopt;
}

}  // namespace

RunResult run(const Objective& f, Optimizer<double>& optimizer, std::span<const double> start,
              const RunOptions& options) {
  check_start(f, start, options);
  optimizer.reset_shapes(f.shapes());
  return run_from(f, optimizer, start, 0, options);
}

RunResult run_from(const Objective& f, Optimizer<double>& optimizer, std::span<const double> start,
                   std::size_t first_step, const RunOptions& options, const RunHistory* history) {
  check_start(f, start, options);
  const std::size_t n = f.dim();
  if (optimizer.size() != n)
    throw InputError("the optimizer holds state for " + std::to_string(optimizer.size()) +
                     " parameters but function '" + f.spec() + "' takes " + std::to_string(n));
  if (history && (history->metrics.zigzags.size() != (history->step_signs.empty() ? 0 : n) ||
                  history->step_signs.size() != history->metrics.zigzags.size()))
    throw InputError("the run's history is of " + std::to_string(history->metrics.zigzags.size()) +
                     " coordinates but function '" + f.spec() + "' takes " + std::to_string(n));
  if (history && options.record && history->step_signs.empty())
    throw InputError(
        "the run's history has no path metrics (its run recorded nothing): a recorded run cannot "
        "continue it");
  RunResult r;
  r.optimizer = optimizer.spec();
  Trajectory& t = r.trajectory;
  t.dim = n;
  const std::size_t every = options.record_every;
  if (options.record) {
    // Reserve for the rows to record, up to a bound: a huge step count must not allocate up front.
    const std::size_t todo = options.steps > first_step ? options.steps - first_step : 0;
    const std::size_t rows = std::min<std::size_t>(every == 0 ? 1 : todo / every + 1, 1u << 20) + 1;
    t.steps.reserve(rows);
    t.loss.reserve(rows);
    t.grad_norm.reserve(rows);
    t.points.reserve(rows * n);
  }
  // With record on: every step's metrics, and the last step evaluated (its point is the
  // tracker's), to record it as the last row if its turn did not come.
  std::optional<MetricsTracker> tracker;
  if (options.record && history)  // it has seen the point at first_step: seen again, it moves 0
    tracker.emplace(options.tol, history->metrics, history->step_signs, start);
  else if (options.record)
    tracker.emplace(n, options.tol);
  std::size_t last_step = first_step;
  double last_grad_norm = 0.0;
  bool last_recorded = true;
  const auto append = [&t](std::size_t k, std::span<const double> x, double loss, double gn) {
    t.steps.push_back(k);
    t.points.insert(t.points.end(), x.begin(), x.end());
    t.loss.push_back(loss);
    t.grad_norm.push_back(gn);
  };
  detail::Progress<double> progress = detail::start_progress<double>();
  if (history) progress.best = history->metrics.best_loss;
  double last_loss = 0.0, start_loss = 0.0;
  const auto began = std::chrono::steady_clock::now();

  std::vector<double> w(start.begin(), start.end());
  std::vector<double> g(n);
  // Only a function with random gradients has a random state to keep.
  const bool random = !f.random_state().empty();
  // The last point the optimizer's closure evaluated during the step, with its loss and
  // gradient: when the step ends exactly there (a line search's accepted point), the runner takes
  // them instead of evaluating the point again. Not for a function with random gradients, whose
  // every evaluation draws anew (a resumed run must repeat the draws).
  struct {
    std::vector<double> x, g;
    double loss = 0.0;
    bool valid = false;
  } last;
  const Closure<double> closure = [&](std::span<const double> x, std::span<double> gx) {
    ++r.evaluations;
    const double value = f.value_and_gradient(x, gx);
    if (!random) {
      last.x.assign(x.begin(), x.end());
      last.g.assign(gx.begin(), gx.end());
      last.loss = value;
      last.valid = true;
    }
    return value;
  };
  // The Hessian's diagonal, for the methods that read it (Sophia): the function's exact one, taken
  // from its Hessian (a function of the point alone: the one formed at `hessian_at` is used again
  // there). The oracle refers to this frame, so it is taken back on the way out.
  std::vector<double> hessian, hessian_at;
  struct OracleGuard {
    Optimizer<double>* o = nullptr;
    ~OracleGuard() {
      if (o != nullptr) o->set_hessian_diagonal({});
    }
  } oracle_guard;
  if (optimizer.reads_hessian_diagonal()) {
    const std::string who =
        "optimizer '" + optimizer.info().name + "' reads the Hessian's diagonal";
    if (n > kMaxHessianDim)
      throw InputError(who + ", and function '" + f.spec() + "' has " + std::to_string(n) +
                       " parameters: its Hessian is formed for it only up to " +
                       std::to_string(kMaxHessianDim));
    hessian.resize(n * n);
    if (!f.hessian(start, hessian))
      throw InputError(who + ", and function '" + f.spec() + "' has no Hessian at the start");
    hessian_at.assign(start.begin(), start.end());
    optimizer.set_hessian_diagonal(
        [&f, &hessian, &hessian_at, n, who](std::span<const double> x, std::span<double> h) {
          if (x.size() != hessian_at.size() ||
              std::memcmp(x.data(), hessian_at.data(), n * sizeof(double)) != 0) {
            hessian_at.clear();  // until the new one is whole
            if (!f.hessian(x, hessian))
              throw InputError(who + ", and function '" + f.spec() +
                               "' has none at a point of the run");
            hessian_at.assign(x.begin(), x.end());
          }
          for (std::size_t i = 0; i < n; ++i) h[i] = hessian[i * n + i];
        });
    oracle_guard.o = &optimizer;
  }
  for (std::size_t k = first_step;; ++k) {
    if (options.cancelled && (k - first_step) % kCancelCheckSteps == 0 && options.cancelled())
      throw Cancelled();
    if (random) r.random_state = f.random_state();
    double loss;
    if (last.valid && std::memcmp(last.x.data(), w.data(), n * sizeof(double)) == 0) {
      loss = last.loss;
      std::swap(g, last.g);
    } else {
      ++r.evaluations;
      loss = f.value_and_gradient(w, g);
    }
    last.valid = false;
    if (!(all_finite(w) && all_finite(g) && std::isfinite(loss)))
      if (auto what = detail::non_finite(f, w, loss, g)) {
        if (k == first_step) throw InputError(detail::not_finite_at_start(f, w, *what));
        r.termination = Termination::diverged;
        r.stop_step = k;
        r.steps = k - first_step;
        r.reason = std::move(*what);
        break;
      }
    if (k == first_step) start_loss = history ? history->start_loss : loss;
    const double gn = options.record           ? norm(g)
                      : options.stop_grad_norm ? norm_for_stop(g, *options.stop_grad_norm)
                                               : 0.0;
    if (options.record) {
      tracker->observe(k, w, loss);
      const std::size_t since = k - first_step;
      last_recorded = since == 0 || (every != 0 && since % every == 0) || k >= options.steps;
      if (last_recorded) append(k, w, loss, gn);
      last_step = k;
      last_grad_norm = gn;
    } else {
      progress.observe(loss, options.tol);
    }
    last_loss = loss;
    const bool go_on = !options.on_step || options.on_step(StepView{k, w, loss, g});
    if (k >= options.steps) {
      r.termination = Termination::completed;
      r.stop_step = k;
      r.steps = k - first_step;
      break;
    }
    std::optional<std::string> stop = stop_reason(options, loss, gn, began);
    if (!stop && !go_on) stop = "stopped by the callback";
    if (stop) {
      r.termination = Termination::stopped;
      r.stop_step = k;
      r.steps = k - first_step;
      r.reason = std::move(*stop);
      break;
    }
    optimizer.step_with(w, g, loss, closure);
    if (std::string why = optimizer.converged(); !why.empty()) {
      r.termination = Termination::converged;
      r.stop_step = k;
      r.steps = k + 1 - first_step;
      r.reason = std::move(why);
      break;
    }
  }
  if (options.record) {
    if (!last_recorded) append(last_step, tracker->last_point(), last_loss, last_grad_norm);
    r.metrics = tracker->metrics(f.minimizers());
  } else if (r.termination == Termination::diverged) {
    r.metrics.final_loss = r.metrics.best_loss = INFINITY;
  } else {
    r.metrics.final_loss = last_loss;
    r.metrics.best_loss = progress.best;
    if (history && history->metrics.steps_to_tol)
      r.metrics.steps_to_tol = history->metrics.steps_to_tol;
    else if (progress.best <= options.tol)
      r.metrics.steps_to_tol = first_step + static_cast<std::size_t>(progress.above);
  }
  if (r.termination != Termination::diverged && (first_step == 0 || history)) {
    r.history = RunHistory{start_loss, r.metrics, {}};
    r.history->metrics.distance_to_minimizer.reset();
    if (tracker)
      r.history->step_signs.assign(tracker->step_signs().begin(), tracker->step_signs().end());
  }
  detail::judge_growth(r, start_loss);
  if (r.termination != Termination::diverged) {
    std::vector<double> x(n);
    if (optimizer.solution(w, x)) {
      r.solution_loss = f.value(x);
      r.solution = std::move(x);
    }
  }
  return r;
}

std::vector<RunResult> run_all(const Objective& f,
                               std::span<const std::unique_ptr<Optimizer<double>>> optimizers,
                               std::span<const double> start, const RunOptions& options) {
  std::vector<RunResult> results;
  results.reserve(optimizers.size());
  for (const auto& opt : optimizers) results.push_back(run(f, *opt, start, options));
  return results;
}

}  // namespace descent
