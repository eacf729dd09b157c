// descent: RMSProp, as the seed writes it.
//
// Update rule, per element (s starts at 0):
//     s <- beta * s + (1 - beta) * g^2
//     w <- w - lr * g / (sqrt(s) + eps)
//
// Defaults: lr = 0.1, beta = 0.9, eps = 1e-10 (the seed's RMSPropOptimizer).
// Source: Tieleman & Hinton, COURSERA "Neural Networks for Machine Learning", lecture 6.5 (2012).
// Where others differ:
//   - torch.optim.RMSprop calls beta `alpha` (default 0.99), defaults lr = 0.01 and eps = 1e-8,
//     and adds eps outside the root as here.
//   - keras RMSprop calls beta `rho` (default 0.9) and adds eps outside the root as well.
//   - optax.rmsprop (decay 0.9, eps 1e-8) adds eps inside the root by default:
//     g / sqrt(s + eps), which matters when s is tiny (early steps, vanishing gradients).
#pragma once

#include <concepts>
#include <span>
#include <vector>

#include "descent/optimizer.hpp"

namespace descent {

struct RmspropParams {
  double lr = 0.1;     ///< learning rate, >= 0
  double beta = 0.9;   ///< decay of the running mean of g^2, in [0, 1)
  double eps = 1e-10;  ///< added to sqrt(s) in the denominator, >= 0
};

template <std::floating_point T>
struct RmspropState {
  std::vector<T> square_avg;  ///< s, the running mean of g^2, one per parameter
};

/// One RMSProp update of `w` and `s.square_avg` in place. All three must have the same length
/// (else std::invalid_argument).
template <std::floating_point T>
void rmsprop_step(const RmspropParams& p, RmspropState<T>& s, std::span<T> w, std::span<const T> g);

template <std::floating_point T>
class Rmsprop final : public Optimizer<T> {
 public:
  /// Throws InputError if a parameter is out of range.
  explicit Rmsprop(const RmspropParams& params = {});
  const OptimizerInfo& info() const override;
  ParamSet params() const override;
  void reset(std::size_t n) override;
  std::size_t size() const override { return s_.square_avg.size(); }
  void step(std::span<T> w, std::span<const T> g) override;
  const RmspropState<T>& state() const { return s_; }

 private:
  RmspropParams p_;
  RmspropState<T> s_;
};

/// The registry entry of `rmsprop`.
const OptimizerInfo& rmsprop_info();

extern template class Rmsprop<float>;
extern template class Rmsprop<double>;

}  // namespace descent
