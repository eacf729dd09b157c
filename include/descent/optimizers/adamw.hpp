// descent: AdamW, Adam with decoupled weight decay.
#pragma once

#include "descent/optimizers/adam.hpp"

namespace descent {

struct AdamwRule {
  static constexpr OptimizerDoc doc = {
      .name = "adamw",
      .summary = "AdamW: Adam with decoupled weight decay w <- w*(1 - lr*weight_decay)",
      .rule =
          "w <- w * (1 - lr * weight_decay)\n"
          "then Adam's step (without coupled decay)",
      .source = "Loshchilov & Hutter 2019 (arXiv:1711.05101); torch.optim.AdamW",
      .differs =
          "The paper and optax.adamw scale the decay by the schedule's multiplier rather "
          "than by lr (optax: w <- w - lr*(update + weight_decay*w), the same when lr is "
          "the schedule); keras AdamW (weight_decay 0.004) decays by lr*weight_decay like "
          "torch.",
      .family = Family::adaptive,
      .year = 2019};
  struct Params {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.01;
    bool amsgrad = false;
  };
  static constexpr auto fields = std::tuple_cat(
      adam_moment_fields<Params>(),
      std::tuple{
          nonnegative(&Params::weight_decay, "weight_decay",
                      "decoupled decay: w <- w*(1 - lr*weight_decay) before the Adam step"),
          flag(&Params::amsgrad, "amsgrad", "divide by the running maximum of v (AMSGrad)")});
  static constexpr unsigned variant_bits = 1;
  static unsigned variant(const Params& p) { return p.amsgrad ? AdamRule::kAmsgrad : 0u; }
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {
      {"exp_avg"}, {"exp_avg_sq"}, {"max_exp_avg_sq", AdamRule::kAmsgrad}};
  template <class T>
  struct Scalars : AdamRule::Scalars<T> {
    T decay_factor;  ///< 1 - lr * weight_decay
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    return {AdamRule::moments(p, ++c.step), 1.0 - p.lr * p.weight_decay};
  }
  template <unsigned V, class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& v, T& vmax) {
    w = w * k.decay_factor;
    AdamRule::update<V>(k, w, g, m, v, vmax);
  }
};

template <std::floating_point T>
using Adamw = Elementwise<AdamwRule, T>;

}  // namespace descent
