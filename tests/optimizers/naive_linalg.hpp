// Test helper: naive dense linear algebra in plain loops, independent of the library's Eigen, for
// the references of the optimizers that keep matrices (Shampoo, SOAP).
#pragma once

#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

namespace descent::test {

using Mat = std::vector<std::vector<double>>;

inline Mat zeros(std::size_t n, std::size_t m) { return Mat(n, std::vector<double>(m, 0.0)); }

inline Mat identity(std::size_t n) {
  Mat a = zeros(n, n);
  for (std::size_t i = 0; i < n; ++i) a[i][i] = 1.0;
  return a;
}

inline Mat product(const Mat& a, const Mat& b) {
  Mat c = zeros(a.size(), b[0].size());
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t k = 0; k < b.size(); ++k)
      for (std::size_t j = 0; j < b[0].size(); ++j) c[i][j] += a[i][k] * b[k][j];
  return c;
}

inline Mat transpose(const Mat& a) {
  Mat t = zeros(a[0].size(), a.size());
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < a[0].size(); ++j) t[j][i] = a[i][j];
  return t;
}

/// The eigenvalues and eigenvectors (the columns of the second) of a symmetric matrix by the
/// cyclic Jacobi method: rotations until the off-diagonal mass is below 1e-32 of the whole.
inline std::pair<std::vector<double>, Mat> jacobi_eigen(Mat a) {
  const std::size_t n = a.size();
  Mat v = identity(n);
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0, all = 0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) {
        all += a[i][j] * a[i][j];
        if (i != j) off += a[i][j] * a[i][j];
      }
    if (off <= 1e-32 * all) break;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) {
        if (a[p][q] == 0.0) continue;
        const double theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const double t = (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::hypot(theta, 1.0));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        const auto rotate = [&](double& x, double& y) {
          const double xp = x, yq = y;
          x = c * xp - s * yq;
          y = s * xp + c * yq;
        };
        for (std::size_t k = 0; k < n; ++k) rotate(a[k][p], a[k][q]);
        for (std::size_t k = 0; k < n; ++k) rotate(a[p][k], a[q][k]);
        for (std::size_t k = 0; k < n; ++k) rotate(v[k][p], v[k][q]);
      }
  }
  std::vector<double> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = a[i][i];
  return {values, v};
}

/// The Q of the QR decomposition of a square matrix of independent columns, by modified
/// Gram-Schmidt (R's diagonal positive).
inline Mat gram_schmidt_q(const Mat& a) {
  const std::size_t n = a.size();
  Mat q = a;
  for (std::size_t j = 0; j < n; ++j) {
    for (std::size_t k = 0; k < j; ++k) {
      double dot = 0;
      for (std::size_t i = 0; i < n; ++i) dot += q[i][k] * q[i][j];
      for (std::size_t i = 0; i < n; ++i) q[i][j] -= dot * q[i][k];
    }
    double norm = 0;
    for (std::size_t i = 0; i < n; ++i) norm += q[i][j] * q[i][j];
    norm = std::sqrt(norm);
    for (std::size_t i = 0; i < n; ++i) q[i][j] /= norm;
  }
  return q;
}

}  // namespace descent::test
