// Private: what a run is, written once for every loop that runs one: run() (one run, recorded or
// not), the lanes (many runs stepped together) and the fused loop (many runs in vector registers).
//   - A run ends at the first step whose point, loss or gradient is not finite ("diverged at step
//     k: what", what named by non_finite()); a start where the function is not finite is an
//     InputError (not_finite_at_start()).
//   - A run that took all its steps but whose loss ended far above where it started is
//     diverging (is_diverging(), judge_growth()): "diverging: loss grew from 9 to 1.991e+29 by step
//     80". The rule is written here once; run() and the lanes apply it to the same numbers.
//   - Progress tracks the best loss and the first step whose loss is within tol, step by step, on
//     one run (V = double) or on a vector of lanes (V a vector of doubles).
// RunResult::message() words the termination.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <span>
#include <string>

#include "descent/objective.hpp"
#include "descent/runner.hpp"

namespace descent::detail {

/// Names the first non-finite number among the point, the loss and the gradient, with the
/// function's explanation when it has one ("loss is inf (log of 0 at column 5)"); nothing if all
/// are finite.
std::optional<std::string> non_finite(const Objective& f, std::span<const double> w, double loss,
                                      std::span<const double> g);

/// The message of the InputError for a start point where the function is not finite.
std::string not_finite_at_start(const Objective& f, std::span<const double> w,
                                const std::string& what);

/// One step of a run's progress: `best`, the best loss so far (+inf at the start), and `above`,
/// how many steps had a best loss above tol (0 at the start; the first step within tol once the
/// best loss is within tol), take the loss of the next step. V is double, or a vector of lanes.
template <class V>
[[gnu::always_inline]] inline void observe_progress(V& best, V& above, V loss, double tol) {
  const V one = V{} + 1, zero{};
  best = loss < best ? loss : best;
  above += best > tol ? one : zero;
}

/// A run's progress (see observe_progress()).
template <class V>
struct Progress {
  V best;
  V above;
  [[gnu::always_inline]] void observe(V loss, double tol) {
    observe_progress(best, above, loss, tol);
  }
};

/// Progress of a run about to start.
template <class V>
Progress<V> start_progress() {
  return {V{} + INFINITY, V{}};
}

/// The loss growth beyond which a run that took all its steps is diverging: its final loss is
/// above start + kDivergingGrowth * max(|start|, 1).
inline constexpr double kDivergingGrowth = 1e3;

/// Whether a run that started at loss `start` and ended, all its numbers finite, at loss `final`
/// is diverging (see kDivergingGrowth).
inline bool is_diverging(double start, double final) {
  return final > start + kDivergingGrowth * std::max(std::abs(start), 1.0);
}

/// Marks `r`, a run that ended at `stop_step` with every number finite (completed, or stopped by
/// the time limit or the callback), as diverging when its loss grew from `start` as
/// is_diverging() says.
inline void judge_growth(RunResult& r, double start) {
  if (r.termination != Termination::completed && r.termination != Termination::stopped) return;
  if (!is_diverging(start, r.metrics.final_loss)) return;
  r.termination = Termination::diverging;
  // Four significant digits: a message, not a record (the metrics hold the exact losses).
  const auto brief = [](double x) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4g", x);
    return std::string(text);
  };
  r.reason = "loss grew from " + brief(start) + " to " + brief(r.metrics.final_loss);
}

/// A run that started at loss `start` and completed `steps` steps, with its last loss and its
/// progress (one lane's values).
inline RunResult completed_run(std::size_t steps, double start, double final_loss, double best,
                               double above, double tol) {
  RunResult r;
  r.stop_step = steps;
  r.steps = steps;
  r.metrics.final_loss = final_loss;
  r.metrics.best_loss = best;
  if (best <= tol) r.metrics.steps_to_tol = static_cast<std::size_t>(above);
  judge_growth(r, start);
  return r;
}

/// A run that diverged at step k because of `what`.
inline RunResult diverged_run(std::size_t k, std::string what) {
  RunResult r;
  r.termination = Termination::diverged;
  r.stop_step = k;
  r.steps = k;
  r.reason = std::move(what);
  r.metrics.final_loss = r.metrics.best_loss = INFINITY;
  return r;
}

}  // namespace descent::detail
