// descent: running optimizers on an objective and recording what they do.
//
// A run evaluates the loss and gradient at the start (step 0), then alternates an optimizer step
// and an evaluation, until `steps` updates are done. When a step ends at the very point (bit for
// bit) that its line search evaluated last, the run takes that evaluation's loss and gradient
// instead of evaluating the point again, except for a function with random gradients (whose every
// evaluation draws anew); a function with exact gradients must give the same numbers at the same
// point. It records the steps RunOptions asks for
// (every step by default; every K-th, or only the first and the last, to bound memory). The first
// non-finite number (in the point, the loss or the gradient) ends the run: it is reported as
// "diverged at step k" and the non-finite row is not recorded. A method that stops by its own
// criterion (L-BFGS's tolerances) ends the run as "converged at step k"; a stopping criterion of
// RunOptions (loss or gradient tolerance, time limit, callback) as "stopped at step k". A run that
// takes all its steps but whose loss ends far above where it started (final loss above start +
// 1000 * max(|start|, 1)) is "diverging". Numerical events are results, never exceptions.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "descent/metrics.hpp"
#include "descent/objective.hpp"
#include "descent/optimizer.hpp"
#include "descent/trajectory.hpp"

namespace descent {

/// One step of a run, as RunOptions::on_step sees it: valid only during the call.
struct StepView {
  std::size_t step = 0;              ///< the step number (0: the start)
  std::span<const double> point;     ///< the point at this step
  double loss = 0;                   ///< the loss there
  std::span<const double> gradient;  ///< the gradient there
};

struct RunOptions {
  std::size_t steps = 50;  ///< number of optimizer updates
  double tol = 1e-6;       ///< loss tolerance for Metrics::steps_to_tol
  /// Record a trajectory and measure all metrics (on every step, whatever is recorded). Without,
  /// a run keeps its termination, final loss, best loss and steps to tol (what sweeps and tuning
  /// read), and stores no point but the current one.
  bool record = true;
  /// With `record`: which steps get a row in the trajectory. 1: every step; K > 1: the first
  /// step, every K-th step after it, and the last; 0: the first and the last only. Memory grows
  /// with the rows kept, never with the steps taken.
  std::size_t record_every = 1;
  /// Stopping criteria, checked at each step after its evaluation (the start included, the last
  /// step excluded: it completes the run); the first one met ends the run as Termination::stopped.
  /// Unset: not checked.
  std::optional<double> stop_loss = {};  ///< stop once the loss is <= stop_loss
  std::optional<double> stop_grad_norm =
      {};                                 ///< stop once the gradient's Euclidean norm is <= this
  std::optional<double> time_limit = {};  ///< stop once this many seconds of wall time have passed
  /// Called at every step after its evaluation (and after the step is recorded); returning false
  /// stops the run there (Termination::stopped, "stopped by the callback"). Empty: not called.
  std::function<bool(const StepView&)> on_step = {};
  /// Asked between steps (every kCancelCheckSteps steps, and before the first): when it returns
  /// true the run throws Cancelled. Sweeps pass it to each of their runs. Empty: never asked.
  std::function<bool()> cancelled = {};
};

/// How many steps a run takes between two questions to RunOptions::cancelled.
inline constexpr std::size_t kCancelCheckSteps = 16;

enum class Termination {
  completed,  ///< all steps were taken
  diverged,   ///< a non-finite value appeared at `stop_step`
  converged,  ///< the method stopped by its own criterion after `stop_step`
  diverging,  ///< all steps were taken, but the loss ended far above where it started
  stopped,    ///< a stopping criterion of RunOptions ended the run at `stop_step`
};

/// "completed", "diverged", "converged", "diverging" or "stopped".
const char* to_string(Termination t);

/// Whether a run blew up: it diverged (a non-finite value) or was diverging (all steps taken, the
/// loss far above where it started). Sweeps count these runs as diverged and figures mark them.
constexpr bool blew_up(Termination t) {
  return t == Termination::diverged || t == Termination::diverging;
}

/// What a run measured up to a step, so that a run continuing it from there (run_from) reports the
/// whole run's metrics and termination, not only its own part's. Checkpoints keep it.
struct RunHistory {
  /// The loss at the run's first step, against which it is judged diverging.
  double start_loss = 0.0;
  /// The metrics of the steps up to this one, this one included (no distance to a minimizer).
  /// A run that recorded nothing measures only the final and best losses and the steps to tol.
  Metrics metrics;
  /// Per coordinate, the direction of the last step that moved it (-1, 0 or 1), for the zig-zag
  /// count; empty for a run that recorded nothing.
  std::vector<int> step_signs;
};

/// What one run did. Every run loop (run(), and the sweep engine's lanes, which run many at once)
/// reports this, with the same meaning.
struct RunResult {
  std::string optimizer;  ///< canonical spec of the optimizer (empty for a sweep's lanes)
  Trajectory trajectory;  ///< the recorded steps (empty when RunOptions::record is off)
  Termination termination = Termination::completed;
  std::size_t stop_step = 0;  ///< the step the run ended at (the non-finite one if it diverged)
  /// Optimizer updates this run took (from its first step; a converged run counts the update
  /// after which its method stopped). Not the trajectory's size, which depends on what is recorded.
  std::size_t steps = 0;
  /// Why it ended, for a run that did not complete: "loss is inf", the method's criterion, the
  /// stopping criterion met, or "loss grew from 9 to 1.991e+29".
  std::string reason;
  /// Objective evaluations made, the line search's included (a point evaluated once counts once).
  std::uint64_t evaluations = 0;
  /// The function's random state (Objective::random_state) just before it evaluated step
  /// `stop_step`: what a checkpoint of this run at `stop_step` records so that a resumed run
  /// draws the same noise and mini-batches. Empty for a function with exact gradients.
  std::string random_state;
  /// A diverged run reports infinite final and best losses and no steps to tol.
  Metrics metrics;
  /// What the run measured up to `stop_step`, for a run continuing it from there (a checkpoint
  /// records it): nothing for a run that diverged, or one continued without the history of the
  /// steps before its first (it measured only part of the run).
  std::optional<RunHistory> history;
  /// The method's own answer at the end, where it is not the last point (Schedule-Free's average
  /// x; see Optimizer::solution), and its loss; empty and NaN for the other methods and for a run
  /// that diverged.
  std::vector<double> solution;
  double solution_loss = NAN;

  /// "completed 50 steps", "diverged at step 12: loss is inf", "converged at step 8: ...",
  /// "stopped at step 8: loss 9e-07 <= 1e-06" or "diverging: loss grew from 9 to 1.991e+29 by step
  /// 80".
  std::string message() const;
};

/// Runs one optimizer from `start`. The optimizer is reset first. Throws InputError if `start`
/// does not have f.dim() finite coordinates or `options` are invalid (tol must not be NaN; a
/// stopping criterion must be a number, the time limit not negative).
RunResult run(const Objective& f, Optimizer<double>& optimizer, std::span<const double> start,
              const RunOptions& options = {});

/// Continues a run without resetting the optimizer: `w` is the point at step `first_step` (e.g.
/// from a checkpoint) and the run goes on until step `options.steps`. The trajectory starts at
/// `first_step`. With the optimizer state and point saved at step k, this gives exactly the rows
/// k.. of the uninterrupted run; for a function with random gradients, its random state must
/// first be put back where the run's RunResult::random_state was (see restore_random_state in
/// checkpoint.hpp). With `history`, the run's RunResult::history at step k, its metrics and
/// termination are the uninterrupted run's too (with the same `options.tol`); without it they
/// cover steps k.. alone. Throws InputError for a history of another dimension, or one that
/// recorded nothing given to a run that records.
RunResult run_from(const Objective& f, Optimizer<double>& optimizer, std::span<const double> w,
                   std::size_t first_step, const RunOptions& options = {},
                   const RunHistory* history = nullptr);

/// Runs each optimizer from the same start, independently; results in the same order.
std::vector<RunResult> run_all(const Objective& f,
                               std::span<const std::unique_ptr<Optimizer<double>>> optimizers,
                               std::span<const double> start, const RunOptions& options = {});

}  // namespace descent
