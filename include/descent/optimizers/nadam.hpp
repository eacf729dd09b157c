// descent: NAdam, Adam with Nesterov momentum and a momentum warm-up schedule.
//
// Update rule, per element (m, v start at 0; t counts steps from 1; P_t = mu_1 * ... * mu_t):
//     g <- g + weight_decay * w                           (only if weight_decay != 0)
//     mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay))
//     m <- beta1 * m + (1 - beta1) * g
//     v <- beta2 * v + (1 - beta2) * g^2
//     d  = sqrt(v / (1 - beta2^t)) + eps
//     w <- w - lr * (1 - mu_t) / (1 - P_t) * g / d - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m / d
//
// Defaults: lr = 0.002, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0,
// momentum_decay = 0.004.
// Source: Dozat, "Incorporating Nesterov momentum into Adam" (ICLR 2016 workshop).
// Same as: torch.optim.NAdam from torch 2.0 on.
// Where others differ: torch 1.13 and earlier multiply P_t by mu_t twice in the second
// denominator (1 - P_t * mu_t * mu_{t+1}), an error fixed upstream in pytorch/pytorch#92699;
// descent follows the paper and torch 2.x, and reproduces the old rule with torch113 = true (to
// compare with runs made with torch <= 1.13, such as Debian 12's). keras Nadam uses the same
// schedule with momentum_decay fixed at 0.004; optax.nadam has no momentum schedule (mu constant =
// beta1).
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct NadamParams {
  double lr = 2e-3;              ///< learning rate, >= 0
  double beta1 = 0.9;            ///< decay of the first moment, in [0, 1)
  double beta2 = 0.999;          ///< decay of the second moment, in [0, 1)
  double eps = 1e-8;             ///< added to the bias-corrected root, >= 0
  double weight_decay = 0.0;     ///< L2 penalty coupled into the gradient, >= 0
  double momentum_decay = 4e-3;  ///< psi in mu_t = beta1 * (1 - 0.5 * 0.96^(t*psi)), >= 0
  bool torch113 = false;         ///< reproduce torch <= 1.13's second denominator
};

template <std::floating_point T>
struct NadamState {
  std::int64_t step = 0;      ///< t
  double mu_product = 1.0;    ///< P_t, kept in double
  std::vector<T> exp_avg;     ///< m
  std::vector<T> exp_avg_sq;  ///< v
};

template <std::floating_point T>
void nadam_step(const NadamParams& p, NadamState<T>& s, std::span<const TensorRef<T>> tensors);

struct NadamRule {
  using Params = NadamParams;
  template <std::floating_point T>
  using State = NadamState<T>;
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
    nadam_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.integer("step", s.step);
    v.real("mu_product", s.mu_product);
    v.array("exp_avg", s.exp_avg);
    v.array("exp_avg_sq", s.exp_avg_sq);
  }
};

template <std::floating_point T>
using Nadam = RuleOptimizer<NadamRule, T>;

const OptimizerInfo& nadam_info();

}  // namespace descent
