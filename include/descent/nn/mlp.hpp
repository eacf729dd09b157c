// descent: a multilayer perceptron for classification, trained by any descent optimizer.
//
// Layers are fully connected (y = x W^T + b, W stored out x in, row-major, as torch.nn.Linear
// does) with ReLU between them and softmax cross-entropy on the last: sizes {784, 10} is softmax
// regression, {784, 256, 128, 10} the usual MLP for 28 x 28 images. All parameters live in one
// flat vector (each layer's weight, then its bias), so that any Optimizer<T> steps them as one
// vector, and tensors() cuts it into per-layer tensors for step_tensors and ParamGroups.
//
// Forward and backward run on a batch at once with matrix products from the system BLAS
// (OpenBLAS on Debian, through CBLAS), in float (training) or double (gradient checks).
// Gradients are exact: tests/nn_test.cpp compares them with finite differences.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "descent/optimizer.hpp"

namespace descent::nn {

template <std::floating_point T>
class Mlp {
 public:
  /// Where layer k's weight and bias start in parameters().
  struct Layer {
    std::size_t in = 0, out = 0;
    std::size_t weight = 0;  ///< offset of the out x in weight, row-major
    std::size_t bias = 0;    ///< offset of the out biases
  };
  struct Evaluation {
    double loss = 0;          ///< mean cross-entropy
    std::size_t correct = 0;  ///< examples whose largest output is their label
  };

  /// Throws InputError for fewer than two sizes, a zero size, or more than 2^31 parameters.
  explicit Mlp(std::vector<std::size_t> sizes);
  ~Mlp();
  Mlp(const Mlp&);
  Mlp& operator=(const Mlp&);

  const std::vector<std::size_t>& sizes() const { return sizes_; }
  const std::vector<Layer>& layers() const { return layers_; }
  std::size_t parameter_count() const { return params_.size(); }
  std::span<T> parameters() { return params_; }
  std::span<const T> parameters() const { return params_; }
  /// Each layer's weight and bias as tensors over parameters() and `grad` (same layout).
  std::vector<TensorRef<T>> tensors(std::span<const T> grad);
  /// The shapes of tensors(), in order: each layer's weight (out x in), then its bias (out x 1).
  std::vector<Shape> shapes() const;

  /// torch.nn.Linear's default: every weight and bias uniform in [-1/sqrt(in), 1/sqrt(in)),
  /// drawn in parameter order from mt19937_64(seed).
  void initialize(std::uint64_t seed);

  /// The mean cross-entropy of a batch (x: batch x sizes().front(), row-major; y: labels below
  /// sizes().back()) and its gradient, written to `grad` (parameter_count() values); `correct`,
  /// if given, receives how many of the batch the model classified right before the step. Throws
  /// std::invalid_argument for mismatched sizes or a label out of range.
  T loss_and_gradient(std::span<const T> x, std::span<const std::uint8_t> y, std::span<T> grad,
                      std::size_t* correct = nullptr);

  /// Mean loss and correct predictions over many examples (evaluated in chunks of 1000).
  Evaluation evaluate(std::span<const T> x, std::span<const std::uint8_t> y) const;

  /// Labels drawn from the model's own prediction: for each row of x, the first class whose
  /// cumulative softmax probability exceeds the row's number in `u` (uniform in [0, 1)), written
  /// to `y`. Sophia's Gauss-Newton-Bartlett estimate trains against such labels. Throws
  /// std::invalid_argument for an empty batch, mismatched sizes, a number of u outside [0, 1), or
  /// more than 256 classes.
  void sample_labels(std::span<const T> x, std::span<const double> u,
                     std::span<std::uint8_t> y) const;

  /// The product of the Hessian of the batch's mean cross-entropy with `v` (parameter_count()
  /// values, laid out as parameters()), written to `hv`; returns the loss. Exact: the gradient's
  /// directional derivative along v by forward-mode differentiation of the backward pass
  /// (Pearlmutter 1994, "Fast exact multiplication by the Hessian"), with the ReLU's second
  /// derivative taken as 0, as everywhere but on the kink. Costs about three gradients.
  /// Throws std::invalid_argument as loss_and_gradient does, or for a v or hv of the wrong size.
  T hessian_vector_product(std::span<const T> x, std::span<const std::uint8_t> y,
                           std::span<const T> v, std::span<T> hv) const;

 private:
  struct Work;
  std::vector<std::size_t> sizes_;
  std::vector<Layer> layers_;
  std::vector<T> params_;
  std::unique_ptr<Work> work_;  // activations of the last batch, reused
};

extern template class Mlp<float>;
extern template class Mlp<double>;

/// Sets the number of threads the BLAS uses for the matrix products (OpenBLAS; no effect with a
/// single-threaded BLAS).
void set_blas_threads(unsigned n);

/// Stops the BLAS's worker threads until its next multi-threaded call (OpenBLAS; no effect
/// otherwise). OpenBLAS starts them when the program loads, and an idle worker spins for a while
/// before it sleeps, taking a core from the program's own threads: a program that does other work
/// first (a sweep, a tune) calls this before it.
void stop_blas_workers();

}  // namespace descent::nn
