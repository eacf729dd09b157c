#include "descent/nn/mlp.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>

#include "descent/error.hpp"
#include "nn/blas.hpp"

extern "C" void openblas_set_num_threads(int) __attribute__((weak));
// OpenBLAS's own: stops its worker threads, which its next multi-threaded call starts again (its
// handler for fork() does the same).
extern "C" int blas_thread_shutdown_(void) __attribute__((weak));

namespace descent::nn {

void set_blas_threads(unsigned n) {
  if (openblas_set_num_threads != nullptr) openblas_set_num_threads(static_cast<int>(n));
}

void stop_blas_workers() {
  if (blas_thread_shutdown_ != nullptr) blas_thread_shutdown_();
}

namespace {

using detail::gemm;
using detail::log_softmax;

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

// Forward through every layer for `n` rows of x: out_k = relu(in_k W_k^T + b_k) (no ReLU on the
// last), the bias written first and the product added to it. a[k] holds out_k.
template <class T, class Layer>
void forward(const std::vector<Layer>& layers, const std::vector<T>& params, const T* x,
             std::size_t n, std::vector<std::vector<T>>& a) {
  a.resize(layers.size());
  const T* in = x;
  for (std::size_t k = 0; k < layers.size(); ++k) {
    const Layer& l = layers[k];
    std::vector<T>& out = a[k];
    out.resize(n * l.out);
    const T* b = params.data() + l.bias;
    for (std::size_t i = 0; i < n; ++i) std::copy_n(b, l.out, out.data() + i * l.out);
    gemm(false, true, n, l.out, l.in, in, l.in, params.data() + l.weight, l.in, T(1), out.data());
    if (k + 1 < layers.size())
      for (T& v : out) v = std::max(v, T(0));
    in = out.data();
  }
}

}  // namespace

template <std::floating_point T>
struct Mlp<T>::Work {
  std::vector<std::vector<T>> a;      // a[k]: output of layer k (ReLU'd except the last)
  std::vector<std::vector<T>> delta;  // delta[k]: gradient with respect to layer k's output
  std::vector<T> back;                // gradient with respect to a layer's input, before ReLU
};

template <std::floating_point T>
Mlp<T>::Mlp(std::vector<std::size_t> sizes) : sizes_(std::move(sizes)), work_(new Work) {
  if (sizes_.size() < 2) throw InputError("a model needs at least an input and an output size");
  for (std::size_t s : sizes_)
    if (s == 0) throw InputError("a layer size must be at least 1");
  double total = 0;
  std::size_t at = 0;
  for (std::size_t k = 0; k + 1 < sizes_.size(); ++k) {
    Layer l{sizes_[k], sizes_[k + 1], at, at + sizes_[k] * sizes_[k + 1]};
    at = l.bias + l.out;
    total += static_cast<double>(l.in + 1) * static_cast<double>(l.out);
    layers_.push_back(l);
  }
  if (total > 2147483647.0) throw InputError("a model may have at most 2^31 - 1 parameters");
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
std::vector<Shape> Mlp<T>::shapes() const {
  std::vector<Shape> out;
  for (const Layer& l : layers_) {
    out.push_back({l.out, l.in});
    out.push_back({l.out, 1});
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

template <std::floating_point T>
T Mlp<T>::loss_and_gradient(std::span<const T> x, std::span<const std::uint8_t> y,
                            std::span<T> grad, std::size_t* correct) {
  const std::size_t in = sizes_.front(), classes = sizes_.back(), n = y.size();
  check_batch<T>(in, classes, x.size(), y);
  if (grad.size() != params_.size())
    throw std::invalid_argument("Mlp: the gradient has the wrong size");
  Work& w = *work_;
  forward(layers_, params_, x.data(), n, w.a);
  // Loss: the mean of -log softmax(z)_y; its gradient with respect to z: (softmax - onehot) / n.
  std::vector<T>& z = w.a.back();
  if (correct != nullptr) {
    *correct = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const T* row = z.data() + i * classes;
      *correct += static_cast<std::size_t>(std::max_element(row, row + classes) - row) == y[i];
    }
  }
  log_softmax(z.data(), n, classes);
  double loss = 0;
  for (std::size_t i = 0; i < n; ++i) loss -= static_cast<double>(z[i * classes + y[i]]);
  w.delta.resize(layers_.size());
  std::vector<T>& top = w.delta.back();
  top.resize(n * classes);
  const T scale = T(1) / static_cast<T>(n);
  for (std::size_t i = 0; i < n * classes; ++i) top[i] = std::exp(z[i]) * scale;
  for (std::size_t i = 0; i < n; ++i) top[i * classes + y[i]] -= scale;
  // Backward: dW = delta^T in, db = column sums of delta, then through W and the ReLU.
  for (std::size_t k = layers_.size(); k-- > 0;) {
    const Layer& l = layers_[k];
    const std::vector<T>& d = w.delta[k];
    const T* input = k == 0 ? x.data() : w.a[k - 1].data();
    gemm(true, false, l.out, l.in, n, d.data(), l.out, input, l.in, T(0), grad.data() + l.weight);
    T* db = grad.data() + l.bias;
    std::fill_n(db, l.out, T(0));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < l.out; ++j) db[j] += d[i * l.out + j];
    if (k == 0) break;
    w.back.resize(n * l.in);
    gemm(false, false, n, l.in, l.out, d.data(), l.out, params_.data() + l.weight, l.in, T(0),
         w.back.data());
    // ReLU: the gradient passes where the layer's output was positive.
    std::vector<T>& below = w.delta[k - 1];
    const std::vector<T>& out = w.a[k - 1];
    below.resize(n * l.in);
    for (std::size_t i = 0; i < below.size(); ++i) below[i] = out[i] > T(0) ? w.back[i] : T(0);
  }
  return static_cast<T>(loss / static_cast<double>(n));
}

template <std::floating_point T>
typename Mlp<T>::Evaluation Mlp<T>::evaluate(std::span<const T> x,
                                             std::span<const std::uint8_t> y) const {
  const std::size_t in = sizes_.front(), classes = sizes_.back();
  check_batch<T>(in, classes, x.size(), y);
  Evaluation e;
  std::vector<std::vector<T>> a;
  constexpr std::size_t kChunk = 1000;
  for (std::size_t first = 0; first < y.size(); first += kChunk) {
    const std::size_t n = std::min(kChunk, y.size() - first);
    forward(layers_, params_, x.data() + first * in, n, a);
    std::vector<T>& z = a.back();
    for (std::size_t i = 0; i < n; ++i) {
      const T* row = z.data() + i * classes;
      const auto best = static_cast<std::size_t>(std::max_element(row, row + classes) - row);
      if (best == y[first + i]) ++e.correct;
    }
    log_softmax(z.data(), n, classes);
    for (std::size_t i = 0; i < n; ++i)
      e.loss -= static_cast<double>(z[i * classes + y[first + i]]);
  }
  e.loss /= static_cast<double>(y.size());
  return e;
}

template <std::floating_point T>
void Mlp<T>::sample_labels(std::span<const T> x, std::span<const double> u,
                           std::span<std::uint8_t> y) const {
  const std::size_t in = sizes_.front(), classes = sizes_.back(), n = u.size();
  if (n == 0 || y.size() != n || x.size() != n * in)
    throw std::invalid_argument("Mlp: " + std::to_string(x.size()) + " inputs, " +
                                std::to_string(u.size()) + " uniform numbers and " +
                                std::to_string(y.size()) + " labels do not make a batch of " +
                                std::to_string(in) + " features");
  if (classes > 256)
    throw std::invalid_argument("Mlp: " + std::to_string(classes) +
                                " classes do not fit labels of one byte");
  for (double v : u)
    if (!(v >= 0 && v < 1))
      throw std::invalid_argument("Mlp: " + std::to_string(v) + " is not a number in [0, 1)");
  std::vector<std::vector<T>> a;
  forward(layers_, params_, x.data(), n, a);
  std::vector<T>& z = a.back();
  log_softmax(z.data(), n, classes);
  for (std::size_t i = 0; i < n; ++i) {
    // The last class of positive probability, should rounding leave the sum below u.
    std::size_t pick = 0;
    double below = 0;
    for (std::size_t c = 0; c < classes; ++c) {
      const double p = std::exp(static_cast<double>(z[i * classes + c]));
      if (p > 0) pick = c;
      below += p;
      if (u[i] < below) break;
    }
    y[i] = static_cast<std::uint8_t>(pick);
  }
}

template <std::floating_point T>
T Mlp<T>::hessian_vector_product(std::span<const T> x, std::span<const std::uint8_t> y,
                                 std::span<const T> v, std::span<T> hv) const {
  const std::size_t in = sizes_.front(), classes = sizes_.back(), n = y.size();
  check_batch<T>(in, classes, x.size(), y);
  if (v.size() != params_.size() || hv.size() != params_.size())
    throw std::invalid_argument(
        "Mlp: the vector and the product must have one value per parameter");
  const std::size_t depth = layers_.size();
  // Forward, and its derivative along v: rz_k = rh_{k-1} W_k^T + h_{k-1} V_k^T + vb_k, and
  // rh_k = relu'(z_k) rz_k (rh_0 = 0: the inputs do not move).
  std::vector<std::vector<T>> a, ra(depth);
  forward(layers_, params_, x.data(), n, a);
  for (std::size_t k = 0; k < depth; ++k) {
    const Layer& l = layers_[k];
    std::vector<T>& r = ra[k];
    r.resize(n * l.out);
    const T* vb = v.data() + l.bias;
    for (std::size_t i = 0; i < n; ++i) std::copy_n(vb, l.out, r.data() + i * l.out);
    const T* h = k == 0 ? x.data() : a[k - 1].data();
    gemm(false, true, n, l.out, l.in, h, l.in, v.data() + l.weight, l.in, T(1), r.data());
    if (k > 0)
      gemm(false, true, n, l.out, l.in, ra[k - 1].data(), l.in, params_.data() + l.weight, l.in,
           T(1), r.data());
    if (k + 1 < depth)
      for (std::size_t i = 0; i < r.size(); ++i)
        if (!(a[k][i] > T(0))) r[i] = T(0);
  }
  // The loss's gradient at the logits, delta = (p - onehot) / n, and its derivative along v,
  // r delta = p * (rz - <p, rz>) / n per row.
  std::vector<T>& z = a.back();
  log_softmax(z.data(), n, classes);
  double loss = 0;
  for (std::size_t i = 0; i < n; ++i) loss -= static_cast<double>(z[i * classes + y[i]]);
  const T scale = T(1) / static_cast<T>(n);
  std::vector<T> delta(n * classes), rdelta(n * classes);
  const std::vector<T>& rz = ra.back();
  for (std::size_t i = 0; i < n; ++i) {
    T dot = 0;
    for (std::size_t j = 0; j < classes; ++j)
      dot += std::exp(z[i * classes + j]) * rz[i * classes + j];
    for (std::size_t j = 0; j < classes; ++j) {
      const T p = std::exp(z[i * classes + j]);
      delta[i * classes + j] = p * scale;
      rdelta[i * classes + j] = p * (rz[i * classes + j] - dot) * scale;
    }
    delta[i * classes + y[i]] -= scale;
  }
  // Backward and its derivative: r gW_k = rdelta_k^T h_{k-1} + delta_k^T rh_{k-1},
  // r gb_k = column sums of rdelta_k, r back = rdelta_k W_k + delta_k V_k, through the ReLU.
  std::vector<T> back, rback;
  for (std::size_t k = depth; k-- > 0;) {
    const Layer& l = layers_[k];
    const T* h = k == 0 ? x.data() : a[k - 1].data();
    gemm(true, false, l.out, l.in, n, rdelta.data(), l.out, h, l.in, T(0), hv.data() + l.weight);
    if (k > 0)
      gemm(true, false, l.out, l.in, n, delta.data(), l.out, ra[k - 1].data(), l.in, T(1),
           hv.data() + l.weight);
    T* hb = hv.data() + l.bias;
    std::fill_n(hb, l.out, T(0));
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < l.out; ++j) hb[j] += rdelta[i * l.out + j];
    if (k == 0) break;
    back.resize(n * l.in);
    rback.resize(n * l.in);
    gemm(false, false, n, l.in, l.out, delta.data(), l.out, params_.data() + l.weight, l.in, T(0),
         back.data());
    gemm(false, false, n, l.in, l.out, rdelta.data(), l.out, params_.data() + l.weight, l.in, T(0),
         rback.data());
    gemm(false, false, n, l.in, l.out, delta.data(), l.out, v.data() + l.weight, l.in, T(1),
         rback.data());
    const std::vector<T>& out = a[k - 1];
    for (std::size_t i = 0; i < back.size(); ++i)
      if (!(out[i] > T(0))) back[i] = rback[i] = T(0);
    delta.swap(back);
    rdelta.swap(rback);
  }
  return static_cast<T>(loss / static_cast<double>(n));
}

template class Mlp<float>;
template class Mlp<double>;

}  // namespace descent::nn
