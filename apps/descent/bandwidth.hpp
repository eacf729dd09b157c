// `descent bench`: measuring how close an optimizer step comes to the memory system's bandwidth.
//
// A step over a large parameter vector is memory-bound: its floor is the time to move its ideal
// bytes once (read the parameters, the gradient and every state array; write the parameters and
// every state array). The reference is STREAM's triad a[i] = b[i] + q*c[i] (McCalpin, "Memory
// Bandwidth and Machine Balance", 1995), run by the same loop, SIMD level and thread split as the
// optimizers, on arrays of the same length, in the same process, interleaved with the step being
// measured, so that both see the same machine state.
//
// Bandwidths count ideal bytes only. The triad's 12 bytes per element (float) leave out the
// write-allocate read of `a` that a cache without streaming stores adds (16 bytes actually move);
// an optimizer writes only arrays it has just read, so it pays no such extra traffic. A step can
// therefore exceed 1.0 times the triad's ideal-byte bandwidth.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <span>
#include <string>

#include "descent/optimizer.hpp"
#include "descent/simd.hpp"

namespace descent {

/// STREAM's triad, a[i] = b[i] + q*c[i], through the optimizers' elementwise loop (SIMD level and
/// thread split included). All three spans must have the same length (else
/// std::invalid_argument).
template <std::floating_point T>
void triad(std::span<T> a, std::span<const T> b, std::span<const T> c, T q);

/// The bytes one step of `opt` moves per parameter at best: sizeof(T) times (2 for reading and
/// writing the parameter, 1 for reading the gradient, 2 for each state array of size() elements).
/// `opt` must have been reset to its size.
template <std::floating_point T>
std::size_t ideal_bytes_per_element(Optimizer<T>& opt);

/// What to measure: `spec` (an optimizer spec) stepping `size` parameters of type float
/// (`float32`) or double, with `threads` threads; `repeats` interleaved rounds of triads and
/// steps, each timed over at least `min_seconds`.
struct StepBenchConfig {
  std::string spec;
  bool float32 = true;
  std::size_t size = std::size_t{1} << 26;
  unsigned threads = 1;
  int repeats = 5;
  double min_seconds = 0.1;
};

struct StepBenchResult {
  std::string spec;                   ///< canonical spec of the optimizer measured
  std::string type;                   ///< "float32" or "float64"
  std::size_t size = 0;               ///< parameters
  unsigned threads = 0;               ///< threads used
  std::string simd;                   ///< SIMD level used
  std::size_t bytes_per_element = 0;  ///< ideal bytes of one step per parameter
  double ms_per_step = 0;             ///< median over the rounds
  double gbps = 0;        ///< ideal bytes of one step / ms_per_step, in GB/s (1e9 bytes)
  double triad_ms = 0;    ///< median triad time over the rounds
  double triad_gbps = 0;  ///< the triad's ideal bytes (3 arrays) per second, GB/s
  double ratio = 0;       ///< gbps / triad_gbps
};

/// Throws InputError if stepping `size` parameters of the given type could need more than half of
/// this machine's physical memory (the parameters, the gradient, the triad's output and up to
/// four state arrays), or if `size` is 0.
void check_bench_size(std::size_t size, bool float32);

/// Measures one configuration. Throws InputError for a bad spec, a size of 0, repeats < 1, or
/// arrays that would not fit in half the machine's physical memory. The thread count is restored
/// before returning.
StepBenchResult bench_step(const StepBenchConfig& config);

}  // namespace descent
