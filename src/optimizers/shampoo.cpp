// Shampoo's step (include/descent/optimizers/shampoo.hpp): products and eigendecompositions by
// Eigen, the inverse roots computed in double.
#include "descent/optimizers/shampoo.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include "optimizers/factors.hpp"

namespace descent {
namespace {

using detail::eigen_size;
using detail::Matrix;

/// out = (f + eps I)^(-1/root) for the symmetric n x n factor f, in double: eigenvalues below 0
/// (rounding) are taken as 0. Where the solver fails (a factor with NaN), `out` is kept.
template <class T>
void inverse_root(std::span<const T> f, std::size_t n, double eps, double root, std::span<T> out) {
  const Matrix<double> a = detail::view(f, n, n).template cast<double>();
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> solver(a);
  if (solver.info() != Eigen::Success) return;
  const Eigen::VectorXd d = solver.eigenvalues().unaryExpr(
      [&](double x) { return std::pow(std::max(x, 0.0) + eps, -1.0 / root); });
  const Matrix<double>& q = solver.eigenvectors();
  detail::square(out, n) = (q * d.asDiagonal() * q.transpose()).template cast<T>();
}

/// Shampoo's step on one block (the whole tensor unless it is blocked), its pieces of the state
/// arrays given as for a tensor of its shape.
template <class T>
void step_block(const ShampooRule::Params& p, const TensorStep<T>& s, std::span<T> l,
                std::span<T> r, std::span<T> pl, std::span<T> pr, std::span<T> m, std::span<T> v) {
  const std::size_t rows = s.shape.rows, cols = s.shape.cols;
  const bool left = ShampooRule::preconditioned(p, s.shape, rows);
  const bool right = ShampooRule::preconditioned(p, s.shape, cols);
  const auto g = detail::view(s.g, rows, cols);
  if (left) detail::accumulate_factor(l, rows, g, p.beta2);
  if (right) detail::accumulate_factor(r, cols, g.transpose(), p.beta2);
  const double root = 2.0 * (left ? 1 : 0) + 2.0 * (right ? 1 : 0);
  if (s.t % p.update_every == 0) {
    if (left) inverse_root<T>(l, rows, p.eps, root, pl);
    if (right) inverse_root<T>(r, cols, p.eps, root, pr);
  }
  const auto t = static_cast<double>(s.t);
  const auto b1 = static_cast<T>(p.beta1), c1 = static_cast<T>(1.0 - p.beta1);
  const auto bias1 = static_cast<T>(1.0 - std::pow(p.beta1, t));
  Matrix<T> mhat(eigen_size(rows), eigen_size(cols));
  for (std::size_t i = 0; i < m.size(); ++i) {
    m[i] = b1 * m[i] + c1 * s.g[i];
    mhat.data()[i] = m[i] / bias1;
  }
  // Shampoo's direction, once the roots have been computed.
  const bool shampoo = root > 0 && s.t >= p.update_every;
  Matrix<T> dir = mhat;
  if (shampoo && left) dir = detail::square(pl, rows) * dir;
  if (shampoo && right) dir = dir * detail::square(pr, cols);
  if (p.graft == ShampooGraft::adam) {
    const auto b2 = static_cast<T>(p.graft_beta2), c2 = static_cast<T>(1.0 - p.graft_beta2);
    const auto bias2 = static_cast<T>(1.0 - std::pow(p.graft_beta2, t));
    const auto eps = static_cast<T>(p.graft_eps);
    Matrix<T> adam(eigen_size(rows), eigen_size(cols));
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

}  // namespace

template <class T>
void ShampooRule::update(const Params& p, const TensorStep<T>& s, std::span<T> l, std::span<T> r,
                         std::span<T> pl, std::span<T> pr, std::span<T> m, std::span<T> v) {
  detail::step_blocks<ShampooRule>(p, s, l, r, pl, pr, m, v, step_block<T>);
}

template void ShampooRule::update<float>(const Params&, const TensorStep<float>&, std::span<float>,
                                         std::span<float>, std::span<float>, std::span<float>,
                                         std::span<float>, std::span<float>);
template void ShampooRule::update<double>(const Params&, const TensorStep<double>&,
                                          std::span<double>, std::span<double>, std::span<double>,
                                          std::span<double>, std::span<double>, std::span<double>);

}  // namespace descent
