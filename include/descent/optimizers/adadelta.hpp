// descent: Adadelta, steps scaled by the ratio of running RMS of updates and of gradients.
//
// Update rule, per element (E[g^2], E[dx^2] start at 0):
//     g <- g + weight_decay * w                         (only if weight_decay != 0)
//     E[g^2]  <- rho * E[g^2] + (1 - rho) * g^2
//     dx       = sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g
//     E[dx^2] <- rho * E[dx^2] + (1 - rho) * dx^2
//     w <- w - lr * dx
//
// Defaults: lr = 1, rho = 0.9, eps = 1e-6, weight_decay = 0.
// Source: Zeiler, "ADADELTA: An adaptive learning rate method" (2012). The paper has no lr (it is
// 1).
// Same as: torch.optim.Adadelta.
// Where others differ: keras Adadelta defaults lr = 0.001, rho = 0.95, eps = 1e-7; optax.adadelta
// defaults rho = 0.9, eps = 1e-6 like torch.
#pragma once

#include <concepts>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct AdadeltaParams {
  double lr = 1.0;            ///< scale of the update, >= 0 (the paper's method has 1)
  double rho = 0.9;           ///< decay of both running averages, in [0, 1)
  double eps = 1e-6;          ///< added inside both roots, >= 0
  double weight_decay = 0.0;  ///< L2 penalty coupled into the gradient, >= 0
};

template <std::floating_point T>
struct AdadeltaState {
  std::vector<T> square_avg;  ///< E[g^2]
  std::vector<T> acc_delta;   ///< E[dx^2]
};

template <std::floating_point T>
void adadelta_step(const AdadeltaParams& p, AdadeltaState<T>& s,
                   std::span<const TensorRef<T>> tensors);

struct AdadeltaRule {
  using Params = AdadeltaParams;
  template <std::floating_point T>
  using State = AdadeltaState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params&, State<T>& s, std::size_t n) {
    s.square_avg.assign(n, T(0));
    s.acc_delta.assign(n, T(0));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    adadelta_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.array("square_avg", s.square_avg);
    v.array("acc_delta", s.acc_delta);
  }
};

template <std::floating_point T>
using Adadelta = RuleOptimizer<AdadeltaRule, T>;

const OptimizerInfo& adadelta_info();

}  // namespace descent
