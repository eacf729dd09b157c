// Private: the sweep engine's fused loop, for a 2-D formula (functions/formulas.hpp) and an
// optimizer whose per-element rule keeps one state value per coordinate.
//
// run_lanes() evaluates the function over a batch, checks it, then steps the optimizer over the
// batch: three passes per step through arrays of the batch. Here a block of kFusedBlock lanes
// runs all its steps with one pass per step that does all three, on arrays small enough to stay
// in registers and the first-level cache. Each lane goes through the same operations in the same
// order as run_lanes() (and so run()): the formula, the finiteness test of the sum of the point,
// the loss and the gradient, the best loss and the first step within tol, then the rule's
// per-element update with the step scalars the rule computes for that step. A lane whose test
// fires is checked exactly as run_lanes() checks it, from its point before the update.
// tests/lanes_test.cpp compares every lane with run() bit for bit.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include "descent/error.hpp"
#include "descent/simd.hpp"
#include "functions/formulas.hpp"
#include "kernels/simd_level.hpp"
#include "lane_engine.hpp"
#include "run_checks.hpp"

namespace descent::detail {

/// Lanes a fused block steps together: four AVX-512 vectors, so that four independent chains
/// hide the latency of each step's dependent operations.
inline constexpr std::size_t kFusedBlock = 32;

/// The arrays of one fused block: the point, one state value per coordinate, the point before the
/// update, the tracking of run_lanes(), and up to four step scalars per lane. A lane that has
/// stopped (diverged, or a copy filling a short block) is parked at the origin with a zero state,
/// where the formulas are finite and the rules stay put, so that it never fires again.
struct alignas(64) FusedBlock {
  static constexpr std::size_t B = kFusedBlock;
  alignas(64) double x0[B], x1[B], s0[B], s1[B], p0[B], p1[B];
  alignas(64) double loss[B], best[B], tol_step[B], bad[B];
  alignas(64) double sc[4][B];
  bool alive[B];
  void park(std::size_t j) {
    x0[j] = x1[j] = s0[j] = s1[j] = 0.0;
    alive[j] = false;
  }
};

// One step of every lane of the block: evaluate, test, track and (when Step) update. Returns
// whether any lane's test fired.
template <bool Step, class Formula, class Update>
[[gnu::always_inline]] inline bool fused_pass(const Formula& formula, const Update& update,
                                              FusedBlock& b, double kd, double tol) {
  unsigned fired = 0;
  for (std::size_t j = 0; j < FusedBlock::B; ++j) {
    const double x0 = b.x0[j], x1 = b.x1[j];
    double g0, g1;
    const double l = formula(x0, x1, g0, g1);
    const double s = l + x0 + x1 + g0 + g1;
    const double bad = s - s;
    b.bad[j] = bad;
    fired |= bad != 0.0;
    b.best[j] = l < b.best[j] ? l : b.best[j];
    b.tol_step[j] = b.tol_step[j] < 0 && l <= tol ? kd : b.tol_step[j];
    if constexpr (Step) {
      b.p0[j] = x0;
      b.p1[j] = x1;
      const double a = b.sc[0][j], c = b.sc[1][j], d = b.sc[2][j], e = b.sc[3][j];
      update(b.x0[j], b.s0[j], g0, a, c, d, e);
      update(b.x1[j], b.s1[j], g1, a, c, d, e);
    } else {
      b.loss[j] = l;
    }
  }
  return fired != 0;
}

// All steps of one block; `nb` of its lanes are real (the others are parked, with lane 0's
// scalars). `scalars(j, step, sc)` writes lane j's step scalars for a step into sc[0..3].
template <class Formula, class Update, class Scalars>
[[gnu::always_inline]] inline void fused_block(const Objective& f, const Formula& formula,
                                               const Update& update, const Scalars& scalars,
                                               FusedBlock& b, std::size_t nb, std::size_t steps,
                                               double tol, LaneRun* out) {
  std::size_t running = nb;
  double sc[4] = {0, 0, 0, 0};
  std::vector<double> w(2), g(2);
  for (std::size_t k = 0;; ++k) {
    // The rules fused here compute their scalars on the first step and keep them from the
    // second on.
    if (k <= 1) {
      for (std::size_t j = 0; j < FusedBlock::B; ++j) {
        scalars(j < nb ? j : 0, static_cast<std::int64_t>(k), sc);
        for (int q = 0; q < 4; ++q) b.sc[q][j] = sc[q];
      }
    }
    const bool last = k >= steps;
    const double kd = static_cast<double>(k);
    const bool fired = last ? fused_pass<false>(formula, update, b, kd, tol)
                            : fused_pass<true>(formula, update, b, kd, tol);
    if (fired) {
      for (std::size_t j = 0; j < nb; ++j) {
        if (b.bad[j] == 0.0) continue;
        w[0] = last ? b.x0[j] : b.p0[j];
        w[1] = last ? b.x1[j] : b.p1[j];
        const double l = formula(w[0], w[1], g[0], g[1]);
        const std::optional<std::string> found = non_finite(f, w, l, g);
        if (!found) continue;  // all finite: only their sum overflowed
        if (k == 0) throw InputError(not_finite_at_start(f, w, *found));
        out[j].termination = Termination::diverged;
        out[j].stop_step = k;
        out[j].message = "diverged at step " + std::to_string(k) + ": " + *found;
        out[j].final_loss = out[j].best_loss = INFINITY;
        b.park(j);
        --running;
      }
    }
    if (running == 0) return;
    if (last) {
      for (std::size_t j = 0; j < nb; ++j) {
        if (!b.alive[j]) continue;
        out[j].termination = Termination::completed;
        out[j].stop_step = k;
        out[j].final_loss = b.loss[j];
        out[j].best_loss = b.best[j];
        if (b.tol_step[j] >= 0) out[j].steps_to_tol = static_cast<std::size_t>(b.tol_step[j]);
      }
      return;
    }
  }
}

#if DESCENT_X86_64_KERNELS
template <class... A>
[[gnu::target("avx512f")]] void fused_block_avx512(const A&... a, FusedBlock& b, std::size_t nb,
                                                   std::size_t steps, double tol, LaneRun* out) {
  fused_block(a..., b, nb, steps, tol, out);
}
template <class... A>
[[gnu::target("avx2")]] void fused_block_avx2(const A&... a, FusedBlock& b, std::size_t nb,
                                              std::size_t steps, double tol, LaneRun* out) {
  fused_block(a..., b, nb, steps, tol, out);
}
#endif
template <class... A>
void fused_block_base(const A&... a, FusedBlock& b, std::size_t nb, std::size_t steps, double tol,
                      LaneRun* out) {
  fused_block(a..., b, nb, steps, tol, out);
}

/// Runs `lanes` lanes from `starts` (2 rows of lanes values) as run_lanes() would, from a fresh
/// state whose values are all 0. `update(x, s, g, a, b, c, d)` is the rule's per-element update
/// of point x and state s with gradient g and the lane's step scalars a..d; `scalars(lane, step,
/// sc)` writes a lane's step scalars.
template <class Formula, class Update, class Scalars>
std::vector<LaneRun> run_fused(const Objective& f, const Formula& formula, const Update& update,
                               const Scalars& scalars, std::size_t lanes,
                               std::span<const double> starts, const RunOptions& options) {
  if (starts.size() != 2 * lanes)
    throw std::invalid_argument("run_fused: the starts are not 2 x lanes values");
  if (std::isnan(options.tol)) throw InputError("tol must be a number, got nan");
  std::vector<LaneRun> out(lanes);
  const Simd level = simd();
  FusedBlock b;
  for (std::size_t first = 0; first < lanes; first += FusedBlock::B) {
    const std::size_t nb = std::min(FusedBlock::B, lanes - first);
    for (std::size_t j = 0; j < FusedBlock::B; ++j) {
      b.best[j] = INFINITY;
      b.tol_step[j] = -1.0;
      if (j >= nb) {
        b.park(j);
        continue;
      }
      b.x0[j] = starts[first + j];
      b.x1[j] = starts[lanes + first + j];
      b.s0[j] = b.s1[j] = 0.0;
      b.alive[j] = true;
    }
    const auto block_scalars = [&scalars, first](std::size_t j, std::int64_t step, double* sc) {
      scalars(first + j, step, sc);
    };
    LaneRun* o = out.data() + first;
#if DESCENT_X86_64_KERNELS
    if (level == Simd::avx512) {
      fused_block_avx512<Objective, Formula, Update, decltype(block_scalars)>(
          f, formula, update, block_scalars, b, nb, options.steps, options.tol, o);
      continue;
    }
    if (level == Simd::avx2) {
      fused_block_avx2<Objective, Formula, Update, decltype(block_scalars)>(
          f, formula, update, block_scalars, b, nb, options.steps, options.tol, o);
      continue;
    }
#else
    (void)level;
#endif
    fused_block_base<Objective, Formula, Update, decltype(block_scalars)>(
        f, formula, update, block_scalars, b, nb, options.steps, options.tol, o);
  }
  return out;
}

/// run_fused() with f's own formula (formulas.hpp), or nothing when f has none.
template <class Update, class Scalars>
std::optional<std::vector<LaneRun>> run_fused_with_formula_of(
    const Objective& f, const Update& update, const Scalars& scalars, std::size_t lanes,
    std::span<const double> starts, const RunOptions& options) {
  const std::optional<Formula2> formula = formula2_of(f);
  if (!formula) return std::nullopt;
  return std::visit(
      [&](const auto& fm) { return run_fused(f, fm, update, scalars, lanes, starts, options); },
      *formula);
}

}  // namespace descent::detail
