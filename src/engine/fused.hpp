// Private: the sweep engine's fused loop, for a 2-D formula (functions/formulas.hpp) and any
// elementwise rule.
//
// run_lanes() evaluates the function over a batch, checks it, then steps the optimizer over the
// batch: several passes per step through arrays of the batch. Here a block of lanes runs all its
// steps at once, held in vector registers: each step evaluates the formula, tracks the progress,
// tests for divergence and applies the rule's preludes and update, with no load or store but the
// lanes' step scalars. Each lane goes through the same operations in the same order as run():
// the formula, the progress (engine/run.hpp), then the rule's update with the step scalars the
// rule computes for that lane and step (counters kept per lane). tests/lanes_test.cpp compares
// every lane with run() bit for bit.
//
// The divergence test. run() stops at step k when the point, the loss or the gradient there is not
// finite. The formulas here give a non-finite loss at a non-finite point (a square of an infinite
// or NaN coordinate, or 0 times it, is not finite), so the loop adds up the loss and the gradient
// (their sum is finite when they all are; s - s is then 0) and checks a lane whose sum is not
// finite exactly as run() does, from its point at step k; a lane whose numbers were all finite
// (only their sum overflowed) goes on. A lane that ends is parked at the origin with a zero state
// and masked out of the test.
//
// Block sizes per SIMD level: the vector width (8 doubles for AVX-512, 4 for AVX2, 2 for SSE2)
// and how many vectors a block interleaves, so that the loop's chain of dependent operations
// (formula, update, formula) is overlapped without running out of registers. A rule whose
// scalars change at every step (Adam's bias corrections: a pow per lane and step) spends its time
// in scalar code, which runs slower on CPUs that lower their clock while 512-bit instructions run;
// at the AVX-512 level it uses the AVX2 blocks (measured in docs/PERFORMANCE.md).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "descent/detail/aggregate.hpp"
#include "descent/detail/simd_map.hpp"
#include "descent/elementwise.hpp"
#include "descent/error.hpp"
#include "descent/simd.hpp"
#include "engine/run.hpp"
#include "functions/formulas.hpp"

#if DESCENT_X86_64_KERNELS
#include <immintrin.h>
#endif

namespace descent::detail {

/// Vectors of doubles under GCC's vector extension; each operator applies the scalar operation
/// to every element.
using FusedVec8 [[gnu::vector_size(64)]] = double;
using FusedVec4 [[gnu::vector_size(32)]] = double;
using FusedVec2 [[gnu::vector_size(16)]] = double;

template <class Vec>
inline constexpr std::size_t kWidth = sizeof(Vec) / sizeof(double);

// Lanes go in and out of the vectors through arrays, so that nothing takes a vector's address
// and the loop can keep them in registers.
template <class Vec>
[[gnu::always_inline]] inline Vec fused_load(const double* p) {
  Vec v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
template <class Vec>
[[gnu::always_inline]] inline void fused_store(double* p, Vec v) {
  std::memcpy(p, &v, sizeof v);
}

/// What the loop needs of each instruction set: its vector type, how many vectors a block
/// interleaves, whether an element of a vector is not 0 (a NaN is not 0: one comparison into a
/// mask with AVX-512, into a sign mask with AVX2, element by element at the base level: SSE2 on
/// x86-64), and apart(fn), which runs fn out of the loop, compiled for the same set (so that the
/// loop saves its registers only around the call, and the called code needs no switch between
/// instruction encodings).
struct FusedBase {
  using Vec = FusedVec2;
  static constexpr std::size_t vectors = 4;
  [[gnu::always_inline]] static bool any(const Vec& v) {
    const auto nonzero = v != Vec{};
    return (nonzero[0] | nonzero[1]) != 0;
  }
  template <class Fn>
  [[gnu::noinline, gnu::flatten]] static void apart(const Fn& fn) {
    fn();
  }
};
#if DESCENT_X86_64_KERNELS
struct FusedAvx512 {
  using Vec = FusedVec8;
  static constexpr std::size_t vectors = 3;
  [[gnu::target("avx512f")]] static bool any(const Vec& v) {
    __m512d x;
    std::memcpy(&x, &v, sizeof x);
    return _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_NEQ_UQ) != 0;
  }
  template <class Fn>
  [[gnu::noinline, gnu::flatten, gnu::target("avx512f")]] static void apart(const Fn& fn) {
    fn();
  }
};
struct FusedAvx2 {
  using Vec = FusedVec4;
  static constexpr std::size_t vectors = 4;
  [[gnu::target("avx2")]] static bool any(const Vec& v) {
    __m256d x;
    std::memcpy(&x, &v, sizeof x);
    return _mm256_movemask_pd(_mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_NEQ_UQ)) != 0;
  }
  template <class Fn>
  [[gnu::noinline, gnu::flatten, gnu::target("avx2")]] static void apart(const Fn& fn) {
    fn();
  }
};
#endif

/// The lanes of a block whose test fired (bit i of `fired`), checked exactly as run() checks them
/// from their points (q0[i], q1[i]) at step k; those whose numbers are not finite end as diverged.
/// Returns the bits of the lanes ended.
template <class Formula>
[[gnu::noinline]] std::uint64_t fused_check(const Objective& f, const Formula& formula,
                                            std::uint64_t fired, const double* q0, const double* q1,
                                            std::size_t k, RunResult* out) {
  std::uint64_t ended = 0;
  std::vector<double> w(2), g(2);
  for (std::size_t i = 0; i < 64; ++i) {
    if ((fired >> i & 1U) == 0) continue;
    w[0] = q0[i];
    w[1] = q1[i];
    const double l = formula(w[0], w[1], g[0], g[1]);
    std::optional<std::string> found = non_finite(f, w, l, g);
    if (!found) continue;  // all finite: only their sum overflowed
    if (k == 0) throw InputError(not_finite_at_start(f, w, *found));
    out[i] = diverged_run(k, std::move(*found));
    ended |= std::uint64_t{1} << i;
  }
  return ended;
}

/// Everything about one fused call that does not change from block to block.
template <ElementwiseRule R, class Formula>
struct FusedJob {
  const Objective& f;
  const Formula& formula;
  std::span<const typename R::Params> p;
  bool decays;
  std::span<const double> starts;  ///< two rows of p.size() values
  std::size_t steps;
  double tol;
  RunResult* out;
  const std::function<bool()>& cancelled;  ///< RunOptions::cancelled, asked before each block
};

/// Steps whose scalars a block computes at once, when they change from step to step: the loop
/// that computes them (pow, sqrt, division per lane) then runs apart from the vector loop, which
/// keeps its registers across kScalarSteps steps instead of saving them around every step's call.
inline constexpr std::size_t kScalarSteps = 8;

/// What one block of a fused call reads and writes outside its vectors: per lane (B of them) its
/// counters, its scalars (N rows) for the next kScalarSteps steps, its weight decay, its start,
/// the initial value of each live state array, and what it ends with.
template <ElementwiseRule R, std::size_t B, std::size_t S, std::size_t N>
struct FusedBlockIO {
  std::size_t first = 0, nb = 0;
  CountersOf<R> counters[B];
  alignas(64) double sc[kScalarSteps][N][B], decay[B], in0[B], in1[B], init[S + 1][B];
  alignas(64) double loss[B], best[B], above[B], bad[B], q0[B], q1[B];
  std::uint64_t ended = 0;  ///< bit j: lane j has ended (or is beyond nb)
};

/// Lanes [first, first + nb) of the job: their counters, weight decays, starts and initial states
/// (lanes beyond nb take lane `first`'s settings and start parked at the origin).
template <ElementwiseRule R, unsigned V, class Formula, class IO>
[[gnu::noinline]] void fused_start(const FusedJob<R, Formula>& job, IO& io, std::size_t first,
                                   std::size_t nb, std::size_t b) {
  constexpr auto live = live_indices<R, V>();
  const std::size_t lanes = job.p.size();
  io.first = first;
  io.nb = nb;
  io.ended = nb >= 64 ? 0 : ~std::uint64_t{0} << nb;
  for (std::size_t j = 0; j < b; ++j) {
    const auto& q = job.p[first + (j < nb ? j : 0)];
    io.counters[j] = initial_counters<R>(q);
    io.decay[j] = 0.0;
    if constexpr (kCoupledDecay<R> != nullptr) io.decay[j] = q.*kCoupledDecay<R>;
    io.in0[j] = j < nb ? job.starts[first + j] : 0.0;
    io.in1[j] = j < nb ? job.starts[lanes + first + j] : 0.0;
    for (std::size_t a = 0; a < live.size(); ++a)
      io.init[a][j] = R::arrays[live[a]].init && j < nb ? R::arrays[live[a]].init(q) : 0.0;
  }
}

/// Every lane's step scalars for its next `steps` steps, into io.sc[0], io.sc[1], ...
template <ElementwiseRule R, class Formula, class IO>
void fused_scalars(const FusedJob<R, Formula>& job, IO& io, std::size_t b, std::size_t steps) {
  for (std::size_t j = 0; j < b; ++j) {
    const auto& p = job.p[io.first + (j < io.nb ? j : 0)];
    for (std::size_t t = 0; t < steps; ++t) {
      const auto k = fields_of(step_scalars<R>(p, io.counters[j]));
      for (std::size_t q = 0; q < k.size(); ++q) io.sc[t][q][j] = k[q];
    }
  }
}

/// The lanes whose test fired (io.bad), checked exactly from their points (io.q0, io.q1) at step
/// k; returns those that ended.
template <ElementwiseRule R, class Formula, class IO>
[[gnu::noinline]] std::uint64_t fused_fired(const FusedJob<R, Formula>& job, IO& io, std::size_t k,
                                            std::size_t b) {
  std::uint64_t fired = 0;
  for (std::size_t j = 0; j < b; ++j)
    if (io.bad[j] != 0.0) fired |= std::uint64_t{1} << j;
  fired &= ~io.ended;
  if (fired == 0) return 0;
  return fused_check(job.f, job.formula, fired, io.q0, io.q1, k, job.out + io.first);
}

/// The results of the lanes that completed.
template <ElementwiseRule R, class Formula, class IO>
[[gnu::noinline]] void fused_finish(const FusedJob<R, Formula>& job, const IO& io) {
  for (std::size_t j = 0; j < io.nb; ++j)
    if ((io.ended >> j & 1) == 0) {
      // The loss at the lane's start, as its step 0 evaluated it.
      const std::size_t lanes = job.p.size();
      double g0 = 0.0, g1 = 0.0;
      const double start =
          job.formula(job.starts[io.first + j], job.starts[lanes + io.first + j], g0, g1);
      job.out[io.first + j] =
          completed_run(job.steps, start, io.loss[j], io.best[j], io.above[j], job.tol);
    }
}

/// All steps of one block, in L::vectors vectors held in registers.
template <ElementwiseRule R, unsigned V, int Mode, class L, class Formula, class IO>
[[gnu::always_inline]] inline void fused_steps(const FusedJob<R, Formula>& job, IO& io) {
  using Vec = typename L::Vec;
  constexpr std::size_t Nv = L::vectors, W = kWidth<Vec>, B = Nv * W;
  constexpr std::size_t S = live_indices<R, V>().size();
  constexpr std::size_t N = field_count<R::template Scalars, double>();
  // Per vector: the point, the rule's live state for each coordinate, the progress, the scalars
  // and the weight decay.
  Vec x0[Nv], x1[Nv], s0[S + 1][Nv], s1[S + 1][Nv], kv[N][Nv] = {}, dv[Nv], best[Nv], above[Nv];
  for (std::size_t v = 0; v < Nv; ++v) {
    x0[v] = fused_load<Vec>(io.in0 + v * W);
    x1[v] = fused_load<Vec>(io.in1 + v * W);
    for (std::size_t a = 0; a < S; ++a) s0[a][v] = s1[a][v] = fused_load<Vec>(io.init[a] + v * W);
    dv[v] = fused_load<Vec>(io.decay + v * W);
    best[v] = start_progress<Vec>().best;
    above[v] = start_progress<Vec>().above;
  }
  // Copies that the loop keeps in registers (it stores to io, which could alias the job's).
  const Formula formula = job.formula;
  const double tol = job.tol;
  const std::size_t steps = job.steps;
  std::size_t running = io.nb;
  for (std::size_t k = 0;; ++k) {
    if (static_cast<std::int64_t>(k) <= steady_after<R>() && k < steps) {
      // Steps k, k + 1, ... up to the steady step or the last update.
      const std::size_t t = k % kScalarSteps;
      if (t == 0) {
        const auto steady = static_cast<std::uint64_t>(steady_after<R>());
        const std::size_t n = std::min({kScalarSteps, steps - k, steady - k + 1});
        L::apart([&] { fused_scalars(job, io, B, n); });
      }
      for (std::size_t q = 0; q < N; ++q)
        for (std::size_t v = 0; v < Nv; ++v) kv[q][v] = fused_load<Vec>(io.sc[t][q] + v * W);
    }
    // At the last step there is no update.
    const bool last = k == steps;
    Vec bad[Nv], l[Nv], p0[Nv], p1[Nv];
#pragma GCC unroll 4
    for (std::size_t v = 0; v < Nv; ++v) {
      Vec g0, g1;
      l[v] = formula(x0[v], x1[v], g0, g1);
      observe_progress(best[v], above[v], l[v], tol);
      const Vec sum = (l[v] + g0) + g1;
      bad[v] = sum - sum;
      p0[v] = x0[v];
      p1[v] = x1[v];
      if (!last) {
        [&]<std::size_t... A, std::size_t... Q>(std::index_sequence<A...>,
                                                std::index_sequence<Q...>) {
          const auto kvec = from_fields<typename R::template Scalars<Vec>>(kv[Q][v]...);
          PreludeScalars<Vec> pk{};
          pk.decay = dv[v];
          update_element<R, V>(kvec, x0[v], prelude<Mode>(g0, x0[v], pk), s0[A][v]...);
          update_element<R, V>(kvec, x1[v], prelude<Mode>(g1, x1[v], pk), s1[A][v]...);
        }
        (std::make_index_sequence<S>{}, std::make_index_sequence<N>{});
      }
    }
    Vec any = bad[0];
#pragma GCC unroll 4
    for (std::size_t v = 1; v < Nv; ++v) any += bad[v];
    if (L::any(any)) [[unlikely]] {
      for (std::size_t v = 0; v < Nv; ++v) {
        fused_store(io.bad + v * W, bad[v]);
        fused_store(io.q0 + v * W, p0[v]);
        fused_store(io.q1 + v * W, p1[v]);
      }
      const std::uint64_t now = fused_fired(job, io, k, B);
      if (now != 0) {
        io.ended |= now;
        running -= static_cast<std::size_t>(std::popcount(now));
        if (running == 0) return;
        // The lanes ended are parked at the origin with a zero state.
        for (std::size_t v = 0; v < Nv; ++v) {
          alignas(64) double keep[W];
          for (std::size_t i = 0; i < W; ++i) keep[i] = (now >> (v * W + i) & 1) ? 0.0 : 1.0;
          const Vec zero{}, kept = fused_load<Vec>(keep);
          x0[v] = kept != zero ? x0[v] : zero;
          x1[v] = kept != zero ? x1[v] : zero;
          for (std::size_t a = 0; a < S; ++a) {
            s0[a][v] = kept != zero ? s0[a][v] : zero;
            s1[a][v] = kept != zero ? s1[a][v] : zero;
          }
        }
      }
    }
    if (last) {
      for (std::size_t v = 0; v < Nv; ++v) {
        fused_store(io.loss + v * W, l[v]);
        fused_store(io.best + v * W, best[v]);
        fused_store(io.above + v * W, above[v]);
      }
      return;
    }
  }
}

/// Every block of a fused call, L::vectors vectors at a time.
template <ElementwiseRule R, unsigned V, int Mode, class L, class Formula>
[[gnu::always_inline]] inline void fused_blocks(const FusedJob<R, Formula>& job) {
  constexpr std::size_t B = L::vectors * kWidth<typename L::Vec>;
  constexpr std::size_t S = live_indices<R, V>().size();
  constexpr std::size_t N = field_count<R::template Scalars, double>();
  static_assert(B <= 64, "a block's lanes are bits of a 64-bit mask");
  FusedBlockIO<R, B, S, N> io;
  const std::size_t lanes = job.p.size();
  for (std::size_t first = 0; first < lanes; first += B) {
    if (job.cancelled && job.cancelled()) throw Cancelled();
    fused_start<R, V>(job, io, first, std::min(B, lanes - first), B);
    fused_steps<R, V, Mode, L>(job, io);
    fused_finish(job, io);
  }
}

// One entry point per instruction set, into which the step loop is inlined (flatten; the setup,
// the exact check and the results are out of line) and compiled for that set.
#if DESCENT_X86_64_KERNELS
template <ElementwiseRule R, unsigned V, int Mode, class Formula>
[[gnu::target("avx512f"), gnu::flatten]] void fused_avx512(const FusedJob<R, Formula>& job) {
  if constexpr (steady_after<R>() == INT64_MAX)
    fused_blocks<R, V, Mode, FusedAvx2>(job);
  else
    fused_blocks<R, V, Mode, FusedAvx512>(job);
}
template <ElementwiseRule R, unsigned V, int Mode, class Formula>
[[gnu::target("avx2"), gnu::flatten]] void fused_avx2(const FusedJob<R, Formula>& job) {
  fused_blocks<R, V, Mode, FusedAvx2>(job);
}
#endif
template <ElementwiseRule R, unsigned V, int Mode, class Formula>
[[gnu::flatten]] void fused_base(const FusedJob<R, Formula>& job) {
  fused_blocks<R, V, Mode, FusedBase>(job);
}

/// Runs lanes with the settings `p` (sharing `variant`) from `starts` (2 rows of p.size()
/// values) as run_lanes() would, from a fresh state. `decays`: whether any lane has a coupled
/// weight decay.
template <ElementwiseRule R, class Formula>
std::vector<RunResult> run_fused_rule(const Objective& f, const Formula& formula,
                                      std::span<const typename R::Params> p, unsigned variant,
                                      bool decays, std::span<const double> starts,
                                      const RunOptions& options) {
  const std::size_t lanes = p.size();
  if (starts.size() != 2 * lanes)
    throw std::invalid_argument("run_fused: the starts are not 2 x lanes values");
  if (std::isnan(options.tol)) throw InputError("tol must be a number, got nan");
  std::vector<RunResult> out(lanes);
  const FusedJob<R, Formula> job{
      f, formula, p, decays, starts, options.steps, options.tol, out.data(), options.cancelled};
  const Simd level = simd();
  with_variant<variant_bits<R>()>(variant, [&]<unsigned V>() {
    const auto run = [&]<int Mode>() {
#if DESCENT_X86_64_KERNELS
      if (level == Simd::avx512) return fused_avx512<R, V, Mode>(job);
      if (level == Simd::avx2) return fused_avx2<R, V, Mode>(job);
#else
      (void)level;
#endif
      fused_base<R, V, Mode>(job);
    };
    if (decays)
      run.template operator()<kDecayOnly>();
    else
      run.template operator()<kNoPrelude>();
  });
  return out;
}

}  // namespace descent::detail
