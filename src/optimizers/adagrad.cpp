#include "descent/optimizers/adagrad.hpp"

#include <cmath>

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

// In torch's order: S + g*g; w + (-clr*g) / (sqrt(S) + eps).
template <class T>
inline void adagrad_update(T& w, T& sum, T g, T neg_clr, T eps, T wd) {
  g = detail::decayed(g, w, wd);
  sum = sum + g * g;
  w = w + (neg_clr * g) / (std::sqrt(sum) + eps);
}

}  // namespace

const OptimizerInfo& AdagradRule::info() { return adagrad_info(); }

ParamSet AdagradRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr},
                   {"lr_decay", p.lr_decay},
                   {"weight_decay", p.weight_decay},
                   {"initial_accumulator_value", p.initial_accumulator_value},
                   {"eps", p.eps}});
}

AdagradParams AdagradRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .lr_decay = s.get("lr_decay"),
          .weight_decay = s.get("weight_decay"),
          .initial_accumulator_value = s.get("initial_accumulator_value"),
          .eps = s.get("eps")};
}

const OptimizerInfo& adagrad_info() {
  static const OptimizerInfo info = detail::rule_info<AdagradRule>(
      "adagrad", "Adagrad: w <- w - lr*g/(sqrt(sum of g^2) + eps), per coordinate",
      "Duchi, Hazan & Singer 2011; torch.optim.Adagrad",
      {detail::lr_param(AdagradParams{}.lr),
       real_param("lr_decay", 0.0, 0.0, detail::kInf,
                  "lr is divided by 1 + (t-1)*lr_decay at step t", true, false),
       detail::weight_decay_param(),
       real_param("initial_accumulator_value", 0.0, 0.0, detail::kInf,
                  "starting value of the sum of squared gradients", true, false),
       detail::eps_param(AdagradParams{}.eps, "added to the root in the denominator")});
  return info;
}

template <std::floating_point T>
void adagrad_step(const AdagradParams& p, AdagradState<T>& s,
                  std::span<const TensorRef<T>> tensors) {
  const double clr = p.lr / (1.0 + static_cast<double>(s.step) * p.lr_decay);
  const T neg_clr = static_cast<T>(-clr), eps = static_cast<T>(p.eps);
  const T wd = static_cast<T>(p.weight_decay);
  detail::elementwise(
      s.sum.size(), tensors,
      [neg_clr, eps, wd](T& w, T g, T& sum) { adagrad_update(w, sum, g, neg_clr, eps, wd); },
      s.sum.data());
  ++s.step;
}

template void adagrad_step<float>(const AdagradParams&, AdagradState<float>&,
                                  std::span<const TensorRef<float>>);
template void adagrad_step<double>(const AdagradParams&, AdagradState<double>&,
                                   std::span<const TensorRef<double>>);

}  // namespace descent
