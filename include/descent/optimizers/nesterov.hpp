// descent: Nesterov momentum, in torch's buffer form.
//
// Update rule, per element (b starts empty; t counts steps from 1):
//     g <- g + weight_decay * w     (only if weight_decay != 0)
//     b <- g                        (t = 1)
//     b <- alpha * b + g            (t > 1)
//     w <- w - lr * (g + alpha * b)
//
// Defaults: lr = 0.1, alpha = 0.9, weight_decay = 0.
// Source: Nesterov (1983); in the "look-ahead gradient" form of Sutskever et al., "On the
// importance of initialization and momentum in deep learning" (ICML 2013), as torch writes it.
// Same as: torch.optim.SGD(momentum=alpha, nesterov=True, dampening=0).
// Where others differ: keras SGD(nesterov=True) uses v <- alpha*v - lr*g, w <- w + alpha*v - lr*g,
// the same iteration under a constant lr; optax.sgd(nesterov=True) follows torch.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct NesterovParams {
  double lr = 0.1;            ///< learning rate, >= 0
  double alpha = 0.9;         ///< momentum coefficient, in [0, 1)
  double weight_decay = 0.0;  ///< L2 penalty coupled into the gradient, >= 0
};

template <std::floating_point T>
struct NesterovState {
  std::int64_t step = 0;  ///< steps taken
  std::vector<T> buffer;  ///< b, one per parameter
};

/// One Nesterov update of the tensors' parameters and the state in place (sizes as for
/// momentum_step).
template <std::floating_point T>
void nesterov_step(const NesterovParams& p, NesterovState<T>& s,
                   std::span<const TensorRef<T>> tensors);

struct NesterovRule {
  using Params = NesterovParams;
  template <std::floating_point T>
  using State = NesterovState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params&, State<T>& s, std::size_t n) {
    s.buffer.assign(n, T(0));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    nesterov_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.integer("step", s.step);
    v.array("buffer", s.buffer);
  }
};

template <std::floating_point T>
using Nesterov = RuleOptimizer<NesterovRule, T>;

/// The registry entry of `nesterov`.
const OptimizerInfo& nesterov_info();

}  // namespace descent
