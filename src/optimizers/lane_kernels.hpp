// Private: optimizer steps over lanes, for the sweep engine.
//
// A lane is one independent run of an optimizer on a small problem. `lanes` runs of one method,
// each with its own hyperparameters p[j], step together: parameters, gradients and every state
// array hold `dim` rows of `lanes` values (element i of lane j at [i*lanes + j]), so that the
// per-element rule vectorizes across lanes. Each lane goes through the same per-element function
// and the same step scalars (computed per lane in double, as the one-run step computes them) as
// a single run: its numbers are bit for bit those of RuleOptimizer<Rule, double>::step.
//
// Each method that has lanes declares here `xxx_lanes_ok(p)` (whether these lanes can share one
// state layout) and `xxx_lanes(p, s, dim, w, g, scratch)` (one step; `s` holds the state a reset
// for dim*lanes elements with p[0] gives; `scratch` is the caller's buffer for per-lane scalars,
// kept between the steps of one batch, so that a kernel may compute scalars that stop changing).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "descent/optimizers/adam.hpp"
#include "descent/optimizers/adamw.hpp"
#include "descent/optimizers/momentum.hpp"
#include "descent/optimizers/nesterov.hpp"
#include "descent/optimizers/rmsprop.hpp"
#include "descent/optimizers/sgd.hpp"
#include "kernels/aligned.hpp"
#include "lane_engine.hpp"

namespace descent::detail {

/// The state of a batch of lanes: the method's step counter and its state arrays in the order
/// its Rule::visit lists them, each dim*lanes values starting on a 64-byte boundary, or null
/// where the settings use no such array (RMSProp's grad_avg unless centered).
struct LaneState {
  std::int64_t step = 0;
  std::vector<double*> arrays;
};

void sgd_lanes(std::span<const SgdParams> p, LaneState& s, std::size_t dim, double* w,
               const double* g, AlignedVector<double>& scratch);
void momentum_lanes(std::span<const MomentumParams> p, LaneState& s, std::size_t dim, double* w,
                    const double* g, AlignedVector<double>& scratch);
void nesterov_lanes(std::span<const NesterovParams> p, LaneState& s, std::size_t dim, double* w,
                    const double* g, AlignedVector<double>& scratch);
/// Lanes must agree on `centered` and on whether momentum is 0.
bool rmsprop_lanes_ok(std::span<const RmspropParams> p);
void rmsprop_lanes(std::span<const RmspropParams> p, LaneState& s, std::size_t dim, double* w,
                   const double* g, AlignedVector<double>& scratch);
/// Adam and AdamW lanes must agree on `amsgrad` (it decides whether v_max is kept).
template <class P>
bool amsgrad_agrees(std::span<const P> p) {
  for (const P& q : p)
    if (q.amsgrad != p[0].amsgrad) return false;
  return true;
}
void adam_lanes(std::span<const AdamParams> p, LaneState& s, std::size_t dim, double* w,
                const double* g, AlignedVector<double>& scratch);
void adamw_lanes(std::span<const AdamwParams> p, LaneState& s, std::size_t dim, double* w,
                 const double* g, AlignedVector<double>& scratch);

/// Methods whose rule keeps at most one state value per coordinate also run fused with a 2-D
/// formula (fused_lanes.hpp): `xxx_fused(p, f, starts, options)` runs the lanes from a fresh state
/// as run_lanes() would, or returns nothing when `f` has no fused formula.
std::optional<std::vector<LaneRun>> sgd_fused(std::span<const SgdParams> p, const Objective& f,
                                              std::span<const double> starts,
                                              const RunOptions& options);
std::optional<std::vector<LaneRun>> momentum_fused(std::span<const MomentumParams> p,
                                                   const Objective& f,
                                                   std::span<const double> starts,
                                                   const RunOptions& options);
std::optional<std::vector<LaneRun>> nesterov_fused(std::span<const NesterovParams> p,
                                                   const Objective& f,
                                                   std::span<const double> starts,
                                                   const RunOptions& options);

/// `count` arrays of `lanes` values in `scratch` (grown if needed); returns the first.
inline double* lane_scalars(AlignedVector<double>& scratch, std::size_t count, std::size_t lanes) {
  if (scratch.size() < count * lanes) scratch.resize(count * lanes);
  return scratch.data();
}

}  // namespace descent::detail
