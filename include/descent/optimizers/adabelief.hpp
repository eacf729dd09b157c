// descent: AdaBelief, Adam with the second moment of the gradient's deviation from its average.
#pragma once

#include <cmath>

#include "descent/optimizers/amsgrad.hpp"

namespace descent {

struct AdabeliefRule {
  static constexpr OptimizerDoc doc = {
      .name = "adabelief",
      .summary = "AdaBelief: Adam's step scaled by the spread of g around its average m",
      .rule =
          "m <- beta1 * m + (1 - beta1) * g\n"
          "s <- beta2 * s + (1 - beta2) * (g - m)^2 + eps\n"
          "w <- w - lr/(1 - beta1^t) * m / (sqrt(s/(1 - beta2^t)) + eps)",
      .source =
          "Zhuang, Tang, Ding, Tatikonda, Dvornek, Papademetris & Duncan 2020 "
          "(arXiv:2010.07468), algorithm 2; optax.adabelief",
      .differs =
          "optax.adabelief takes the same step with eps = eps_root (both default 1e-16 there "
          "and here). The paper adds eps inside s as well as in the denominator, as here. "
          "torch.optim and keras have no AdaBelief. weight_decay is L2 added to the "
          "gradient.",
      .family = Family::adaptive,
      .year = 2020};
  struct Params {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-16, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr), rate(&Params::beta1, "beta1", "decay of the first moment m"),
      rate(&Params::beta2, "beta2", "decay of the belief s, the moment of (g - m)^2"),
      epsilon(&Params::eps, "added to s at every step and to the root"),
      coupled_weight_decay(&Params::weight_decay)};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {{"exp_avg"}, {"exp_avg_var"}};
  template <class T>
  using Scalars = CorrectedMoments<T>;
  static Scalars<double> scalars(const Params& p, Counters& c) { return corrected_moments(p, c); }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& s) {
    m = m * k.beta1 + k.one_minus_beta1 * g;
    const T d = g - m;
    s = s * k.beta2 + (k.one_minus_beta2 * d) * d + k.eps;
    w = w + (k.neg_step_size * m) / (math::sqrt(s / k.bias2) + k.eps);
  }
};

template <std::floating_point T>
using Adabelief = Elementwise<AdabeliefRule, T>;

}  // namespace descent
