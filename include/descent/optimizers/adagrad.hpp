// descent: Adagrad, per-coordinate steps scaled by the root of the summed squared gradients.
//
// Update rule, per element (S starts at initial_accumulator_value; t counts steps from 1):
//     g <- g + weight_decay * w                 (only if weight_decay != 0)
//     S <- S + g^2
//     w <- w - lr / (1 + (t - 1) * lr_decay) * g / (sqrt(S) + eps)
//
// Defaults: lr = 0.01, lr_decay = 0, weight_decay = 0, initial_accumulator_value = 0, eps = 1e-10.
// Source: Duchi, Hazan & Singer, "Adaptive subgradient methods for online learning and stochastic
// optimization" (JMLR 2011).
// Same as: torch.optim.Adagrad.
// Where others differ: keras Adagrad defaults lr = 0.001, initial_accumulator_value = 0.1,
// eps = 1e-7; optax.adagrad starts the sum at 0.1 and adds eps inside the root (sqrt(S + eps)).
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct AdagradParams {
  double lr = 1e-2;                        ///< learning rate, >= 0
  double lr_decay = 0.0;                   ///< lr is divided by 1 + (t-1)*lr_decay, >= 0
  double weight_decay = 0.0;               ///< L2 penalty coupled into the gradient, >= 0
  double initial_accumulator_value = 0.0;  ///< starting value of S, >= 0
  double eps = 1e-10;                      ///< added to sqrt(S), >= 0
};

template <std::floating_point T>
struct AdagradState {
  std::int64_t step = 0;  ///< t
  std::vector<T> sum;     ///< S, the sum of squared gradients
};

template <std::floating_point T>
void adagrad_step(const AdagradParams& p, AdagradState<T>& s,
                  std::span<const TensorRef<T>> tensors);

struct AdagradRule {
  using Params = AdagradParams;
  template <std::floating_point T>
  using State = AdagradState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params& p, State<T>& s, std::size_t n) {
    s.sum.assign(n, static_cast<T>(p.initial_accumulator_value));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    adagrad_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.integer("step", s.step);
    v.array("sum", s.sum);
  }
};

template <std::floating_point T>
using Adagrad = RuleOptimizer<AdagradRule, T>;

const OptimizerInfo& adagrad_info();

}  // namespace descent
