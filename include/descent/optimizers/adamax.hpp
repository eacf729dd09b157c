// descent: Adamax, Adam with the infinity norm in place of the second moment.
#pragma once

#include <cmath>

#include "descent/elementwise.hpp"

namespace descent {

struct AdamaxRule {
  static constexpr OptimizerDoc doc = {
      .name = "adamax",
      .summary = "Adamax: Adam with an exponentially weighted infinity norm u <- max(beta2*u, |g|)",
      .rule =
          "m <- beta1 * m + (1 - beta1) * g\n"
          "u <- max(beta2 * u, |g| + eps)\n"
          "w <- w - lr/(1 - beta1^t) * m / u",
      .source = "Kingma & Ba 2015, section 7.1; torch.optim.Adamax",
      .differs =
          "The paper has no eps (u <- max(beta2*u, |g|)); keras Adamax adds eps to u in the "
          "denominator, m/(u + eps), instead of inside the max; optax.adamax takes the same "
          "step as here and torch.",
      .family = Family::adaptive,
      .year = 2015};
  struct Params {
    double lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr), rate(&Params::beta1, "beta1", "decay of the first moment m"),
      rate(&Params::beta2, "beta2", "decay of the infinity norm u"),
      epsilon(&Params::eps, "added to |g| inside the max"),
      coupled_weight_decay(&Params::weight_decay)};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {{"exp_avg"}, {"exp_inf"}};
  template <class T>
  struct Scalars {
    T beta1, one_minus_beta1, beta2, eps, neg_clr;
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const double clr = p.lr / (1.0 - std::pow(p.beta1, static_cast<double>(++c.step)));
    return {p.beta1, 1.0 - p.beta1, p.beta2, p.eps, -clr};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& u) {
    m = m * k.beta1 + k.one_minus_beta1 * g;
    u = math::max(u * k.beta2, math::abs(g) + k.eps);
    w = w + (k.neg_clr * m) / u;
  }
};

template <std::floating_point T>
using Adamax = Elementwise<AdamaxRule, T>;

}  // namespace descent
