// descent: Adam, with torch's AMSGrad option and coupled (L2) weight decay.
//
// Update rule, per element (m, v, v_max start at 0; t counts steps from 1):
//     g <- g + weight_decay * w                      (only if weight_decay != 0)
//     m <- beta1 * m + (1 - beta1) * g
//     v <- beta2 * v + (1 - beta2) * g^2
//     v_max <- max(v_max, v)                         (amsgrad only; then v_max replaces v below)
//     w <- w - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
//
// Defaults: lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0, amsgrad = false.
// Source: Kingma & Ba, "Adam: A method for stochastic optimization" (ICLR 2015); AMSGrad: Reddi et
// al., "On the convergence of Adam and beyond" (ICLR 2018).
// Same as: torch.optim.Adam (eps is added after the bias-corrected root, as here).
// Where others differ:
//   - The paper and keras add eps to sqrt(v_hat) in the "epsilon hat" form: keras computes
//     lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t) and w <- w - lr_t * m / (sqrt(v) + eps), which
//     puts eps before the bias correction (eps effectively scaled by sqrt(1 - beta2^t)); keras'
//     default eps is 1e-7.
//   - optax.adam adds eps outside the root like torch (and has eps_root inside, default 0).
//   - Weight decay here is L2 added to the gradient (torch's Adam); for decoupled decay use adamw.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct AdamParams {
  double lr = 1e-3;           ///< learning rate, >= 0
  double beta1 = 0.9;         ///< decay of the first moment, in [0, 1)
  double beta2 = 0.999;       ///< decay of the second moment, in [0, 1)
  double eps = 1e-8;          ///< added to the bias-corrected root, >= 0
  double weight_decay = 0.0;  ///< L2 penalty coupled into the gradient, >= 0
  bool amsgrad = false;       ///< use the running maximum of v (AMSGrad)
};

template <std::floating_point T>
struct AdamState {
  std::int64_t step = 0;          ///< t, steps taken
  std::vector<T> exp_avg;         ///< m
  std::vector<T> exp_avg_sq;      ///< v
  std::vector<T> max_exp_avg_sq;  ///< v_max (amsgrad only, else empty)
};

/// One Adam update of the tensors' parameters and the state in place (sizes as for momentum_step).
template <std::floating_point T>
void adam_step(const AdamParams& p, AdamState<T>& s, std::span<const TensorRef<T>> tensors);

struct AdamRule {
  using Params = AdamParams;
  template <std::floating_point T>
  using State = AdamState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params& p, State<T>& s, std::size_t n) {
    s.exp_avg.assign(n, T(0));
    s.exp_avg_sq.assign(n, T(0));
    s.max_exp_avg_sq.assign(p.amsgrad ? n : 0, T(0));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    adam_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.integer("step", s.step);
    v.array("exp_avg", s.exp_avg);
    v.array("exp_avg_sq", s.exp_avg_sq);
    v.array("max_exp_avg_sq", s.max_exp_avg_sq);
  }
};

template <std::floating_point T>
using Adam = RuleOptimizer<AdamRule, T>;

/// The registry entry of `adam`.
const OptimizerInfo& adam_info();

}  // namespace descent
