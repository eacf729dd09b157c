// descent: Rprop, resilient backpropagation: per-coordinate step sizes adapted by sign changes.
//
// Update rule, per element (step starts at lr, g_prev at 0):
//     f = eta_plus if g * g_prev > 0;  eta_minus if g * g_prev < 0;  1 otherwise
//     step <- clamp(step * f, step_min, step_max)
//     g <- 0 if g * g_prev < 0          (no move after a sign change, "Rprop-")
//     w <- w - sign(g) * step
//     g_prev <- g
//
// Defaults: lr = 0.01 (the initial step), eta_minus = 0.5, eta_plus = 1.2, step_min = 1e-6,
// step_max = 50.
// Source: Riedmiller & Braun, "A direct adaptive method for faster backpropagation learning: the
// RPROP algorithm" (ICNN 1993); this is the variant without weight backtracking.
// Same as: torch.optim.Rprop (etas = (eta_minus, eta_plus), step_sizes = (step_min, step_max)).
// Where others differ: keras has no Rprop; optax has none built in. Rprop ignores the gradient's
// magnitude, so it is meant for full-batch gradients.
#pragma once

#include <concepts>
#include <span>
#include <string>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct RpropParams {
  double lr = 1e-2;        ///< initial step size, >= 0
  double eta_minus = 0.5;  ///< step factor after a sign change, in (0, 1)
  double eta_plus = 1.2;   ///< step factor while the sign holds, > 1
  double step_min = 1e-6;  ///< smallest step size, >= 0
  double step_max = 50.0;  ///< largest step size, >= step_min
};

template <std::floating_point T>
struct RpropState {
  std::vector<T> prev;       ///< the previous (possibly zeroed) gradient
  std::vector<T> step_size;  ///< per-coordinate step sizes
};

template <std::floating_point T>
void rprop_step(const RpropParams& p, RpropState<T>& s, std::span<const TensorRef<T>> tensors);

struct RpropRule {
  using Params = RpropParams;
  template <std::floating_point T>
  using State = RpropState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  static std::string validate(const Params& p) {
    return p.step_min <= p.step_max ? "" : "step_min must not exceed step_max";
  }
  template <std::floating_point T>
  static void reset(const Params& p, State<T>& s, std::size_t n) {
    s.prev.assign(n, T(0));
    s.step_size.assign(n, static_cast<T>(p.lr));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    rprop_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.array("prev", s.prev);
    v.array("step_size", s.step_size);
  }
};

template <std::floating_point T>
using Rprop = RuleOptimizer<RpropRule, T>;

const OptimizerInfo& rprop_info();

}  // namespace descent
