// Muon's Newton-Schulz iteration (include/descent/optimizers/muon.hpp), with Eigen's products
// (OpenBLAS's for the larger ones).
#include "descent/optimizers/muon.hpp"

#include "optimizers/factors.hpp"

namespace descent::detail {

template <class T>
void newton_schulz(std::span<T> x, Shape shape, int steps, double eps) {
  Map<T> in(x.data(), eigen_size(shape.rows), eigen_size(shape.cols));
  // On the wide orientation, so that A = X X^T is the smaller Gram matrix.
  Matrix<T> w = shape.rows > shape.cols ? Matrix<T>(in.transpose()) : Matrix<T>(in);
  w /= static_cast<T>(static_cast<double>(w.norm()) + eps);
  const T a = T(3.4445), b = T(-4.7750), c = T(2.0315);
  Matrix<T> gram, poly;
  for (int i = 0; i < steps; ++i) {
    gram.noalias() = w * w.transpose();
    poly.noalias() = c * (gram * gram);
    poly += b * gram;
    w = a * w + poly * w;
  }
  if (shape.rows > shape.cols)
    in = w.transpose();
  else
    in = w;
}

template void newton_schulz<float>(std::span<float>, Shape, int, double);
template void newton_schulz<double>(std::span<double>, Shape, int, double);

}  // namespace descent::detail
