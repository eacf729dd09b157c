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

// The fused passes below compute, element by element, what their separate passes computed, and
// sum their dot products as dot() does: fusing changes no bit of any result.

// d <- d + c x, then the dot product of `next` and the new d (0 without next).
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

// d <- -g, then next.d.
template <class T>
[[gnu::always_inline]] inline double negate_dot_loop(std::size_t n, T* __restrict d,
                                                     const T* __restrict g,
                                                     const T* __restrict next) {
  double p[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t k = 0; k < kLanes; ++k) {
      d[i + k] = -g[i + k];
      p[k] += static_cast<double>(next[i + k]) * d[i + k];
    }
  for (; i < n; ++i) {
    d[i] = -g[i];
    p[i % kLanes] += static_cast<double>(next[i]) * d[i];
  }
  return combine(p, std::plus<>());
}

// d <- scale (d + c x) (d + c x rounded to T first, the product then), then x.d.
template <class T>
[[gnu::always_inline]] inline double axpy_scale_dot_loop(std::size_t n, T* __restrict d, T c,
                                                         const T* __restrict x, double scale) {
  double p[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t k = 0; k < kLanes; ++k) {
      const T v = d[i + k] + c * x[i + k];
      d[i + k] = static_cast<T>(scale * v);
      p[k] += static_cast<double>(x[i + k]) * d[i + k];
    }
  for (; i < n; ++i) {
    const T v = d[i] + c * x[i];
    d[i] = static_cast<T>(scale * v);
    p[i % kLanes] += static_cast<double>(x[i]) * d[i];
  }
  return combine(p, std::plus<>());
}

// d <- d + c x, then next.d, and max |d_i| in *dmax.
template <class T>
[[gnu::always_inline]] inline double axpy_dot_max_loop(std::size_t n, T* __restrict d, T c,
                                                       const T* __restrict x,
                                                       const T* __restrict next,
                                                       double* __restrict dmax) {
  double p[kLanes] = {}, q[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes)
    for (std::size_t k = 0; k < kLanes; ++k) {
      d[i + k] += c * x[i + k];
      p[k] += static_cast<double>(next[i + k]) * d[i + k];
      q[k] = std::max(q[k], std::abs(static_cast<double>(d[i + k])));
    }
  for (; i < n; ++i) {
    d[i] += c * x[i];
    p[i % kLanes] += static_cast<double>(next[i]) * d[i];
    q[i % kLanes] = std::max(q[i % kLanes], std::abs(static_cast<double>(d[i])));
  }
  *dmax = combine(q, [](double a, double b) { return std::max(a, b); });
  return combine(p, std::plus<>());
}

// s <- a - a0 and y <- b - b0.
template <class T>
[[gnu::always_inline]] inline double differences_loop(std::size_t n, T* __restrict s,
                                                      T* __restrict y, const T* __restrict a,
                                                      const T* __restrict a0, const T* __restrict b,
                                                      const T* __restrict b0) {
  for (std::size_t i = 0; i < n; ++i) {
    s[i] = a[i] - a0[i];
    y[i] = b[i] - b0[i];
  }
  return 0.0;
}

// out <- w + t d; with `keep`, also keep <- w (before out overwrites w when out is w).
template <class T>
[[gnu::always_inline]] inline double step_to_loop(std::size_t n, T* out, T* __restrict keep,
                                                  const T* w, T t, const T* __restrict d) {
  if (keep != nullptr) {
    for (std::size_t i = 0; i < n; ++i) {
      const T v = w[i];
      keep[i] = v;
      out[i] = v + t * d[i];
    }
  } else {
    for (std::size_t i = 0; i < n; ++i) out[i] = w[i] + t * d[i];
  }
  return 0.0;
}

// Each kernel compiled for AVX2 and for the base instruction set (the library is built with
// -ffp-contract=off, so both compute the same operations in the same order), called through
// NAME(...) with the level simd() reports.
#if DESCENT_X86_64_KERNELS
#define DESCENT_REDUCTION(name, params, args)                                    \
  template <class T>                                                             \
  [[gnu::target("avx2")]] double name##_avx2 params {                            \
    return name##_loop args;                                                     \
  }                                                                              \
  template <class T>                                                             \
  double name##_simd params {                                                    \
    if (simd() == Simd::avx2 || simd() == Simd::avx512) return name##_avx2 args; \
    return name##_loop args;                                                     \
  }
#else
#define DESCENT_REDUCTION(name, params, args) \
  template <class T>                          \
  double name##_simd params {                 \
    return name##_loop args;                  \
  }
#endif

DESCENT_REDUCTION(axpy_dot, (std::size_t n, T* d, T c, const T* x, const T* next),
                  (n, d, c, x, next))
DESCENT_REDUCTION(negate_dot, (std::size_t n, T* d, const T* g, const T* next), (n, d, g, next))
DESCENT_REDUCTION(axpy_scale_dot, (std::size_t n, T* d, T c, const T* x, double scale),
                  (n, d, c, x, scale))
DESCENT_REDUCTION(axpy_dot_max, (std::size_t n, T* d, T c, const T* x, const T* next, double* dmax),
                  (n, d, c, x, next, dmax))
DESCENT_REDUCTION(differences,
                  (std::size_t n, T* s, T* y, const T* a, const T* a0, const T* b, const T* b0),
                  (n, s, y, a, a0, b, b0))
DESCENT_REDUCTION(step_to, (std::size_t n, T* out, T* keep, const T* w, T t, const T* d),
                  (n, out, keep, w, t, d))
#undef DESCENT_REDUCTION

/// d <- d + c x, then next.d (as dot() sums it; 0 when next is empty). One pass.
template <class T>
double axpy_dot(std::span<T> d, T c, std::span<const T> x, std::span<const T> next) {
  return axpy_dot_simd(d.size(), d.data(), c, x.data(), next.empty() ? nullptr : next.data());
}

/// d <- -g, then next.d. One pass.
template <class T>
double negate_dot(std::span<T> d, std::span<const T> g, std::span<const T> next) {
  return negate_dot_simd(d.size(), d.data(), g.data(), next.data());
}

/// d <- scale (d + c x), then x.d. One pass.
template <class T>
double axpy_scale_dot(std::span<T> d, T c, std::span<const T> x, double scale) {
  return axpy_scale_dot_simd(d.size(), d.data(), c, x.data(), scale);
}

/// d <- d + c x, then next.d, and max |d_i| in dmax. One pass.
template <class T>
double axpy_dot_max(std::span<T> d, T c, std::span<const T> x, std::span<const T> next,
                    double& dmax) {
  return axpy_dot_max_simd(d.size(), d.data(), c, x.data(), next.data(), &dmax);
}

/// s <- a - a0 and y <- b - b0, in one pass.
template <class T>
void differences(std::span<T> s, std::span<T> y, std::span<const T> a, std::span<const T> a0,
                 std::span<const T> b, std::span<const T> b0) {
  differences_simd(s.size(), s.data(), y.data(), a.data(), a0.data(), b.data(), b0.data());
}

/// out <- w + t d (out may be w itself); with a non-empty `keep`, keep <- w too. One pass.
template <class T>
void step_to(std::span<T> out, std::span<T> keep, std::span<const T> w, T t, std::span<const T> d) {
  step_to_simd(out.size(), out.data(), keep.empty() ? nullptr : keep.data(), w.data(), t, d.data());
}

}  // namespace descent::detail
