// descent: AdEMAMix, Adam's step plus a slow momentum average.
#pragma once

#include <cmath>

#include "descent/elementwise.hpp"

namespace descent {

struct AdemamixRule {
  static constexpr OptimizerDoc doc = {
      .name = "ademamix",
      .summary = "AdEMAMix: Adam with a second, slow average of g added, weighted by alpha",
      .rule =
          "m1 <- beta1 * m1 + (1 - beta1) * g\n"
          "m2 <- beta3 * m2 + (1 - beta3) * g         (not bias-corrected)\n"
          "v <- beta2 * v + (1 - beta2) * g^2\n"
          "w <- w - lr * ((m1/(1 - beta1^t) + alpha * m2) / (sqrt(v/(1 - beta2^t)) + eps)\n"
          "               + weight_decay * w)",
      .source =
          "Pagliardini, Ablin & Grangier 2024 (arXiv:2409.03137), algorithm 1 without its "
          "warm-up schedulers of alpha and beta3; optax.contrib.ademamix",
      .differs =
          "The paper warms alpha and beta3 up over T_alpha_beta3 steps; here (and in "
          "optax.contrib.ademamix by default) both are constant from the first step. "
          "optax.contrib.ademamix defaults alpha to 5, as here (its scale_by_ademamix to 6). "
          "The weight decay is decoupled and multiplied by lr, as in the paper and optax. "
          "torch.optim and keras have no AdEMAMix.",
      .family = Family::adaptive,
      .year = 2024};
  struct Params {
    double lr = 1e-3;
    double beta1 = 0.9;
    double beta2 = 0.999;
    double beta3 = 0.9999;
    double alpha = 5.0;
    double eps = 1e-8;
    double weight_decay = 0.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 rate(&Params::beta1, "beta1", "decay of the fast average m1"),
                 rate(&Params::beta2, "beta2", "decay of the second moment v"),
                 rate(&Params::beta3, "beta3", "decay of the slow average m2"),
                 nonnegative(&Params::alpha, "alpha", "weight of the slow average m2").shown(),
                 epsilon(&Params::eps, "added to the bias-corrected root"),
                 nonnegative(&Params::weight_decay, "weight_decay",
                             "decoupled decay, multiplied by lr: w <- w - lr*weight_decay*w")};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {
      {"exp_avg_fast"}, {"exp_avg_slow"}, {"exp_avg_sq"}};
  template <class T>
  struct Scalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2, beta3, one_minus_beta3, alpha, eps, lr;
    T weight_decay, bias1, bias2;
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const double t = static_cast<double>(++c.step);
    return {p.beta1,
            1.0 - p.beta1,
            p.beta2,
            1.0 - p.beta2,
            p.beta3,
            1.0 - p.beta3,
            p.alpha,
            p.eps,
            p.lr,
            p.weight_decay,
            1.0 - std::pow(p.beta1, t),
            1.0 - std::pow(p.beta2, t)};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m1, T& m2, T& v) {
    m1 = m1 * k.beta1 + k.one_minus_beta1 * g;
    m2 = m2 * k.beta3 + k.one_minus_beta3 * g;
    v = v * k.beta2 + (k.one_minus_beta2 * g) * g;
    const T u = (m1 / k.bias1 + k.alpha * m2) / (math::sqrt(v / k.bias2) + k.eps);
    w = w - k.lr * (u + k.weight_decay * w);
  }
};

template <std::floating_point T>
using Ademamix = Elementwise<AdemamixRule, T>;

}  // namespace descent
