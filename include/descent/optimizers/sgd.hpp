// descent: plain (stochastic) gradient descent.
//
// Update rule, per element:
//     w <- w - lr * g
//
// Defaults: lr = 0.1 (the seed's learning rate).
// Source: Cauchy (1847); Robbins & Monro (1951) for the stochastic version.
// Same as: the seed's SGDOptimizer; torch.optim.SGD(lr) without momentum or weight decay; keras SGD
// with momentum 0; optax.sgd.
#pragma once

#include <concepts>
#include <span>

#include "descent/optimizer.hpp"

namespace descent {

struct SgdParams {
  double lr = 0.1;  ///< learning rate, >= 0
};

/// SGD keeps no state; the struct exists so that every optimizer has the same shape.
template <std::floating_point T>
struct SgdState {};

/// One SGD update of `w` in place. `w` and `g` must have the same length (else
/// std::invalid_argument).
template <std::floating_point T>
void sgd_step(const SgdParams& p, SgdState<T>& s, std::span<T> w, std::span<const T> g);

template <std::floating_point T>
class Sgd final : public Optimizer<T> {
 public:
  /// Throws InputError if a parameter is out of range.
  explicit Sgd(const SgdParams& params = {});
  const OptimizerInfo& info() const override;
  ParamSet params() const override;
  void reset(std::size_t n) override { n_ = n; }
  std::size_t size() const override { return n_; }
  void step(std::span<T> w, std::span<const T> g) override;

 private:
  SgdParams p_;
  SgdState<T> s_;
  std::size_t n_ = 0;
};

/// The registry entry of `sgd`.
const OptimizerInfo& sgd_info();

extern template class Sgd<float>;
extern template class Sgd<double>;

}  // namespace descent
