#define EIGEN_USE_BLAS
#include "descent/nn/mlp.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include "descent/error.hpp"

extern "C" void openblas_set_num_threads(int) __attribute__((weak));

namespace descent::nn {

void set_blas_threads(unsigned n) {
  if (openblas_set_num_threads != nullptr) openblas_set_num_threads(static_cast<int>(n));
}

template <std::floating_point T>
struct Mlp<T>::Work {
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  std::vector<Matrix> a;      // a[0] = input, a[k+1] = output of layer k (ReLU'd except the last)
  std::vector<Matrix> delta;  // delta[k]: gradient with respect to layer k's output
  Matrix back;                // gradient with respect to a layer's input, before the ReLU
};

template <std::floating_point T>
Mlp<T>::Mlp(std::vector<std::size_t> sizes) : sizes_(std::move(sizes)), work_(new Work) {
  if (sizes_.size() < 2) throw InputError("a model needs at least an input and an output size");
  double total = 0;
  for (std::size_t s : sizes_) {
    if (s == 0) throw InputError("a layer size must be at least 1");
  }
  std::size_t at = 0;
  for (std::size_t k = 0; k + 1 < sizes_.size(); ++k) {
    Layer l{sizes_[k], sizes_[k + 1], at, at + sizes_[k] * sizes_[k + 1]};
    at = l.bias + l.out;
    total += static_cast<double>(l.in + 1) * static_cast<double>(l.out);
    layers_.push_back(l);
  }
  if (total > 2147483648.0) throw InputError("a model may have at most 2^31 parameters");
  params_.assign(at, T(0));
}

template <std::floating_point T>
Mlp<T>::~Mlp() = default;

template <std::floating_point T>
Mlp<T>::Mlp(const Mlp& other)
    : sizes_(other.sizes_), layers_(other.layers_), params_(other.params_), work_(new Work) {}

template <std::floating_point T>
Mlp<T>& Mlp<T>::operator=(const Mlp& other) {
  if (this != &other) {
    sizes_ = other.sizes_;
    layers_ = other.layers_;
    params_ = other.params_;
    work_ = std::make_unique<Work>();
  }
  return *this;
}

template <std::floating_point T>
std::vector<TensorRef<T>> Mlp<T>::tensors(std::span<const T> grad) {
  if (grad.size() != params_.size())
    throw std::invalid_argument("Mlp::tensors: the gradient has the wrong size");
  std::vector<TensorRef<T>> out;
  for (const Layer& l : layers_) {
    out.push_back({std::span<T>(params_).subspan(l.weight, l.in * l.out),
                   grad.subspan(l.weight, l.in * l.out)});
    out.push_back({std::span<T>(params_).subspan(l.bias, l.out), grad.subspan(l.bias, l.out)});
  }
  return out;
}

template <std::floating_point T>
void Mlp<T>::initialize(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (const Layer& l : layers_) {
    const double bound = 1.0 / std::sqrt(static_cast<double>(l.in));
    for (std::size_t i = l.weight; i < l.bias + l.out; ++i) {
      // A uniform number in [0, 1) from the generator's output, mapped by hand so that every
      // standard library draws the same parameters.
      const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
      params_[i] = static_cast<T>(-bound + 2 * bound * u);
    }
  }
}

namespace {

template <class T>
using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using ConstMap = Eigen::Map<const Matrix<T>>;
template <class T>
using Vector = Eigen::Matrix<T, 1, Eigen::Dynamic>;

// Forward through every layer: a[0] = x, a[k+1] = relu(a[k] W_k^T + b_k) (no ReLU on the last).
template <class T, class Layer>
void forward(const std::vector<Layer>& layers, const std::vector<T>& params,
             std::vector<Matrix<T>>& a) {
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const Layer& l = layers[k];
    const ConstMap<T> w(params.data() + l.weight, static_cast<Eigen::Index>(l.out),
                        static_cast<Eigen::Index>(l.in));
    const Eigen::Map<const Vector<T>> b(params.data() + l.bias, static_cast<Eigen::Index>(l.out));
    a[k + 1].noalias() = a[k] * w.transpose();
    a[k + 1].rowwise() += b;
    if (k + 1 < layers.size()) a[k + 1] = a[k + 1].cwiseMax(T(0));
  }
}

// Log-softmax of each row of the logits, in place, with the row's largest value subtracted first.
template <class T>
void log_softmax(Matrix<T>& z) {
  for (Eigen::Index i = 0; i < z.rows(); ++i) {
    const T m = z.row(i).maxCoeff();
    const T lse = m + std::log((z.row(i).array() - m).exp().sum());
    z.row(i).array() -= lse;
  }
}

template <class T>
void check_batch(std::size_t in, std::size_t classes, std::size_t xs,
                 std::span<const std::uint8_t> y) {
  if (y.empty() || xs != y.size() * in)
    throw std::invalid_argument("Mlp: the batch has " + std::to_string(xs) + " inputs for " +
                                std::to_string(y.size()) + " labels of " + std::to_string(in) +
                                " features");
  for (std::uint8_t label : y)
    if (label >= classes)
      throw std::invalid_argument("Mlp: label " + std::to_string(label) + " is not below " +
                                  std::to_string(classes));
}

}  // namespace

template <std::floating_point T>
T Mlp<T>::loss_and_gradient(std::span<const T> x, std::span<const std::uint8_t> y,
                            std::span<T> grad) {
  const std::size_t in = sizes_.front(), classes = sizes_.back();
  check_batch<T>(in, classes, x.size(), y);
  if (grad.size() != params_.size())
    throw std::invalid_argument("Mlp: the gradient has the wrong size");
  const auto batch = static_cast<Eigen::Index>(y.size());
  std::vector<Matrix<T>>& a = work_->a;
  a.resize(layers_.size() + 1);
  a[0] = ConstMap<T>(x.data(), batch, static_cast<Eigen::Index>(in));
  forward(layers_, params_, a);
  // Loss: the mean of -log softmax(z)_y; its gradient with respect to z: (softmax - onehot) / B.
  Matrix<T>& z = a.back();
  log_softmax(z);
  double loss = 0;
  for (Eigen::Index i = 0; i < batch; ++i)
    loss -= static_cast<double>(z(i, y[static_cast<std::size_t>(i)]));
  work_->delta.resize(layers_.size());
  Matrix<T>& delta = work_->delta.back();
  delta = z.array().exp();
  for (Eigen::Index i = 0; i < batch; ++i) delta(i, y[static_cast<std::size_t>(i)]) -= T(1);
  delta /= static_cast<T>(batch);
  // Backward: dW = delta^T a, db = column sums of delta, then through W and the ReLU.
  for (std::size_t k = layers_.size(); k-- > 0;) {
    const Layer& l = layers_[k];
    const Matrix<T>& d = work_->delta[k];
    Eigen::Map<Matrix<T>> dw(grad.data() + l.weight, static_cast<Eigen::Index>(l.out),
                             static_cast<Eigen::Index>(l.in));
    Eigen::Map<Vector<T>> db(grad.data() + l.bias, static_cast<Eigen::Index>(l.out));
    dw.noalias() = d.transpose() * a[k];
    db = d.colwise().sum();
    if (k == 0) break;
    const ConstMap<T> w(params_.data() + l.weight, static_cast<Eigen::Index>(l.out),
                        static_cast<Eigen::Index>(l.in));
    work_->back.noalias() = d * w;
    // ReLU: the gradient passes where the layer's output was positive.
    work_->delta[k - 1] = (a[k].array() > T(0)).select(work_->back, T(0));
  }
  return static_cast<T>(loss / static_cast<double>(batch));
}

template <std::floating_point T>
typename Mlp<T>::Evaluation Mlp<T>::evaluate(std::span<const T> x,
                                             std::span<const std::uint8_t> y) const {
  const std::size_t in = sizes_.front(), classes = sizes_.back();
  check_batch<T>(in, classes, x.size(), y);
  Evaluation e;
  std::vector<Matrix<T>> a(layers_.size() + 1);
  constexpr std::size_t kChunk = 1000;
  for (std::size_t first = 0; first < y.size(); first += kChunk) {
    const std::size_t n = std::min(kChunk, y.size() - first);
    a[0] = ConstMap<T>(x.data() + first * in, static_cast<Eigen::Index>(n),
                       static_cast<Eigen::Index>(in));
    forward(layers_, params_, a);
    Matrix<T>& z = a.back();
    for (Eigen::Index i = 0; i < z.rows(); ++i) {
      Eigen::Index best = 0;
      z.row(i).maxCoeff(&best);
      if (static_cast<std::size_t>(best) == y[first + static_cast<std::size_t>(i)]) ++e.correct;
    }
    log_softmax(z);
    for (Eigen::Index i = 0; i < z.rows(); ++i)
      e.loss -= static_cast<double>(z(i, y[first + static_cast<std::size_t>(i)]));
  }
  e.loss /= static_cast<double>(y.size());
  return e;
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace descent::nn
