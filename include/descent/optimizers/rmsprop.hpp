// descent: RMSProp, as the seed writes it, with torch's options.
//
// Update rule, per element (s, a and b start at 0):
//     g <- g + weight_decay * w                    (only if weight_decay != 0)
//     s <- beta * s + (1 - beta) * g^2
//     a <- beta * a + (1 - beta) * g               (centered only)
//     d <- sqrt(s - a^2) + eps   if centered, else   sqrt(s) + eps
//     w <- w - lr * g / d                          (momentum = 0)
//     b <- momentum * b + g / d;  w <- w - lr * b  (momentum > 0)
//
// Defaults: lr = 0.1, beta = 0.9, eps = 1e-10 (the seed's RMSPropOptimizer), momentum = 0,
// centered = false, weight_decay = 0. With the defaults the rule is the seed's exactly.
// Source: Tieleman & Hinton, COURSERA "Neural Networks for Machine Learning", lecture 6.5 (2012);
// centered variant: Graves, "Generating sequences with recurrent neural networks" (2013).
// Where others differ:
//   - torch.optim.RMSprop calls beta `alpha` (default 0.99) and defaults lr = 0.01, eps = 1e-8;
//     eps is added outside the root as here.
//   - keras RMSprop calls beta `rho` (default 0.9), eps = 1e-7 outside the root.
//   - optax.rmsprop (decay 0.9, eps 1e-8) adds eps inside the root by default:
//     g / sqrt(s + eps), which matters when s is tiny (early steps, vanishing gradients).
#pragma once

#include <concepts>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct RmspropParams {
  double lr = 0.1;            ///< learning rate, >= 0
  double beta = 0.9;          ///< decay of the running mean of g^2, in [0, 1)
  double eps = 1e-10;         ///< added to the root in the denominator, >= 0
  double momentum = 0.0;      ///< momentum on the scaled step, in [0, 1)
  bool centered = false;      ///< divide by the running standard deviation instead of the RMS
  double weight_decay = 0.0;  ///< L2 penalty coupled into the gradient, >= 0
};

template <std::floating_point T>
struct RmspropState {
  std::vector<T> square_avg;  ///< s, the running mean of g^2
  std::vector<T> grad_avg;    ///< a, the running mean of g (centered only, else empty)
  std::vector<T> buffer;      ///< b, the momentum buffer (momentum > 0 only, else empty)
};

/// One RMSProp update of the tensors' parameters and the state in place (sizes as for
/// momentum_step).
template <std::floating_point T>
void rmsprop_step(const RmspropParams& p, RmspropState<T>& s,
                  std::span<const TensorRef<T>> tensors);

struct RmspropRule {
  using Params = RmspropParams;
  template <std::floating_point T>
  using State = RmspropState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params& p, State<T>& s, std::size_t n) {
    s.square_avg.assign(n, T(0));
    s.grad_avg.assign(p.centered ? n : 0, T(0));
    s.buffer.assign(p.momentum > 0 ? n : 0, T(0));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    rmsprop_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.array("square_avg", s.square_avg);
    v.array("grad_avg", s.grad_avg);
    v.array("buffer", s.buffer);
  }
};

template <std::floating_point T>
using Rmsprop = RuleOptimizer<RmspropRule, T>;

/// The registry entry of `rmsprop`.
const OptimizerInfo& rmsprop_info();

}  // namespace descent
