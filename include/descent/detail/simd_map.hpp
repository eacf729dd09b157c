// descent (implementation detail): one loop over n elements of several arrays, compiled for SSE2,
// AVX2 and AVX-512F.
//
// simd_map(level, n, f, a, b, ...) calls f(a[i], b[i], ...) for i in [0, n) with the loop body
// compiled for the given SIMD level (see simd.hpp), so that the compiler vectorizes the function
// object inlined into it. The arrays must not overlap (they are declared __restrict). Every
// element goes through the same IEEE-754 operations at every level: the result does not depend
// on the level.
#pragma once

#include <cstddef>

#include "descent/simd.hpp"

// Whether the x86-64 variants of the loops (SSE2, AVX2, AVX-512F) are built.
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DESCENT_X86_64_KERNELS 1
#else
#define DESCENT_X86_64_KERNELS 0
#endif

namespace descent::detail {

template <class F, class... A>
[[gnu::always_inline]] inline void map_loop(const F& f, std::size_t n, A* __restrict... a) {
  const F local = f;  // a copy, so that the compiler sees the captured scalars cannot change
  for (std::size_t i = 0; i < n; ++i) local(a[i]...);
}

#if DESCENT_X86_64_KERNELS
template <class F, class... A>
[[gnu::target("avx512f")]] void map_avx512(const F& f, std::size_t n, A* __restrict... a) {
  map_loop(f, n, a...);
}

template <class F, class... A>
[[gnu::target("avx2")]] void map_avx2(const F& f, std::size_t n, A* __restrict... a) {
  map_loop(f, n, a...);
}
#endif

template <class F, class... A>
void map_base(const F& f, std::size_t n, A* __restrict... a) {
  map_loop(f, n, a...);
}

/// Calls f(a[i]...) for every i in [0, n), compiled for `level`.
template <class F, class... A>
void simd_map(Simd level, std::size_t n, const F& f, A*... a) {
  if (n == 0) return;
#if DESCENT_X86_64_KERNELS
  if (level == Simd::avx512) return map_avx512(f, n, a...);
  if (level == Simd::avx2) return map_avx2(f, n, a...);
#else
  (void)level;
#endif
  map_base(f, n, a...);
}

template <class T>
[[gnu::always_inline]] inline bool any_nonzero_loop(std::size_t n, const T* __restrict a) {
  unsigned r = 0;
  for (std::size_t i = 0; i < n; ++i) r |= a[i] != T(0);
  return r != 0;
}

#if DESCENT_X86_64_KERNELS
template <class T>
[[gnu::target("avx512f")]] bool any_nonzero_avx512(std::size_t n, const T* __restrict a) {
  return any_nonzero_loop(n, a);
}
template <class T>
[[gnu::target("avx2")]] bool any_nonzero_avx2(std::size_t n, const T* __restrict a) {
  return any_nonzero_loop(n, a);
}
#endif

/// Whether any of a[0..n) is non-zero (a NaN counts as non-zero), compiled for `level`.
template <class T>
bool simd_any_nonzero(Simd level, std::size_t n, const T* a) {
#if DESCENT_X86_64_KERNELS
  if (level == Simd::avx512) return any_nonzero_avx512(n, a);
  if (level == Simd::avx2) return any_nonzero_avx2(n, a);
#else
  (void)level;
#endif
  return any_nonzero_loop(n, a);
}

}  // namespace descent::detail
