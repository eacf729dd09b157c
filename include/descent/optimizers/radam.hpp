// descent: RAdam, Adam with a rectified adaptive learning rate.
//
// Update rule, per element (m, v start at 0; t counts steps from 1):
//     g <- g + weight_decay * w                          (only if weight_decay != 0)
//     m <- beta1 * m + (1 - beta1) * g
//     v <- beta2 * v + (1 - beta2) * g^2
//     rho_inf = 2 / (1 - beta2) - 1;   rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
//     if rho_t > 5:
//         r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
//         w <- w - lr * m / (1 - beta1^t) * sqrt(1 - beta2^t) / (sqrt(v) + eps) * r
//     else:
//         w <- w - lr * m / (1 - beta1^t)                  (plain momentum while v is unreliable)
//
// Defaults: lr = 0.001, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.
// Source: Liu et al., "On the variance of the adaptive learning rate and beyond" (ICLR 2020).
// Same as: torch.optim.RAdam (threshold rho_t > 5, eps added to sqrt(v) before the bias
// correction).
// Where others differ: the paper's threshold is rho_t > 4; optax.radam uses threshold 5 like torch
// and adds eps after the bias correction; keras has no RAdam.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct RadamParams {
  double lr = 1e-3;           ///< learning rate, >= 0
  double beta1 = 0.9;         ///< decay of the first moment, in [0, 1)
  double beta2 = 0.999;       ///< decay of the second moment, in [0, 1)
  double eps = 1e-8;          ///< added to sqrt(v), >= 0
  double weight_decay = 0.0;  ///< L2 penalty coupled into the gradient, >= 0
};

template <std::floating_point T>
struct RadamState {
  std::int64_t step = 0;      ///< t
  std::vector<T> exp_avg;     ///< m
  std::vector<T> exp_avg_sq;  ///< v
};

template <std::floating_point T>
void radam_step(const RadamParams& p, RadamState<T>& s, std::span<const TensorRef<T>> tensors);

struct RadamRule {
  using Params = RadamParams;
  template <std::floating_point T>
  using State = RadamState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params&, State<T>& s, std::size_t n) {
    s.exp_avg.assign(n, T(0));
    s.exp_avg_sq.assign(n, T(0));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    radam_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.integer("step", s.step);
    v.array("exp_avg", s.exp_avg);
    v.array("exp_avg_sq", s.exp_avg_sq);
  }
};

template <std::floating_point T>
using Radam = RuleOptimizer<RadamRule, T>;

const OptimizerInfo& radam_info();

}  // namespace descent
