// Private: the sweep engine's batched runs.
//
// A batch of `lanes` independent runs of one optimizer method (each lane with its own settings and
// start) on one function steps together, laid out as a structure of arrays: coordinate i of lane
// j at [i*lanes + j]. The function evaluates all lanes in one call
// (Objective::value_and_gradient_lanes) and the method steps them in one call (lane_kernels.hpp),
// so both vectorize across lanes. Every lane computes exactly what run() computes for it alone:
// the same operations in the same order, the same divergence check and message, the same
// metrics. tests/sweep_test.cpp compares lanes with single runs bit for bit.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "descent/objective.hpp"
#include "descent/optimizer.hpp"
#include "descent/params.hpp"
#include "descent/runner.hpp"

namespace descent::detail {

/// Lanes per batch: enough to amortize the per-step calls, few enough that a batch's arrays stay
/// in the first-level cache for small dimensions.
inline constexpr std::size_t kLanesPerBatch = 256;

/// What run() reports about one lane, without the trajectory. The metrics are run()'s for a lane
/// that did not diverge; a diverged lane reports infinite losses and no steps_to_tol. The message
/// is run()'s for a diverged lane, empty for the others ("completed N steps" is implied).
struct LaneRun {
  Termination termination = Termination::completed;
  std::size_t stop_step = 0;
  std::string message;
  double final_loss = 0;
  double best_loss = 0;
  std::optional<std::size_t> steps_to_tol;
};

/// One optimizer method stepping many lanes.
class LaneOptimizer {
 public:
  virtual ~LaneOptimizer() = default;
  /// One step of every lane; w and g hold dim rows of lanes values.
  virtual void step(double* w, const double* g) = 0;
  /// All of run_lanes() at once, fused with f's formula (fused_lanes.hpp), from the fresh state;
  /// nothing when the method or f has no fused loop, or the lanes have already stepped.
  virtual std::optional<std::vector<LaneRun>> run_fused(const Objective& f,
                                                        std::span<const double> starts,
                                                        const RunOptions& options) {
    (void)f;
    (void)starts;
    (void)options;
    return std::nullopt;
  }
};

/// A lane optimizer for `cells`, optimizers of one method with any settings, on points of
/// dimension `dim`; nullptr when the method has no lane kernel, an optimizer is not a plain
/// instance of it (e.g. a schedule wraps it), or the settings need different state layouts.
std::unique_ptr<LaneOptimizer> make_lane_optimizer(std::span<const Optimizer<double>* const> cells,
                                                   std::size_t dim);

/// A lane optimizer for `lanes` plain optimizers of method `info`, lane j with the values `base`
/// after fill(j, values); nullptr when the method has no lane kernel or the lanes need different
/// state layouts. Throws InputError, as making the optimizer would, for a value out of range.
std::unique_ptr<LaneOptimizer> make_lane_optimizer(
    const OptimizerInfo& info, const ParamSet& base, std::size_t lanes, std::size_t dim,
    const std::function<void(std::size_t, ParamSet&)>& fill);

/// Runs `lanes` lanes from `starts` (dim rows of lanes values) as run(f, optimizer_j, start_j,
/// options) would run each. Throws InputError as run() does for a start where f is not finite.
std::vector<LaneRun> run_lanes(const Objective& f, LaneOptimizer& optimizer, std::size_t lanes,
                               std::span<const double> starts, const RunOptions& options);

}  // namespace descent::detail
