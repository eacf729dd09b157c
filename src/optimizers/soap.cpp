// SOAP's step (include/descent/optimizers/soap.hpp): products, the first eigendecomposition and
// the QR refreshes by Eigen, the bases computed in double.
#include "descent/optimizers/soap.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "optimizers/factors.hpp"

namespace descent {
namespace {

using detail::eigen_size;
using detail::Matrix;

/// One side's factor f (n x n) and basis q, and which axis of v (rows: 0, columns: 1) it sorts.
template <class T>
struct Side {
  bool on;
  std::span<T> f, q;
  std::size_t n;
  int axis;
};

/// The basis: the eigenvectors of f, eigenvalues descending. Kept where the solver fails.
template <class T>
void eigenbasis(const Side<T>& s) {
  const Matrix<double> a = detail::square(s.f, s.n).template cast<double>();
  const Eigen::SelfAdjointEigenSolver<Matrix<double>> solver(a);
  if (solver.info() != Eigen::Success) return;
  detail::square(s.q, s.n) = solver.eigenvectors().rowwise().reverse().template cast<T>();
}

/// One power step and QR: q <- qr(f q), q's columns first sorted by their Rayleigh quotients
/// diag(q^T f q), descending, and v's rows (axis 0) or columns (axis 1) sorted alike.
template <class T>
void refresh(const Side<T>& s, std::span<T> v, std::size_t rows, std::size_t cols) {
  const Matrix<double> f = detail::square(s.f, s.n).template cast<double>();
  const Matrix<double> q = detail::square(s.q, s.n).template cast<double>();
  const Matrix<double> fq = f * q;
  const Eigen::VectorXd est = q.cwiseProduct(fq).colwise().sum().transpose();
  if (!est.allFinite()) return;  // a factor with NaN or inf: the basis is kept
  std::vector<Eigen::Index> order(s.n);
  std::iota(order.begin(), order.end(), Eigen::Index{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](Eigen::Index a, Eigen::Index b) { return est(a) > est(b); });
  Matrix<double> sorted(eigen_size(s.n), eigen_size(s.n));
  for (std::size_t j = 0; j < s.n; ++j) sorted.col(eigen_size(j)) = fq.col(order[j]);
  const Eigen::HouseholderQR<Matrix<double>> qr(sorted);
  const std::vector<T> old(v.begin(), v.end());  // before the basis changes
  detail::square(s.q, s.n) =
      (qr.householderQ() * Matrix<double>::Identity(eigen_size(s.n), eigen_size(s.n)))
          .template cast<T>();
  for (std::size_t i = 0; i < rows; ++i)
    for (std::size_t j = 0; j < cols; ++j)
      v[i * cols + j] = s.axis == 0 ? old[static_cast<std::size_t>(order[i]) * cols + j]
                                    : old[i * cols + static_cast<std::size_t>(order[j])];
}

/// SOAP's step on one block (the whole tensor unless it is blocked), its pieces of the state
/// arrays given as for a tensor of its shape.
template <class T>
void step_block(const SoapRule::Params& p, const TensorStep<T>& s, std::span<T> l, std::span<T> r,
                std::span<T> ql, std::span<T> qr, std::span<T> m, std::span<T> v) {
  const std::size_t rows = s.shape.rows, cols = s.shape.cols;
  const Side<T> left{SoapRule::preconditioned(p, s.shape, rows), l, ql, rows, 0};
  const Side<T> right{SoapRule::preconditioned(p, s.shape, cols), r, qr, cols, 1};
  const auto g = detail::view(s.g, rows, cols);
  const auto factor = [&](double beta) {
    if (left.on) detail::accumulate_factor(l, rows, g, beta);
    if (right.on) detail::accumulate_factor(r, cols, g.transpose(), beta);
  };
  const auto refresh_both = [&] {
    if (left.on) refresh(left, v, rows, cols);
    if (right.on) refresh(right, v, rows, cols);
  };
  if (s.t == 1) {  // the bases from the first gradient; no step
    factor(0.0);
    if (left.on) eigenbasis(left);
    if (right.on) eigenbasis(right);
    refresh_both();
    return;
  }
  // x in the bases (QL^T x QR), or back (QL x QR^T); a side without a factor is the identity.
  const auto project = [&](const Matrix<T>& x, bool back) {
    Matrix<T> y = x;
    if (left.on) {
      const auto q = detail::square(ql, rows);
      y = back ? Matrix<T>(q * y) : Matrix<T>(q.transpose() * y);
    }
    if (right.on) {
      const auto q = detail::square(qr, cols);
      y = back ? Matrix<T>(y * q.transpose()) : Matrix<T>(y * q);
    }
    return y;
  };
  const auto k = static_cast<double>(s.t - 1);
  const auto debiased = [&](double beta) { return 1.0 - (1.0 - beta) / (1.0 - std::pow(beta, k)); };
  const double d1 = debiased(p.beta1), d2 = debiased(p.beta2);
  const Matrix<T> gp = project(g, false);
  const auto b1 = static_cast<T>(d1), c1 = static_cast<T>(1.0 - d1);
  const auto b2 = static_cast<T>(d2), c2 = static_cast<T>(1.0 - d2);
  Matrix<T> mm(eigen_size(rows), eigen_size(cols));
  for (std::size_t i = 0; i < m.size(); ++i) {
    m[i] = b1 * m[i] + c1 * s.g[i];
    mm.data()[i] = m[i];
    v[i] = b2 * v[i] + c2 * (gp.data()[i] * gp.data()[i]);
  }
  Matrix<T> u = project(mm, false);
  const auto eps = static_cast<T>(p.eps);
  for (std::size_t i = 0; i < v.size(); ++i) u.data()[i] /= std::max(std::sqrt(v[i]), eps);
  u = project(u, true);
  factor(d2);
  if (static_cast<std::int64_t>(k) % p.update_every == 0) refresh_both();
  const auto lr = static_cast<T>(p.lr), keep = static_cast<T>(1.0 - p.lr * p.weight_decay);
  for (std::size_t i = 0; i < s.w.size(); ++i) s.w[i] = keep * s.w[i] - lr * u.data()[i];
}

}  // namespace

template <class T>
void SoapRule::update(const Params& p, const TensorStep<T>& s, std::span<T> l, std::span<T> r,
                      std::span<T> ql, std::span<T> qr, std::span<T> m, std::span<T> v) {
  detail::step_blocks<SoapRule>(p, s, l, r, ql, qr, m, v, step_block<T>);
}

template void SoapRule::update<float>(const Params&, const TensorStep<float>&, std::span<float>,
                                      std::span<float>, std::span<float>, std::span<float>,
                                      std::span<float>, std::span<float>);
template void SoapRule::update<double>(const Params&, const TensorStep<double>&, std::span<double>,
                                       std::span<double>, std::span<double>, std::span<double>,
                                       std::span<double>, std::span<double>);

}  // namespace descent
