// descent: heavy-ball momentum, in the seed's velocity form.
//
// Update rule, per element (v starts at 0):
//     v <- alpha * v + lr * g
//     w <- w - v
//
// Defaults: lr = 0.1, alpha = 0.9 (the seed's MomentumOptimizer).
// Source: Polyak, "Some methods of speeding up the convergence of iteration methods" (1964).
// Where others differ:
//   - torch.optim.SGD(momentum=alpha) keeps a buffer b <- alpha * b + g and steps w <- w - lr * b.
//     With a constant lr this is the same iteration (v = lr * b) up to rounding; when lr changes
//     during a run the two differ: the velocity form keeps the scale of past learning rates.
//   - keras SGD(momentum=alpha) writes v <- alpha * v - lr * g, w <- w + v: the seed's rule with
//     the opposite sign convention for v.
#pragma once

#include <concepts>
#include <span>
#include <vector>

#include "descent/optimizer.hpp"

namespace descent {

struct MomentumParams {
  double lr = 0.1;     ///< learning rate, >= 0
  double alpha = 0.9;  ///< momentum coefficient, in [0, 1)
};

template <std::floating_point T>
struct MomentumState {
  std::vector<T> velocity;  ///< v, one per parameter
};

/// One momentum update of `w` and `s.velocity` in place. All three must have the same length
/// (else std::invalid_argument).
template <std::floating_point T>
void momentum_step(const MomentumParams& p, MomentumState<T>& s, std::span<T> w,
                   std::span<const T> g);

template <std::floating_point T>
class Momentum final : public Optimizer<T> {
 public:
  /// Throws InputError if a parameter is out of range.
  explicit Momentum(const MomentumParams& params = {});
  const OptimizerInfo& info() const override;
  ParamSet params() const override;
  void reset(std::size_t n) override;
  std::size_t size() const override { return s_.velocity.size(); }
  void step(std::span<T> w, std::span<const T> g) override;
  const MomentumState<T>& state() const { return s_; }

 private:
  MomentumParams p_;
  MomentumState<T> s_;
};

/// The registry entry of `momentum`.
const OptimizerInfo& momentum_info();

extern template class Momentum<float>;
extern template class Momentum<double>;

}  // namespace descent
