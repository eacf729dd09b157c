#include "descent/optimizers/nesterov.hpp"

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

// The per-element rule, written once. `keep` is alpha after the first step and 0 on it (b <- g).
template <class T>
inline void nesterov_update(T& w, T& b, T g, T lr, T alpha, T keep, T wd) {
  const T gd = detail::decayed(g, w, wd);
  b = keep * b + gd;
  w = w - lr * (gd + alpha * b);
}

}  // namespace

const OptimizerInfo& NesterovRule::info() { return nesterov_info(); }

ParamSet NesterovRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr}, {"alpha", p.alpha}, {"weight_decay", p.weight_decay}});
}

NesterovParams NesterovRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"), .alpha = s.get("alpha"), .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& nesterov_info() {
  static const OptimizerInfo info = detail::rule_info<NesterovRule>(
      "nesterov", "Nesterov momentum: b <- alpha*b + g; w <- w - lr*(g + alpha*b)",
      "Nesterov 1983; Sutskever et al. 2013; torch.optim.SGD(momentum, nesterov=True)",
      {detail::lr_param(NesterovParams{}.lr),
       detail::shown(detail::rate_param("alpha", NesterovParams{}.alpha, "momentum coefficient")),
       detail::weight_decay_param()});
  return info;
}

template <std::floating_point T>
void nesterov_step(const NesterovParams& p, NesterovState<T>& s,
                   std::span<const TensorRef<T>> tensors) {
  const T keep = s.step == 0 ? T(0) : static_cast<T>(p.alpha);
  const T lr = static_cast<T>(p.lr);
  const T alpha = static_cast<T>(p.alpha);
  const T wd = static_cast<T>(p.weight_decay);
  detail::elementwise(
      s.buffer.size(), tensors,
      [lr, alpha, keep, wd](T& w, T g, T& b) { nesterov_update(w, b, g, lr, alpha, keep, wd); },
      s.buffer.data());
  ++s.step;
}

template void nesterov_step<float>(const NesterovParams&, NesterovState<float>&,
                                   std::span<const TensorRef<float>>);
template void nesterov_step<double>(const NesterovParams&, NesterovState<double>&,
                                    std::span<const TensorRef<double>>);

}  // namespace descent
