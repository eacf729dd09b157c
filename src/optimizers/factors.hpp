// Private helpers of the matrix optimizers (Muon, Shampoo, SOAP): row-major Eigen views of state
// spans, the Kronecker factors' moving sums, and the step of a tensor cut into blocks. The library
// is built with EIGEN_USE_BLAS, so the larger products run in OpenBLAS, on the CPU's widest
// instructions and the BLAS's threads (optimizers/eigen.hpp: why its Eigen has a name of its own).
#pragma once

#include <cstddef>
#include <span>
#include <vector>

#include "descent/tensorwise.hpp"
#include "optimizers/eigen.hpp"

namespace descent::detail {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using Map = Eigen::Map<Matrix<T>>;

inline Eigen::Index eigen_size(std::size_t n) { return static_cast<Eigen::Index>(n); }

/// The n x n matrix held in `x`.
template <class T>
Map<T> square(std::span<T> x, std::size_t n) {
  return Map<T>(x.data(), eigen_size(n), eigen_size(n));
}

/// The rows x cols matrix held in `x`, read-only.
template <class T>
Eigen::Map<const Matrix<T>> view(std::span<const T> x, std::size_t rows, std::size_t cols) {
  return Eigen::Map<const Matrix<T>>(x.data(), eigen_size(rows), eigen_size(cols));
}

/// f <- beta f + c x x^T for the n x n factor f, with c = 1 - beta, or 1 where beta = 1 (a sum).
/// The lower triangle by a symmetric rank update (half a product's work), then mirrored. An x of
/// no columns (a tensor of no elements) adds nothing, and the BLAS is not asked to add it.
template <class T, class X>
void accumulate_factor(std::span<T> f, std::size_t n, const X& x, double beta) {
  Map<T> fm = square(f, n);
  const auto c = static_cast<T>(beta < 1.0 ? 1.0 - beta : 1.0);
  if (beta < 1.0) fm *= static_cast<T>(beta);
  if (x.cols() > 0) fm.template selfadjointView<Eigen::Lower>().rankUpdate(x, c);
  fm.template triangularView<Eigen::StrictlyUpper>() = fm.transpose();
}

/// Steps a tensor block by block (blocks_of), for rule R whose arrays are two factor arrays per
/// side (l and pl for the rows, r and pr for the columns; factor_array_size<R> long) and two of one
/// value per element (m, v; either may be empty). A tensor that is one block is stepped in place
/// by step(p, s, l, r, pl, pr, m, v); else each block's parameters, gradient, m and v are copied
/// out, stepped by step(p, block's TensorStep, ...), given its own pieces of the factor arrays
/// (n x n for a side n where R::preconditioned(p, block's shape, n), else empty), and copied back.
/// A block's step has no Hessian (neither Shampoo nor SOAP reads it).
template <class R, class T, class Step>
void step_blocks(const typename R::Params& p, const TensorStep<T>& s, std::span<T> l,
                 std::span<T> r, std::span<T> pl, std::span<T> pr, std::span<T> m, std::span<T> v,
                 Step&& step) {
  const Blocks blocks = blocks_of(p, s.shape);
  if (blocks.count() == 1) return step(p, s, l, r, pl, pr, m, v);
  std::vector<T> bw, bg, bm, bv;
  std::size_t at_l = 0, at_r = 0;
  blocks.each([&](std::size_t row, std::size_t col, Shape b) {
    const auto copy = [&](auto&& f) {  // f(index in the block, index in the tensor)
      for (std::size_t i = 0, k = 0; i < b.rows; ++i)
        for (std::size_t j = 0; j < b.cols; ++j, ++k) f(k, (row + i) * s.shape.cols + col + j);
    };
    bw.resize(b.size());
    bg.resize(b.size());
    bm.resize(m.empty() ? 0 : b.size());
    bv.resize(v.empty() ? 0 : b.size());
    copy([&](std::size_t k, std::size_t x) {
      bw[k] = s.w[x];
      bg[k] = s.g[x];
      if (!m.empty()) bm[k] = m[x];
      if (!v.empty()) bv[k] = v[x];
    });
    const std::size_t nl = R::preconditioned(p, b, b.rows) ? b.rows * b.rows : 0;
    const std::size_t nr = R::preconditioned(p, b, b.cols) ? b.cols * b.cols : 0;
    step(p, TensorStep<T>{bw, bg, b, s.t}, l.subspan(at_l, nl), r.subspan(at_r, nr),
         pl.subspan(at_l, nl), pr.subspan(at_r, nr), std::span<T>(bm), std::span<T>(bv));
    at_l += nl;
    at_r += nr;
    copy([&](std::size_t k, std::size_t x) {
      s.w[x] = bw[k];
      if (!m.empty()) m[x] = bm[k];
      if (!v.empty()) v[x] = bv[k];
    });
  });
}

}  // namespace descent::detail
