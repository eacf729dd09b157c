#include "descent/optimizers/lion.hpp"

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

template <class T>
inline void lion_update(T& w, T& m, T g, T lr, T beta1, T omb1, T beta2, T omb2, T wd) {
  const T c = beta1 * m + omb1 * g;
  // Both comparisons unconditional and selected, so that the loop vectorizes.
  const T sign_c = (c > T(0) ? T(1) : T(0)) - (c < T(0) ? T(1) : T(0));
  w = w - lr * (sign_c + wd * w);
  m = beta2 * m + omb2 * g;
}

}  // namespace

const OptimizerInfo& LionRule::info() { return lion_info(); }

ParamSet LionRule::to_set(const Params& p) {
  return ParamSet(
      {{"lr", p.lr}, {"beta1", p.beta1}, {"beta2", p.beta2}, {"weight_decay", p.weight_decay}});
}

LionParams LionRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .beta1 = s.get("beta1"),
          .beta2 = s.get("beta2"),
          .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& lion_info() {
  static const OptimizerInfo info = detail::rule_info<LionRule>(
      "lion", "Lion: w <- w - lr*(sign(beta1*m + (1-beta1)*g) + weight_decay*w)",
      "Chen et al. 2023; optax.lion",
      {detail::lr_param(LionParams{}.lr),
       detail::rate_param("beta1", LionParams{}.beta1,
                          "interpolation between momentum and gradient for the sign"),
       detail::rate_param("beta2", LionParams{}.beta2, "decay of the momentum m"),
       real_param("weight_decay", 0.0, 0.0, detail::kInf, "decoupled decay, multiplied by lr", true,
                  false)});
  return info;
}

template <std::floating_point T>
void lion_step(const LionParams& p, LionState<T>& s, std::span<const TensorRef<T>> tensors) {
  const T lr = static_cast<T>(p.lr), wd = static_cast<T>(p.weight_decay);
  const T beta1 = static_cast<T>(p.beta1), omb1 = static_cast<T>(1.0 - p.beta1);
  const T beta2 = static_cast<T>(p.beta2), omb2 = static_cast<T>(1.0 - p.beta2);
  detail::elementwise(
      s.exp_avg.size(), tensors,
      [lr, beta1, omb1, beta2, omb2, wd](T& w, T g, T& m) {
        lion_update(w, m, g, lr, beta1, omb1, beta2, omb2, wd);
      },
      s.exp_avg.data());
}

template void lion_step<float>(const LionParams&, LionState<float>&,
                               std::span<const TensorRef<float>>);
template void lion_step<double>(const LionParams&, LionState<double>&,
                                std::span<const TensorRef<double>>);

}  // namespace descent
