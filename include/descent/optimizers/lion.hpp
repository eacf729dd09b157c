// descent: Lion, evolved sign momentum.
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct LionRule {
  static constexpr OptimizerDoc doc = {
      .name = "lion",
      .summary = "Lion: w <- w - lr*(sign(beta1*m + (1-beta1)*g) + weight_decay*w)",
      .rule =
          "c = beta1 * m + (1 - beta1) * g\n"
          "w <- w - lr * (sign(c) + weight_decay * w)\n"
          "m <- beta2 * m + (1 - beta2) * g",
      .source = "Chen et al. 2023 (arXiv:2302.06675), program 1; optax.lion",
      .differs =
          "Same as optax.lion (decoupled decay multiplied by lr, sign(0) = 0) and keras "
          "Lion; torch.optim has none. Every coordinate moves by exactly lr (or 0), so lr "
          "is typically 3-10x smaller than Adam's.",
      .family = Family::sign_based,
      .year = 2023};
  struct Params {
    double lr = 1e-4, beta1 = 0.9, beta2 = 0.99, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr),
      rate(&Params::beta1, "beta1", "interpolation between momentum and gradient for the sign"),
      rate(&Params::beta2, "beta2", "decay of the momentum m"),
      nonnegative(&Params::weight_decay, "weight_decay", "decoupled decay, multiplied by lr")};
  static constexpr StateArray<Params> arrays[] = {{"exp_avg"}};
  template <class T>
  struct Scalars {
    T lr, beta1, one_minus_beta1, beta2, one_minus_beta2, weight_decay;
  };
  static Scalars<double> scalars(const Params& p) {
    return {p.lr, p.beta1, 1.0 - p.beta1, p.beta2, 1.0 - p.beta2, p.weight_decay};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m) {
    const T c = k.beta1 * m + k.one_minus_beta1 * g;
    w = w - k.lr * (math::sign(c) + k.weight_decay * w);
    m = k.beta2 * m + k.one_minus_beta2 * g;
  }
};

template <std::floating_point T>
using Lion = Elementwise<LionRule, T>;

}  // namespace descent
