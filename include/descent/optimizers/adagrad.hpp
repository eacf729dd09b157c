// descent: Adagrad, per-coordinate steps scaled by the root of the summed squared gradients.
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct AdagradRule {
  static constexpr OptimizerDoc doc = {
      .name = "adagrad",
      .summary = "Adagrad: w <- w - lr*g/(sqrt(sum of g^2) + eps), per coordinate",
      .rule =
          "S <- S + g^2                        (S starts at initial_accumulator_value)\n"
          "w <- w - lr/(1 + (t - 1)*lr_decay) * g/(sqrt(S) + eps)",
      .source = "Duchi, Hazan & Singer 2011; torch.optim.Adagrad",
      .differs =
          "keras Adagrad defaults lr = 0.001, initial_accumulator_value = 0.1, eps = 1e-7; "
          "optax.adagrad starts the sum at 0.1 and adds eps inside the root, "
          "sqrt(S + eps).",
      .family = Family::adaptive,
      .year = 2011};
  struct Params {
    double lr = 1e-2, lr_decay = 0.0, weight_decay = 0.0, initial_accumulator_value = 0.0;
    double eps = 1e-10;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr),
      nonnegative(&Params::lr_decay, "lr_decay", "lr is divided by 1 + (t-1)*lr_decay at step t"),
      coupled_weight_decay(&Params::weight_decay),
      nonnegative(&Params::initial_accumulator_value, "initial_accumulator_value",
                  "starting value of the sum of squared gradients"),
      epsilon(&Params::eps, "added to the root in the denominator")};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {
      {"sum", 0, [](const Params& p) { return p.initial_accumulator_value; }}};
  template <class T>
  struct Scalars {
    T neg_clr, eps;
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    return {-(p.lr / (1.0 + static_cast<double>(c.step++) * p.lr_decay)), p.eps};
  }
  // In torch's order of operations.
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& sum) {
    sum = sum + g * g;
    w = w + (k.neg_clr * g) / (math::sqrt(sum) + k.eps);
  }
};

template <std::floating_point T>
using Adagrad = Elementwise<AdagradRule, T>;

}  // namespace descent
