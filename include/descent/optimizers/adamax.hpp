// descent: Adamax, Adam with the infinity norm in place of the second moment.
//
// Update rule, per element (m, u start at 0; t counts steps from 1):
//     g <- g + weight_decay * w                  (only if weight_decay != 0)
//     m <- beta1 * m + (1 - beta1) * g
//     u <- max(beta2 * u, |g| + eps)
//     w <- w - lr / (1 - beta1^t) * m / u
//
// Defaults: lr = 0.002, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.
// Source: Kingma & Ba, "Adam: A method for stochastic optimization" (ICLR 2015), section 7.1.
// Same as: torch.optim.Adamax (eps inside the max, as here).
// Where others differ: the paper has no eps (u <- max(beta2*u, |g|)); keras Adamax adds eps to u
// in the denominator (m / (u + eps)) instead; optax.adamax adds eps outside like keras.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct AdamaxParams {
  double lr = 2e-3;           ///< learning rate, >= 0
  double beta1 = 0.9;         ///< decay of the first moment, in [0, 1)
  double beta2 = 0.999;       ///< decay of the infinity norm, in [0, 1)
  double eps = 1e-8;          ///< added to |g| inside the max, >= 0
  double weight_decay = 0.0;  ///< L2 penalty coupled into the gradient, >= 0
};

template <std::floating_point T>
struct AdamaxState {
  std::int64_t step = 0;   ///< t
  std::vector<T> exp_avg;  ///< m
  std::vector<T> exp_inf;  ///< u, the exponentially weighted infinity norm
};

template <std::floating_point T>
void adamax_step(const AdamaxParams& p, AdamaxState<T>& s, std::span<const TensorRef<T>> tensors);

struct AdamaxRule {
  using Params = AdamaxParams;
  template <std::floating_point T>
  using State = AdamaxState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params&, State<T>& s, std::size_t n) {
    s.exp_avg.assign(n, T(0));
    s.exp_inf.assign(n, T(0));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    adamax_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.integer("step", s.step);
    v.array("exp_avg", s.exp_avg);
    v.array("exp_inf", s.exp_inf);
  }
};

template <std::floating_point T>
using Adamax = RuleOptimizer<AdamaxRule, T>;

const OptimizerInfo& adamax_info();

}  // namespace descent
