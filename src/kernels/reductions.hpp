// Private: reductions over vectors (dot products, maxima of magnitudes) and the fused update-and-
// reduce passes built on them. Sums and maxima run in kLanes interleaved partial results, which
// the processor computes in parallel (a single running sum would wait on each addition), combined
// pairwise at the end: the order of every sum is fixed by the length alone, so a result is the
// same bits at every SIMD level.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <span>

#include "descent/detail/simd_map.hpp"
#include "descent/simd.hpp"

namespace descent::detail {

inline constexpr std::size_t kLanes = 8;

template <class Op>
double combine(double (&p)[kLanes], Op op) {
  for (std::size_t w = kLanes / 2; w > 0; w /= 2)
    for (std::size_t k = 0; k < w; ++k) p[k] = op(p[k], p[k + w]);
  return p[0];
}

/// a.b, summed in double.
template <class T>
double dot(std::span<const T> a, std::span<const T> b) {
  double p[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= a.size(); i += kLanes)
    for (std::size_t k = 0; k < kLanes; ++k) p[k] += static_cast<double>(a[i + k]) * b[i + k];
  for (; i < a.size(); ++i) p[i % kLanes] += static_cast<double>(a[i]) * b[i];
  return combine(p, std::plus<>());
}

/// max |a_i| (0 for an empty a).
template <class T>
double max_abs(std::span<const T> a) {
  double p[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= a.size(); i += kLanes)
    for (std::size_t k = 0; k < kLanes; ++k)
      p[k] = std::max(p[k], std::abs(static_cast<double>(a[i + k])));
  for (; i < a.size(); ++i) p[i % kLanes] = std::max(p[i % kLanes], std::abs(double(a[i])));
  return combine(p, [](double x, double y) { return std::max(x, y); });
}

// d <- d + c x, then the dot product of `next` and the new d (as dot() sums it; 0 without next).
template <class T>
[[gnu::always_inline]] inline double axpy_dot_loop(std::size_t n, T* __restrict d, T c,
                                                   const T* __restrict x,
                                                   const T* __restrict next) {
  if (next == nullptr) {
    for (std::size_t i = 0; i < n; ++i) d[i] += c * x[i];
    return 0.0;
  }
  double p[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t k = 0; k < kLanes; ++k) {
      d[i + k] += c * x[i + k];
      p[k] += static_cast<double>(next[i + k]) * d[i + k];
    }
  for (; i < n; ++i) {
    d[i] += c * x[i];
    p[i % kLanes] += static_cast<double>(next[i]) * d[i];
  }
  return combine(p, std::plus<>());
}

#if DESCENT_X86_64_KERNELS
template <class T>
[[gnu::target("avx2")]] double axpy_dot_avx2(std::size_t n, T* d, T c, const T* x, const T* next) {
  return axpy_dot_loop(n, d, c, x, next);
}
#endif

/// d <- d + c x, then next.d (as dot() sums it; 0 when next is empty). One pass.
template <class T>
double axpy_dot(std::span<T> d, T c, std::span<const T> x, std::span<const T> next) {
  const T* nx = next.empty() ? nullptr : next.data();
#if DESCENT_X86_64_KERNELS
  if (simd() == Simd::avx2 || simd() == Simd::avx512)
    return axpy_dot_avx2(d.size(), d.data(), c, x.data(), nx);
#endif
  return axpy_dot_loop(d.size(), d.data(), c, x.data(), nx);
}

}  // namespace descent::detail
