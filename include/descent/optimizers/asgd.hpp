// descent: ASGD, averaged stochastic gradient descent with a decaying step size.
//
// Update rule, per element (eta starts at lr, mu at 1, the average a at 0; t counts steps from 1):
//     g <- g + weight_decay * w                     (only if weight_decay != 0)
//     w <- w * (1 - lambd * eta)
//     w <- w - eta * g
//     a <- a + mu * (w - a)     (a <- w while mu = 1)
// then, once per step:
//     eta <- lr / (1 + lambd * lr * t)^alpha
//     mu  <- 1 / max(1, t - t0)
//
// Defaults: lr = 0.01, lambd = 1e-4, alpha = 0.75, t0 = 1e6, weight_decay = 0.
// Source: Polyak & Juditsky, "Acceleration of stochastic approximation by averaging" (1992); the
// step-size schedule of Bottou, "Stochastic gradient descent tricks" (2012).
// Same as: torch.optim.ASGD. The trajectory is the iterate w; the average a (what averaging
// methods return at the end) is kept in the state as `ax`.
// Where others differ: torch 1.x keeps eta and mu as tensors of the default dtype (float32 unless
// changed), so its float64 runs use float32-rounded step sizes; descent keeps them in double.
// keras and optax have no ASGD.
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/optimizers/rule_optimizer.hpp"

namespace descent {

struct AsgdParams {
  double lr = 1e-2;           ///< learning rate, >= 0
  double lambd = 1e-4;        ///< decay term, >= 0
  double alpha = 0.75;        ///< power of the eta schedule, >= 0
  double t0 = 1e6;            ///< step at which averaging starts, >= 0
  double weight_decay = 0.0;  ///< L2 penalty coupled into the gradient, >= 0
};

template <std::floating_point T>
struct AsgdState {
  std::int64_t step = 0;  ///< t
  double eta = 0.0;       ///< the current step size
  double mu = 1.0;        ///< the current averaging weight
  std::vector<T> ax;      ///< the running average of the iterates
};

template <std::floating_point T>
void asgd_step(const AsgdParams& p, AsgdState<T>& s, std::span<const TensorRef<T>> tensors);

struct AsgdRule {
  using Params = AsgdParams;
  template <std::floating_point T>
  using State = AsgdState<T>;
  static const OptimizerInfo& info();
  static ParamSet to_set(const Params& p);
  static Params from_set(const ParamSet& s);
  template <std::floating_point T>
  static void reset(const Params& p, State<T>& s, std::size_t n) {
    s.eta = p.lr;
    s.mu = 1.0;
    s.ax.assign(n, T(0));
  }
  template <std::floating_point T>
  static void step(const Params& p, State<T>& s, std::span<const TensorRef<T>> tensors) {
    asgd_step(p, s, tensors);
  }
  template <std::floating_point T>
  static void visit(State<T>& s, StateVisitor<T>& v) {
    v.integer("step", s.step);
    v.real("eta", s.eta);
    v.real("mu", s.mu);
    v.array("ax", s.ax);
  }
};

template <std::floating_point T>
using Asgd = RuleOptimizer<AsgdRule, T>;

const OptimizerInfo& asgd_info();

}  // namespace descent
