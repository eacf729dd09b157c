// descent: Lion, evolved sign momentum.
//
// Update rule, per element (m starts at 0):
//     c = beta1 * m + (1 - beta1) * g
//     w <- w - lr * (sign(c) + weight_decay * w)
//     m <- beta2 * m + (1 - beta2) * g
//
// Defaults: lr = 1e-4, beta1 = 0.9, beta2 = 0.99, weight_decay = 0.
// Source: Chen et al., "Symbolic discovery of optimization algorithms" (NeurIPS 2023), program 1.
// Same as: optax.lion (decoupled decay multiplied by lr, sign(0) = 0).
// Where others differ: torch has no Lion in torch.optim; keras Lion (keras 3) applies the same
// rule. Every coordinate moves by exactly lr (or 0), so lr is typically 3-10x smaller than Adam's.
#pragma once

#include <concepts>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct LionParams {
  double lr = 1e-4;           ///< learning rate, >= 0
  double beta1 = 0.9;         ///< interpolation for the update direction, in [0, 1)
  double beta2 = 0.99;        ///< decay of the momentum, in [0, 1)
  double weight_decay = 0.0;  ///< decoupled decay, multiplied by lr, >= 0
};

template <std::floating_point T>
struct LionState {
  std::vector<T> exp_avg;  ///< m
};

template <std::floating_point T>
void lion_step(const LionParams& p, LionState<T>& s, std::span<const TensorRef<T>> tensors);

struct LionRule {
  using Params = LionParams;
  template <std::floating_point T>
  using State = LionState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params&, State<T>& s, std::size_t n) {
    s.exp_avg.assign(n, T(0));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    lion_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.array("exp_avg", s.exp_avg);
  }
};

template <std::floating_point T>
using Lion = RuleOptimizer<LionRule, T>;

const OptimizerInfo& lion_info();

}  // namespace descent
