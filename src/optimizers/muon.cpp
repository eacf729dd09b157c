// Muon's Newton-Schulz iteration (include/descent/optimizers/muon.hpp), with Eigen's products.
#include "descent/optimizers/muon.hpp"

#include <Eigen/Core>

namespace descent::detail {

template <class T>
void newton_schulz(std::span<T> x, Shape shape, int steps, double eps) {
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  const auto rows = static_cast<Eigen::Index>(shape.rows);
  const auto cols = static_cast<Eigen::Index>(shape.cols);
  Eigen::Map<Matrix> in(x.data(), rows, cols);
  // On the wide orientation, so that A = X X^T is the smaller Gram matrix.
  Matrix w = rows > cols ? Matrix(in.transpose()) : Matrix(in);
  w /= static_cast<T>(static_cast<double>(w.norm()) + eps);
  const T a = T(3.4445), b = T(-4.7750), c = T(2.0315);
  Matrix gram, poly;
  for (int i = 0; i < steps; ++i) {
    gram.noalias() = w * w.transpose();
    poly.noalias() = c * (gram * gram);
    poly += b * gram;
    w = a * w + poly * w;
  }
  if (rows > cols)
    in = w.transpose();
  else
    in = w;
}

template void newton_schulz<float>(std::span<float>, Shape, int, double);
template void newton_schulz<double>(std::span<double>, Shape, int, double);

}  // namespace descent::detail
