// Private: the sweep engine's batched runs.
//
// A batch of `lanes` independent runs of one optimizer method (each lane with its own settings and
// start) on one function steps together, laid out as a structure of arrays: coordinate i of lane
// j at [i*lanes + j]. The function evaluates all lanes in one call
// (Objective::value_and_gradient_lanes) and the method steps them in one call (a LaneOptimizer),
// so both vectorize across lanes. Every lane computes exactly what run() computes for it alone,
// with RunOptions::record off: the same operations in the same order (the rule's update and step
// scalars, engine/lane_rule.hpp), the same divergence check and message, the same progress
// (engine/run.hpp). tests/lanes_test.cpp compares lanes with single runs bit for bit.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "descent/objective.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/runner.hpp"

namespace descent::detail {

/// Lanes per batch: enough to amortize the per-step calls, few enough that a batch's arrays stay
/// in the first-level cache for small dimensions.
inline constexpr std::size_t kLanesPerBatch = 256;

/// One optimizer method stepping many lanes.
class LaneOptimizer {
 public:
  virtual ~LaneOptimizer() = default;
  /// One step of every lane; w and g hold dim rows of lanes values.
  virtual void step(double* w, const double* g) = 0;
  /// All of run_lanes() at once, fused with f's formula (engine/fused.hpp), from the fresh state;
  /// nothing when f has no fused formula or the lanes have already stepped.
  virtual std::optional<std::vector<RunResult>> run_fused(const Objective& f,
                                                          std::span<const double> starts,
                                                          const RunOptions& options) = 0;
};

/// A lane optimizer for `lanes` optimizers of the method of `base` on points of dimension `dim`:
/// lane j has base's values with keys[k] set to values[j * keys.size() + k]. Nothing when the
/// method has no lanes (it is not a built-in rule), `base` has preludes or a schedule, or the
/// lanes' settings need different state layouts. Throws InputError, as making the optimizer
/// would, for a value out of range.
std::unique_ptr<LaneOptimizer> make_lane_optimizer(const OptimizerConfig& base,
                                                   std::span<const std::string> keys,
                                                   std::span<const double> values,
                                                   std::size_t lanes, std::size_t dim);

/// make_lane_optimizer() for built-in rule I (include/descent/optimizers/catalog.hpp), defined in
/// a translation unit of its own (engine/lanes_instance.ipp).
template <std::size_t I>
std::unique_ptr<LaneOptimizer> builtin_rule_lanes(const OptimizerConfig& base,
                                                  std::span<const std::string> keys,
                                                  std::span<const double> values, std::size_t lanes,
                                                  std::size_t dim);

/// Runs `lanes` lanes from `starts` (dim rows of lanes values) as run(f, optimizer_j, start_j,
/// options with record off) would run each. Throws InputError as run() does for a start where f
/// is not finite.
std::vector<RunResult> run_lanes(const Objective& f, LaneOptimizer& optimizer, std::size_t lanes,
                                 std::span<const double> starts, const RunOptions& options);

}  // namespace descent::detail
