// Private: the sweep engine's fused loop, for a 2-D formula (functions/formulas.hpp) and an
// optimizer whose per-element rule keeps one state value per coordinate.
//
// run_lanes() evaluates the function over a batch, checks it, then steps the optimizer over the
// batch: three passes per step through arrays of the batch. Here a block of lanes runs all its
// steps at once, held in vector registers: each step evaluates the formula, tracks the metrics,
// applies the update and tests the result, with no load or store. Each lane goes through the same
// operations in the same order as run_lanes() (and so run()): the formula, the best loss, then the
// rule's per-element update with the step scalars the rule computes for that step.
// tests/lanes_test.cpp compares every lane with run() bit for bit.
//
// The divergence test. run() stops at step k when the point, the loss or the gradient there is not
// finite. The fused loop tests the loss at step k and the point after the update instead, whose
// sum is cheaper to form: a rule fused here computes the new point from the point and the
// gradient with +, - and * only, and under those IEEE operations a NaN or infinite operand never
// gives a finite result, so a non-finite point or gradient at step k leaves the new point
// non-finite. The test can also fire when only the new point overflowed (run() stops one step
// later then), or when a finite sum overflowed. So a lane whose test fires is checked exactly as
// run() checks it, from its point before the update, and goes on when that finds nothing. At the
// last step, where there is no update, the test is run_lanes()' own: the sum of the point, the
// loss and the gradient.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
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

#if DESCENT_X86_64_KERNELS
#include <immintrin.h>
#endif

namespace descent::detail {

/// Eight doubles under GCC's vector extension: one AVX-512 register, two AVX2 ones, four SSE2
/// ones. Each operator applies the scalar operation to every element.
using FusedVec [[gnu::vector_size(64)]] = double;
/// The result of comparing two FusedVec: -1 where true, 0 where false.
using FusedMask [[gnu::vector_size(64)]] = std::int64_t;
inline constexpr std::size_t kFusedWidth = 8;

// The loop keeps its vectors out of memory only while nothing takes their address or indexes
// them by a variable, so lanes go in and out of them through arrays.
[[gnu::always_inline]] inline FusedVec fused_load(const double* p) {
  FusedVec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline void fused_store(double* p, FusedVec v) {
  std::memcpy(p, &v, sizeof v);
}
// A mask of the lanes whose bit is set in `bits`.
[[gnu::always_inline]] inline FusedMask fused_lanes_of(unsigned bits) {
  const FusedMask bit = {1, 2, 4, 8, 16, 32, 64, 128};
  return (bit & static_cast<std::int64_t>(bits)) != 0;
}

// Lanes [0, 8) of one vector, whose test fired where `fired` has a bit, checked exactly as
// run_lanes() checks them from their points (q0, q1) at step k: a lane whose point, loss or
// gradient is not finite there ends as diverged (out[i]). Returns the bits of the lanes ended.
template <class Formula>
[[gnu::noinline]] unsigned fused_check(const Objective& f, const Formula& formula, unsigned fired,
                                       const double* q0, const double* q1, std::size_t k,
                                       LaneRun* out) {
  unsigned ended = 0;
  std::vector<double> w(2), g(2);
  for (std::size_t i = 0; i < kFusedWidth; ++i) {
    if ((fired >> i & 1U) == 0) continue;
    w[0] = q0[i];
    w[1] = q1[i];
    const double l = formula(w[0], w[1], g[0], g[1]);
    const std::optional<std::string> found = non_finite(f, w, l, g);
    if (!found) continue;  // all finite: the new point, or only their sum, overflowed
    if (k == 0) throw InputError(not_finite_at_start(f, w, *found));
    out[i].termination = Termination::diverged;
    out[i].stop_step = k;
    out[i].message = "diverged at step " + std::to_string(k) + ": " + *found;
    out[i].final_loss = out[i].best_loss = INFINITY;
    ended |= 1U << i;
  }
  return ended;
}

// The lanes of one vector whose test `bad` (0 where it passed) fired, checked by fused_check()
// from their points (q0, q1); `real` is how many of the vector's lanes are real. Returns the
// bits of the lanes ended.
template <class Formula>
[[gnu::always_inline]] inline unsigned fused_check_vector(const Objective& f,
                                                          const Formula& formula, FusedVec bad,
                                                          FusedVec q0, FusedVec q1,
                                                          std::size_t real, std::size_t k,
                                                          LaneRun* out) {
  alignas(64) double b[kFusedWidth], p0[kFusedWidth], p1[kFusedWidth];
  fused_store(b, bad);
  fused_store(p0, q0);
  fused_store(p1, q1);
  unsigned fired = 0;
  for (std::size_t i = 0; i < kFusedWidth && i < real; ++i)
    if (b[i] != 0.0) fired |= 1U << i;
  return fired == 0 ? 0 : fused_check(f, formula, fired, p0, p1, k, out);
}

// All steps of lanes [first, first + nb) of `starts` (two rows of `lanes` values), nb <= 8 * Nv,
// in Nv vectors. The vectors' other lanes are parked from the start. A lane that ends (diverged)
// is parked too: at the origin with a zero state, where the formulas are finite and the rules
// stay put, so that it never fires again. `scalars(lane, step, sc)` writes a lane's step scalars
// for a step into sc[0..3]; `update(x, s, g, a, b, c, d)` is the rule's per-element update;
// `any(v)` tells whether an element of v is not 0.
template <std::size_t Nv, class Formula, class Update, class Scalars, class Any>
[[gnu::always_inline]] inline void fused_block(const Objective& f, const Formula& formula,
                                               const Update& update, const Scalars& scalars,
                                               const Any& any, std::span<const double> starts,
                                               std::size_t lanes, std::size_t first, std::size_t nb,
                                               std::size_t steps, double tol, LaneRun* out) {
  constexpr std::size_t B = Nv * kFusedWidth;
  alignas(64) double in0[B], in1[B], sc[4][B];
  for (std::size_t j = 0; j < B; ++j) {
    in0[j] = j < nb ? starts[first + j] : 0.0;
    in1[j] = j < nb ? starts[lanes + first + j] : 0.0;
  }
  const FusedVec one = FusedVec{} + 1.0, zero = {};
  // Per vector: the point, the rule's state, the best loss so far, the number of steps whose
  // best loss was above tol (the first step within tol, once the best loss is within tol), the
  // step scalars, and the bits of the lanes ended. Nothing takes their address, so that they
  // can stay in registers.
  FusedVec x0[Nv], x1[Nv], s0[Nv], s1[Nv], best[Nv], above[Nv], a[Nv], c[Nv], d[Nv], e[Nv];
  unsigned ended[Nv];
  for (std::size_t v = 0; v < Nv; ++v) {
    x0[v] = fused_load(in0 + v * kFusedWidth);
    x1[v] = fused_load(in1 + v * kFusedWidth);
    s0[v] = s1[v] = above[v] = zero;
    best[v] = zero + INFINITY;
    ended[v] = 0;
  }
  std::size_t running = nb;
  alignas(64) double loss[B], best_out[B], above_out[B];
  for (std::size_t k = 0;; ++k) {
    // The rules fused here compute their scalars on the first step and keep them from the
    // second on.
    if (k <= 1) {
      double lane[4] = {0, 0, 0, 0};
      for (std::size_t j = 0; j < B; ++j) {
        scalars(first + (j < nb ? j : 0), static_cast<std::int64_t>(k), lane);
        for (std::size_t q = 0; q < 4; ++q) sc[q][j] = lane[q];
      }
      for (std::size_t v = 0; v < Nv; ++v) {
        a[v] = fused_load(sc[0] + v * kFusedWidth);
        c[v] = fused_load(sc[1] + v * kFusedWidth);
        d[v] = fused_load(sc[2] + v * kFusedWidth);
        e[v] = fused_load(sc[3] + v * kFusedWidth);
      }
    }
    // At the last step there is no update, and the test is run_lanes()' own.
    const bool last = k == steps;
    FusedVec q0[Nv], q1[Nv], bad[Nv], l[Nv];
#pragma GCC unroll 4
    for (std::size_t v = 0; v < Nv; ++v) {
      FusedVec g0, g1;
      l[v] = formula(x0[v], x1[v], g0, g1);
      best[v] = l[v] < best[v] ? l[v] : best[v];
      above[v] += best[v] > tol ? one : zero;
      q0[v] = x0[v];
      q1[v] = x1[v];
      FusedVec s = l[v];
      if (!last) {
        update(x0[v], s0[v], g0, a[v], c[v], d[v], e[v]);
        update(x1[v], s1[v], g1, a[v], c[v], d[v], e[v]);
      } else {
        s = s + g0 + g1;
      }
      s = s + x0[v] + x1[v];
      bad[v] = s - s;
    }
    FusedVec fired = bad[0];
#pragma GCC unroll 4
    for (std::size_t v = 1; v < Nv; ++v) fired += bad[v];
    if (any(fired)) [[unlikely]] {
      for (std::size_t v = 0; v < Nv; ++v) {
        const std::size_t offset = v * kFusedWidth;
        const unsigned now =
            fused_check_vector(f, formula, bad[v], q0[v], q1[v], nb > offset ? nb - offset : 0, k,
                               out + first + offset);
        if (now == 0) continue;
        const FusedMask m = fused_lanes_of(now);
        x0[v] = m ? zero : x0[v];
        x1[v] = m ? zero : x1[v];
        s0[v] = m ? zero : s0[v];
        s1[v] = m ? zero : s1[v];
        ended[v] |= now;
        running -= static_cast<std::size_t>(__builtin_popcount(now));
      }
      if (running == 0) return;
    }
    if (last) {
      for (std::size_t v = 0; v < Nv; ++v) {
        fused_store(loss + v * kFusedWidth, l[v]);
        fused_store(best_out + v * kFusedWidth, best[v]);
        fused_store(above_out + v * kFusedWidth, above[v]);
      }
      break;
    }
  }
  for (std::size_t j = 0; j < nb; ++j) {
    if (ended[j / kFusedWidth] >> (j % kFusedWidth) & 1U) continue;
    LaneRun& o = out[first + j];
    o.termination = Termination::completed;
    o.stop_step = steps;
    o.final_loss = loss[j];
    o.best_loss = best_out[j];
    if (best_out[j] <= tol) o.steps_to_tol = static_cast<std::size_t>(above_out[j]);
  }
}

// Every block of run_fused(), Nv vectors at a time.
template <std::size_t Nv, class Formula, class Update, class Scalars, class Any>
[[gnu::always_inline]] inline void fused_blocks(const Objective& f, const Formula& formula,
                                                const Update& update, const Scalars& scalars,
                                                const Any& any, std::span<const double> starts,
                                                std::size_t lanes, std::size_t steps, double tol,
                                                LaneRun* out) {
  constexpr std::size_t B = Nv * kFusedWidth;
  for (std::size_t first = 0; first < lanes; first += B)
    fused_block<Nv>(f, formula, update, scalars, any, starts, lanes, first,
                    std::min(B, lanes - first), steps, tol, out);
}

// Whether any element of a vector is not 0, at each level: one comparison into a mask with
// AVX-512, two with AVX2, and elementwise otherwise.
struct FusedAny {
  [[gnu::always_inline]] bool operator()(const FusedVec& v) const {
    const FusedMask m = v != 0.0;
    std::int64_t r = 0;
    for (std::size_t i = 0; i < kFusedWidth; ++i) r |= m[i];
    return r != 0;
  }
};
#if DESCENT_X86_64_KERNELS
// (Not always_inline: GCC inlines them only once the loop has been inlined into its entry point
// for their instruction set. The vector comes by reference, as a call that is not inlined may not
// pass it by value between instruction sets.)
struct FusedAnyAvx512 {
  [[gnu::target("avx512f")]] bool operator()(const FusedVec& v) const {
    __m512d x;
    std::memcpy(&x, &v, sizeof x);
    return _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_NEQ_UQ) != 0;
  }
};
struct FusedAnyAvx2 {
  [[gnu::target("avx2")]] bool operator()(const FusedVec& v) const {
    const __m256d lo = __builtin_shufflevector(v, v, 0, 1, 2, 3);
    const __m256d hi = __builtin_shufflevector(v, v, 4, 5, 6, 7);
    const __m256d z = _mm256_setzero_pd();
    return (_mm256_movemask_pd(_mm256_cmp_pd(lo, z, _CMP_NEQ_UQ)) |
            _mm256_movemask_pd(_mm256_cmp_pd(hi, z, _CMP_NEQ_UQ))) != 0;
  }
};
#endif

// Two vectors at a time with AVX-512 (32 registers), one with fewer registers.
#if DESCENT_X86_64_KERNELS
template <class... A>
[[gnu::target("avx512f")]] void fused_blocks_avx512(const A&... a, std::span<const double> starts,
                                                    std::size_t lanes, std::size_t steps,
                                                    double tol, LaneRun* out) {
  fused_blocks<2>(a..., FusedAnyAvx512{}, starts, lanes, steps, tol, out);
}
template <class... A>
[[gnu::target("avx2")]] void fused_blocks_avx2(const A&... a, std::span<const double> starts,
                                               std::size_t lanes, std::size_t steps, double tol,
                                               LaneRun* out) {
  fused_blocks<1>(a..., FusedAnyAvx2{}, starts, lanes, steps, tol, out);
}
#endif
template <class... A>
void fused_blocks_base(const A&... a, std::span<const double> starts, std::size_t lanes,
                       std::size_t steps, double tol, LaneRun* out) {
  fused_blocks<1>(a..., FusedAny{}, starts, lanes, steps, tol, out);
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
#if DESCENT_X86_64_KERNELS
  if (level == Simd::avx512) {
    fused_blocks_avx512<Objective, Formula, Update, Scalars>(
        f, formula, update, scalars, starts, lanes, options.steps, options.tol, out.data());
    return out;
  }
  if (level == Simd::avx2) {
    fused_blocks_avx2<Objective, Formula, Update, Scalars>(
        f, formula, update, scalars, starts, lanes, options.steps, options.tol, out.data());
    return out;
  }
#else
  (void)level;
#endif
  fused_blocks_base<Objective, Formula, Update, Scalars>(f, formula, update, scalars, starts, lanes,
                                                         options.steps, options.tol, out.data());
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
