#include "descent/optimizers/momentum.hpp"

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

// The per-element rule, written once. `c` is the gradient's coefficient in the velocity:
// lr on the first step, (1 - dampening) * lr after (which is lr itself when dampening is 0).
template <class T>
inline void momentum_update(T& w, T& v, T g, T alpha, T c, T wd) {
  v = alpha * v + c * detail::decayed(g, w, wd);
  w = w - v;
}

}  // namespace

const OptimizerInfo& MomentumRule::info() { return momentum_info(); }

ParamSet MomentumRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr},
                   {"alpha", p.alpha},
                   {"dampening", p.dampening},
                   {"weight_decay", p.weight_decay}});
}

MomentumParams MomentumRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .alpha = s.get("alpha"),
          .dampening = s.get("dampening"),
          .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& momentum_info() {
  static const OptimizerInfo info = detail::rule_info<MomentumRule>(
      "momentum", "heavy-ball momentum, velocity form: v <- alpha*v + lr*g; w <- w - v",
      "Polyak 1964; the seed's MomentumOptimizer; torch.optim.SGD(momentum) under a constant lr",
      {detail::lr_param(MomentumParams{}.lr),
       detail::shown(detail::rate_param("alpha", MomentumParams{}.alpha, "momentum coefficient")),
       real_param("dampening", 0.0, 0.0, 1.0,
                  "share of the gradient removed from the velocity after the first step"),
       detail::weight_decay_param()});
  return info;
}

template <std::floating_point T>
void momentum_step(const MomentumParams& p, MomentumState<T>& s,
                   std::span<const TensorRef<T>> tensors) {
  const bool first = s.step == 0;
  const T alpha = static_cast<T>(p.alpha);
  // On the first step v = 0, so alpha*v + c*g = c*g exactly: the first-step rule v <- lr*g needs
  // only c = lr.
  const T c = static_cast<T>(first || p.dampening == 0.0 ? p.lr : (1.0 - p.dampening) * p.lr);
  const T wd = static_cast<T>(p.weight_decay);
  detail::elementwise(
      s.velocity.size(), tensors,
      [alpha, c, wd](T& w, T g, T& v) { momentum_update(w, v, g, alpha, c, wd); },
      s.velocity.data());
  ++s.step;
}

template void momentum_step<float>(const MomentumParams&, MomentumState<float>&,
                                   std::span<const TensorRef<float>>);
template void momentum_step<double>(const MomentumParams&, MomentumState<double>&,
                                    std::span<const TensorRef<double>>);

}  // namespace descent
