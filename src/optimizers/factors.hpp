// Private helpers of the matrix optimizers (Muon, Shampoo, SOAP): row-major Eigen views of state
// spans and the Kronecker factors' moving sums. The library is built with EIGEN_USE_BLAS, so the
// larger products run in OpenBLAS, on the CPU's widest instructions and the BLAS's threads.
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <span>

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
/// The lower triangle by a symmetric rank update (half a product's work), then mirrored.
template <class T, class X>
void accumulate_factor(std::span<T> f, std::size_t n, const X& x, double beta) {
  Map<T> fm = square(f, n);
  const auto c = static_cast<T>(beta < 1.0 ? 1.0 - beta : 1.0);
  if (beta < 1.0) fm *= static_cast<T>(beta);
  fm.template selfadjointView<Eigen::Lower>().rankUpdate(x, c);
  fm.template triangularView<Eigen::StrictlyUpper>() = fm.transpose();
}

}  // namespace descent::detail
