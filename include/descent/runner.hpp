// descent: running optimizers on an objective and recording what they do.
//
// A run evaluates the loss and gradient at the start (step 0), then alternates an optimizer step
// and an evaluation, recording every step, until `steps` updates are done. The first non-finite
// number (in the point, the loss or the gradient) ends the run: it is reported as "diverged at step
// k" and the non-finite row is not recorded. A method that stops by its own criterion (L-BFGS's
// tolerances) ends the run as "converged at step k". Numerical events are results, never
// exceptions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "descent/metrics.hpp"
#include "descent/objective.hpp"
#include "descent/optimizer.hpp"
#include "descent/trajectory.hpp"

namespace descent {

struct RunOptions {
  std::size_t steps = 50;  ///< number of optimizer updates
  double tol = 1e-6;       ///< loss tolerance for Metrics::steps_to_tol
  /// Record the trajectory and the metrics computed from it. Without, a run keeps its
  /// termination, final loss, best loss and step, and steps to tol (what sweeps and tuning read).
  bool record = true;
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
};

/// "completed", "diverged" or "converged".
const char* to_string(Termination t);

/// What one run did. Every run loop (run(), and the sweep engine's lanes, which run many at once)
/// reports this, with the same meaning.
struct RunResult {
  std::string optimizer;  ///< canonical spec of the optimizer (empty for a sweep's lanes)
  Trajectory trajectory;  ///< every recorded step (empty when RunOptions::record is off)
  Termination termination = Termination::completed;
  std::size_t stop_step = 0;  ///< the step the run ended at (the non-finite one if it diverged)
  /// Why it ended, for a run that did not complete: "loss is inf", or the method's criterion.
  std::string reason;
  std::uint64_t evaluations = 0;  ///< objective evaluations, the line search's included
  /// The function's random state (Objective::random_state) just before it evaluated step
  /// `stop_step`: what a checkpoint of this run at `stop_step` records so that a resumed run
  /// draws the same noise and mini-batches. Empty for a function with exact gradients.
  std::string random_state;
  /// A diverged run reports infinite final and best losses and no steps to tol.
  Metrics metrics;

  /// "completed 50 steps", "diverged at step 12: loss is inf" or "converged at step 8: ...".
  std::string message() const;
};

/// Runs one optimizer from `start`. The optimizer is reset first. Throws InputError if `start`
/// does not have f.dim() finite coordinates or `options` are invalid (tol must not be NaN).
RunResult run(const Objective& f, Optimizer<double>& optimizer, std::span<const double> start,
              const RunOptions& options = {});

/// Continues a run without resetting the optimizer: `w` is the point at step `first_step` (e.g.
/// from a checkpoint) and the run goes on until step `options.steps`. The trajectory starts at
/// `first_step`. With the optimizer state and point saved at step k, this gives exactly the rows
/// k.. of the uninterrupted run; for a function with random gradients, its random state must
/// first be put back where the run's RunResult::random_state was (see restore_random_state in
/// checkpoint.hpp).
RunResult run_from(const Objective& f, Optimizer<double>& optimizer, std::span<const double> w,
                   std::size_t first_step, const RunOptions& options = {});

/// Runs each optimizer from the same start, independently; results in the same order.
std::vector<RunResult> run_all(const Objective& f,
                               std::span<const std::unique_ptr<Optimizer<double>>> optimizers,
                               std::span<const double> start, const RunOptions& options = {});

}  // namespace descent
