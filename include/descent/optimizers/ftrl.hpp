// descent: FTRL-Proximal, follow the regularized leader with per-coordinate learning rates.
//
// Update rule, per element (n starts at initial_accumulator_value, z at 0; p = lr_power <= 0):
//     g_s   = g + 2 * l2_shrinkage * w               (l2_shrinkage only shapes z's gradient)
//     n_new = n + g^2
//     sigma = (n_new^(-p) - n^(-p)) / lr
//     z <- z + g_s - sigma * w
//     n <- n_new
//     w <- (sign(z) * l1 - z) / (n^(-p) / lr + 2 * (l2 + beta / (2 * lr)))   if |z| > l1
//     w <- 0                                                                   otherwise
//
// Defaults: lr = 0.001, lr_power = -0.5, initial_accumulator_value = 0.1, l1 = 0, l2 = 0,
// l2_shrinkage = 0, beta = 0 (keras' defaults).
// Source: McMahan et al., "Ad click prediction: a view from the trenches" (KDD 2013), algorithm 1
// (with lr_power = -0.5 and alpha = lr); the general lr_power and l2_shrinkage of TensorFlow's
// ApplyFtrlV2 kernel.
// Same as: tf.keras.optimizers.Ftrl, which passes l2 + beta/(2*lr) to ApplyFtrlV2 as done here.
// Where others differ: the paper's denominator is (beta + sqrt(n))/alpha + l2, i.e. l2 where keras
// has 2*l2 (keras' l2 is half the paper's lambda_2); torch and optax have no FTRL. The weights are
// a function of z and n: FTRL ignores the current w except through l2_shrinkage and sigma*w.
#pragma once

#include <concepts>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct FtrlParams {
  double lr = 1e-3;                        ///< alpha of the paper, > 0
  double lr_power = -0.5;                  ///< power of the accumulator, <= 0
  double initial_accumulator_value = 0.1;  ///< starting n, >= 0
  double l1 = 0.0;                         ///< L1 strength, >= 0
  double l2 = 0.0;                         ///< L2 strength (keras convention), >= 0
  double l2_shrinkage = 0.0;               ///< L2 shrinkage on the gradient, >= 0
  double beta = 0.0;                       ///< beta of the paper, >= 0
};

template <std::floating_point T>
struct FtrlState {
  std::vector<T> accumulator;  ///< n
  std::vector<T> linear;       ///< z
};

template <std::floating_point T>
void ftrl_step(const FtrlParams& p, FtrlState<T>& s, std::span<const TensorRef<T>> tensors);

struct FtrlRule {
  using Params = FtrlParams;
  template <std::floating_point T>
  using State = FtrlState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params& p, State<T>& s, std::size_t n) {
    s.accumulator.assign(n, static_cast<T>(p.initial_accumulator_value));
    s.linear.assign(n, T(0));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    ftrl_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.array("accumulator", s.accumulator);
    v.array("linear", s.linear);
  }
};

template <std::floating_point T>
using Ftrl = RuleOptimizer<FtrlRule, T>;

const OptimizerInfo& ftrl_info();

}  // namespace descent
