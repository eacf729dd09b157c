// descent: heavy-ball momentum, in the seed's velocity form.
//
// Update rule, per element (v starts at 0; t counts steps from 1):
//     g <- g + weight_decay * w                  (only if weight_decay != 0)
//     v <- lr * g                                 (t = 1)
//     v <- alpha * v + (1 - dampening) * lr * g   (t > 1)
//     w <- w - v
//
// Defaults: lr = 0.1, alpha = 0.9 (the seed's MomentumOptimizer), dampening = 0, weight_decay = 0.
// With dampening = 0 the rule is the seed's exactly: v <- alpha*v + lr*g, w <- w - v.
// Source: Polyak, "Some methods of speeding up the convergence of iteration methods" (1964).
// Where others differ:
//   - torch.optim.SGD(momentum=alpha, dampening) keeps a buffer b <- alpha*b + (1-dampening)*g
//     (b <- g on the first step) and steps w <- w - lr*b. With a constant lr this is the same
//     iteration (v = lr*b) up to rounding; when lr changes during a run (a schedule) the two
//     differ: the velocity form keeps the scale of past learning rates, the buffer form rescales
//     all of the past at once.
//   - keras SGD(momentum=alpha) writes v <- alpha*v - lr*g, w <- w + v: the seed's rule with the
//     opposite sign convention for v.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct MomentumParams {
  double lr = 0.1;            ///< learning rate, >= 0
  double alpha = 0.9;         ///< momentum coefficient, in [0, 1)
  double dampening = 0.0;     ///< share of the gradient removed from the velocity, in [0, 1]
  double weight_decay = 0.0;  ///< L2 penalty coupled into the gradient, >= 0
};

template <std::floating_point T>
struct MomentumState {
  std::int64_t step = 0;    ///< steps taken
  std::vector<T> velocity;  ///< v, one per parameter
};

/// One momentum update of the tensors' parameters and the state in place. Each tensor's param
/// and grad must have the same length and the lengths must sum to that of `s.velocity` (else
/// std::invalid_argument); the state is laid out as the tensors' concatenation.
template <std::floating_point T>
void momentum_step(const MomentumParams& p, MomentumState<T>& s,
                   std::span<const TensorRef<T>> tensors);

struct MomentumRule {
  using Params = MomentumParams;
  template <std::floating_point T>
  using State = MomentumState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params&, State<T>& s, std::size_t n) {
    s.velocity.assign(n, T(0));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    momentum_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.integer("step", s.step);
    v.array("velocity", s.velocity);
  }
};

template <std::floating_point T>
using Momentum = RuleOptimizer<MomentumRule, T>;

/// The registry entry of `momentum`.
const OptimizerInfo& momentum_info();

}  // namespace descent
