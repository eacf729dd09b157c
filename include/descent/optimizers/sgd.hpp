// descent: plain (stochastic) gradient descent. Also registered as `gd`, the name that reads
// naturally for full-batch gradient descent on a deterministic objective.
//
// Update rule, per element:
//     g <- g + weight_decay * w          (only if weight_decay != 0)
//     w <- w - lr * g
//
// Defaults: lr = 0.1 (the seed's), weight_decay = 0.
// Source: Cauchy (1847); Robbins & Monro (1951) for the stochastic version.
// Same as: the seed's SGDOptimizer; torch.optim.SGD(lr, weight_decay) without momentum; keras SGD
// with momentum 0 (keras has no coupled weight decay); optax.sgd.
#pragma once

#include <concepts>
#include <span>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct SgdParams {
  double lr = 0.1;            ///< learning rate, >= 0
  double weight_decay = 0.0;  ///< L2 penalty coupled into the gradient, >= 0
};

/// SGD keeps no state; the struct exists so that every optimizer has the same shape.
template <std::floating_point T>
struct SgdState {};

/// One SGD update of the tensors' parameters in place. Each tensor's param and grad must have the
/// same length (else std::invalid_argument).
template <std::floating_point T>
void sgd_step(const SgdParams& p, SgdState<T>& s, std::span<const TensorRef<T>> tensors);

struct SgdRule {
  using Params = SgdParams;
  template <std::floating_point T>
  using State = SgdState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params&, State<T>&, std::size_t) {}
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    sgd_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>&, StateVisitor<T>&) {}
};

template <std::floating_point T>
using Sgd = RuleOptimizer<SgdRule, T>;

/// The registry entry of `sgd`, and of its alias `gd`.
const OptimizerInfo& sgd_info();
const OptimizerInfo& gd_info();

}  // namespace descent
