// descent: AdamW, Adam with decoupled weight decay.
//
// Update rule, per element (m, v, v_max start at 0; t counts steps from 1):
//     w <- w * (1 - lr * weight_decay)
//     m <- beta1 * m + (1 - beta1) * g
//     v <- beta2 * v + (1 - beta2) * g^2
//     v_max <- max(v_max, v)                         (amsgrad only; then v_max replaces v below)
//     w <- w - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// Defaults: lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.01,
// amsgrad = false.
// Source: Loshchilov & Hutter, "Decoupled weight decay regularization" (ICLR 2019).
// Same as: torch.optim.AdamW (the decay is multiplied by lr, as torch does).
// Where others differ: the paper and optax.adamw scale the decay by a schedule multiplier rather
// than by lr itself (optax: w <- w - lr * (update + weight_decay * w), the same when lr is the
// schedule); keras AdamW (default weight_decay 0.004) decays by lr * weight_decay like torch.
#pragma once

#include <concepts>
#include <span>

#include "descent/optimizers/adam.hpp"

namespace descent {

struct AdamwParams {
  double lr = 1e-3;            ///< learning rate, >= 0
  double beta1 = 0.9;          ///< decay of the first moment, in [0, 1)
  double beta2 = 0.999;        ///< decay of the second moment, in [0, 1)
  double eps = 1e-8;           ///< added to the bias-corrected root, >= 0
  double weight_decay = 0.01;  ///< decoupled decay: w <- w * (1 - lr * weight_decay), >= 0
  bool amsgrad = false;        ///< use the running maximum of v (AMSGrad)
};

/// AdamW's state is Adam's.
template <std::floating_point T>
using AdamwState = AdamState<T>;

/// One AdamW update of the tensors' parameters and the state in place (sizes as for momentum_step).
template <std::floating_point T>
void adamw_step(const AdamwParams& p, AdamwState<T>& s, std::span<const TensorRef<T>> tensors);

struct AdamwRule {
  using Params = AdamwParams;
  template <std::floating_point T>
  using State = AdamwState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params& p, State<T>& s, std::size_t n) {
    AdamRule::reset(AdamParams{.amsgrad = p.amsgrad}, s, n);
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    adamw_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    AdamRule::visit(s, v);
  }
};

template <std::floating_point T>
using Adamw = RuleOptimizer<AdamwRule, T>;

/// The registry entry of `adamw`.
const OptimizerInfo& adamw_info();

}  // namespace descent
