// Shampoo's step (include/descent/optimizers/shampoo.hpp): products and eigendecompositions by
// Eigen, the inverse roots computed in double.
#include "descent/optimizers/shampoo.hpp"

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <vector>

namespace descent {
namespace {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using Map = Eigen::Map<Matrix<T>>;

auto rows_of(std::size_t n) { return static_cast<Eigen::Index>(n); }

/// f <- beta2 f + c x x^T for the n x n factor f (c = 1 - beta2, or 1 where beta2 = 1: a sum).
template <class T, class X>
void accumulate(std::span<T> f, std::size_t n, const X& x, double beta2) {
  Map<T> fm(f.data(), rows_of(n), rows_of(n));
  const auto c = static_cast<T>(beta2 < 1.0 ? 1.0 - beta2 : 1.0);
  if (beta2 < 1.0) fm *= static_cast<T>(beta2);
  // The lower triangle by a symmetric rank update (half a product's work), mirrored.
  fm.template selfadjointView<Eigen::Lower>().rankUpdate(x, c);
  fm.template triangularView<Eigen::StrictlyUpper>() = fm.transpose();
}

/// out = (f + eps I)^(-1/root) for the symmetric n x n factor f, in double: eigenvalues below 0
/// (rounding) are taken as 0. Where the solver fails (a factor with NaN), `out` is kept.
template <class T>
void inverse_root(std::span<const T> f, std::size_t n, double eps, double root, std::span<T> out) {
  const Matrix<double> a =
      Eigen::Map<const Matrix<T>>(f.data(), rows_of(n), rows_of(n)).template cast<double>();
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> solver(a);
  if (solver.info() != Eigen::Success) return;
  const Eigen::VectorXd d = solver.eigenvalues().unaryExpr(
      [&](double x) { return std::pow(std::max(x, 0.0) + eps, -1.0 / root); });
  const Matrix<double>& q = solver.eigenvectors();
  Map<T>(out.data(), rows_of(n), rows_of(n)) =
      (q * d.asDiagonal() * q.transpose()).template cast<T>();
}

}  // namespace

template <class T>
void ShampooRule::update(const Params& p, const TensorStep<T>& s, std::span<T> l, std::span<T> r,
                         std::span<T> pl, std::span<T> pr, std::span<T> m, std::span<T> v) {
  const std::size_t rows = s.shape.rows, cols = s.shape.cols;
  const bool left = preconditioned(p, rows), right = preconditioned(p, cols);
  const Eigen::Map<const Matrix<T>> g(s.g.data(), rows_of(rows), rows_of(cols));
  if (left) accumulate(l, rows, g, p.beta2);
  if (right) accumulate(r, cols, g.transpose(), p.beta2);
  const double root = 2.0 * (left ? 1 : 0) + 2.0 * (right ? 1 : 0);
  if (s.t % p.update_every == 0) {
    if (left) inverse_root<T>(l, rows, p.eps, root, pl);
    if (right) inverse_root<T>(r, cols, p.eps, root, pr);
  }
  const auto t = static_cast<double>(s.t);
  const auto b1 = static_cast<T>(p.beta1), c1 = static_cast<T>(1.0 - p.beta1);
  const auto bias1 = static_cast<T>(1.0 - std::pow(p.beta1, t));
  Matrix<T> mhat(rows_of(rows), rows_of(cols));
  for (std::size_t i = 0; i < m.size(); ++i) {
    m[i] = b1 * m[i] + c1 * s.g[i];
    mhat.data()[i] = m[i] / bias1;
  }
  // Shampoo's direction, once the roots have been computed.
  const bool shampoo = root > 0 && s.t >= p.update_every;
  Matrix<T> dir = mhat;
  if (shampoo && left) dir = Map<T>(pl.data(), rows_of(rows), rows_of(rows)) * dir;
  if (shampoo && right) dir = dir * Map<T>(pr.data(), rows_of(cols), rows_of(cols));
  if (p.graft == ShampooGraft::adam) {
    const auto b2 = static_cast<T>(p.graft_beta2), c2 = static_cast<T>(1.0 - p.graft_beta2);
    const auto bias2 = static_cast<T>(1.0 - std::pow(p.graft_beta2, t));
    const auto eps = static_cast<T>(p.graft_eps);
    Matrix<T> adam(rows_of(rows), rows_of(cols));
    for (std::size_t i = 0; i < v.size(); ++i) {
      v[i] = b2 * v[i] + c2 * (s.g[i] * s.g[i]);
      adam.data()[i] = mhat.data()[i] / (std::sqrt(v[i] / bias2) + eps);
    }
    if (shampoo) {
      const double d_norm = norm<T>(std::span<const T>(dir.data(), s.w.size()));
      const double a_norm = norm<T>(std::span<const T>(adam.data(), s.w.size()));
      dir *= static_cast<T>(d_norm > 0 ? a_norm / d_norm : 0.0);
    } else {
      dir = adam;
    }
  }
  const auto lr = static_cast<T>(p.lr), wd = static_cast<T>(p.weight_decay);
  for (std::size_t i = 0; i < s.w.size(); ++i) s.w[i] -= lr * (dir.data()[i] + wd * s.w[i]);
}

template void ShampooRule::update<float>(const Params&, const TensorStep<float>&, std::span<float>,
                                         std::span<float>, std::span<float>, std::span<float>,
                                         std::span<float>, std::span<float>);
template void ShampooRule::update<double>(const Params&, const TensorStep<double>&,
                                          std::span<double>, std::span<double>, std::span<double>,
                                          std::span<double>, std::span<double>, std::span<double>);

}  // namespace descent
