// descent (implementation detail): the one loop every elementwise optimizer steps through.
//
// An optimizer writes its per-element formula once, as a function object
//     u(T& w, T g, T&... state)
// that updates one parameter and its state elements; step-level scalars are computed before and
// captured by value. `elementwise` runs it over a list of tensors (the parameter vector cut into
// pieces, each piece's state at its offset in the flat state arrays):
//   - the loop is compiled for SSE2, AVX2 and AVX-512F, and the level simd() names is used; the
//     compiler's vector body and its scalar tail both inline the same formula;
//   - above kParallelGrain elements per thread, the elements (across tensor boundaries) are cut
//     into threads() contiguous chunks, each run by the same loop on the thread pool.
// Every element is computed by the same IEEE-754 operations in the same order whichever path runs
// it, so the result does not depend on the SIMD level, the thread count or how the vector is cut
// into tensors (tests/kernels_test.cpp checks all three).
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>

#include "descent/detail/simd_map.hpp"
#include "descent/optimizer.hpp"
#include "descent/parallel.hpp"
#include "descent/simd.hpp"

namespace descent::detail {

/// Fewest elements worth handing to one thread: below this the pool's wake-up (a few
/// microseconds) costs more than the work saved.
inline constexpr std::size_t kParallelGrain = std::size_t{1} << 16;

/// One contiguous run of `n` elements at the given SIMD level.
template <class U, class T, class... S>
void elementwise_range(Simd level, const U& u, std::size_t n, T* w, const T* g, S*... s) {
  simd_map(level, n, u, w, g, s...);
}

/// Where chunk `c` of `chunks` starts in [0, n): equal shares, rounded down to a multiple of 64
/// elements so that no two threads write the same cache line.
inline std::size_t chunk_begin(std::size_t n, std::size_t chunks, std::size_t c) {
  if (c >= chunks) return n;
  return (n / chunks * c) & ~std::size_t{63};
}

/// Runs `u` over every element of `tensors`, whose sizes must sum to `n` (the length of each
/// state array; throws std::invalid_argument otherwise).
template <class U, class T, class... S>
void elementwise(std::size_t n, std::span<const TensorRef<T>> tensors, const U& u, S*... state) {
  check_tensors(n, tensors);
  const Simd level = simd();
  const std::size_t chunks = std::min<std::size_t>(threads(), n / kParallelGrain);
  // Elements [begin, end) of the concatenated tensors, each tensor's part at its state offset.
  const auto run_chunk = [&](std::size_t begin, std::size_t end) {
    std::size_t offset = 0;
    for (const TensorRef<T>& t : tensors) {
      const std::size_t lo = std::max(begin, offset);
      const std::size_t hi = std::min(end, offset + t.param.size());
      if (lo < hi) {
        const std::size_t at = lo - offset;
        elementwise_range(level, u, hi - lo, t.param.data() + at, t.grad.data() + at,
                          (state + lo)...);
      }
      offset += t.param.size();
      if (offset >= end) break;
    }
  };
  if (chunks <= 1) {
    run_chunk(0, n);
    return;
  }
  parallel_for(chunks, [&](std::size_t c) {
    run_chunk(chunk_begin(n, chunks, c), chunk_begin(n, chunks, c + 1));
  });
}

/// The total number of elements in `tensors`.
template <class T>
std::size_t total_size(std::span<const TensorRef<T>> tensors) {
  std::size_t n = 0;
  for (const TensorRef<T>& t : tensors) n += t.param.size();
  return n;
}

}  // namespace descent::detail
