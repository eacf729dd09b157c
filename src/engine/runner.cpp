#include "descent/runner.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <string>

#include "descent/error.hpp"
#include "engine/run.hpp"

namespace descent {
namespace {

double norm(std::span<const double> v) {
  double s = 0.0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
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
  }
  return "unknown";
}

namespace {

void check_start(const Objective& f, std::span<const double> start, const RunOptions& options) {
  const std::size_t n = f.dim();
  if (start.size() != n)
    throw InputError("the start point has " + std::to_string(start.size()) +
                     " coordinates but function '" + f.spec() + "' takes " + std::to_string(n));
  for (std::size_t i = 0; i < n; ++i)
    if (!std::isfinite(start[i]))
      throw InputError("start coordinate w" + std::to_string(i + 1) + " is not finite");
  if (std::isnan(options.tol)) throw InputError("tol must be a number, got nan");
}

}  // namespace

RunResult run(const Objective& f, Optimizer<double>& optimizer, std::span<const double> start,
              const RunOptions& options) {
  check_start(f, start, options);
  optimizer.reset(f.dim());
  return run_from(f, optimizer, start, 0, options);
}

RunResult run_from(const Objective& f, Optimizer<double>& optimizer, std::span<const double> start,
                   std::size_t first_step, const RunOptions& options) {
  check_start(f, start, options);
  const std::size_t n = f.dim();
  if (optimizer.size() != n)
    throw InputError("the optimizer holds state for " + std::to_string(optimizer.size()) +
                     " parameters but function '" + f.spec() + "' takes " + std::to_string(n));
  RunResult r;
  r.optimizer = optimizer.spec();
  Trajectory& t = r.trajectory;
  t.dim = n;
  if (options.record) {
    // Reserve for the whole run, up to a bound: a huge step count must not allocate up front.
    const std::size_t todo = options.steps > first_step ? options.steps - first_step : 0;
    const std::size_t rows = std::min<std::size_t>(todo, 1u << 20) + 1;
    t.steps.reserve(rows);
    t.loss.reserve(rows);
    t.grad_norm.reserve(rows);
    t.points.reserve(rows * n);
  }
  detail::Progress<double> progress = detail::start_progress<double>();
  double last_loss = 0.0;

  std::vector<double> w(start.begin(), start.end());
  std::vector<double> g(n);
  const Closure<double> closure = [&](std::span<const double> x, std::span<double> gx) {
    ++r.evaluations;
    return f.value_and_gradient(x, gx);
  };
  // Only a function with random gradients has a random state to keep.
  const bool random = !f.random_state().empty();
  for (std::size_t k = first_step;; ++k) {
    if (options.cancelled && (k - first_step) % kCancelCheckSteps == 0 && options.cancelled())
      throw Cancelled();
    if (random) r.random_state = f.random_state();
    const double loss = closure(w, g);
    if (auto what = detail::non_finite(f, w, loss, g)) {
      if (k == first_step) throw InputError(detail::not_finite_at_start(f, w, *what));
      r.termination = Termination::diverged;
      r.stop_step = k;
      r.reason = std::move(*what);
      break;
    }
    if (options.record) {
      t.steps.push_back(k);
      t.points.insert(t.points.end(), w.begin(), w.end());
      t.loss.push_back(loss);
      t.grad_norm.push_back(norm(g));
    } else {
      progress.observe(loss, options.tol);
      last_loss = loss;
    }
    if (k >= options.steps) {
      r.termination = Termination::completed;
      r.stop_step = k;
      break;
    }
    optimizer.step_with(w, g, loss, closure);
    if (std::string why = optimizer.converged(); !why.empty()) {
      r.termination = Termination::converged;
      r.stop_step = k;
      r.reason = std::move(why);
      break;
    }
  }
  if (options.record) {
    const auto minimizers = f.minimizers();
    r.metrics = compute_metrics(t, options.tol, minimizers);
  } else if (r.termination == Termination::diverged) {
    r.metrics.final_loss = r.metrics.best_loss = INFINITY;
  } else {
    r.metrics.final_loss = last_loss;
    r.metrics.best_loss = progress.best;
    if (progress.best <= options.tol)
      r.metrics.steps_to_tol = first_step + static_cast<std::size_t>(progress.above);
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
