// descent: Yogi, Adam whose second moment moves additively, by the sign of g^2 - v.
#pragma once

#include <cmath>

#include "descent/optimizers/amsgrad.hpp"

namespace descent {

struct YogiRule {
  static constexpr OptimizerDoc doc = {
      .name = "yogi",
      .summary = "Yogi: Adam with v <- v - (1-beta2)*sign(v - g^2)*g^2, so v grows slowly",
      .rule =
          "m <- beta1 * m + (1 - beta1) * g              (m and v start at v0)\n"
          "v <- v - (1 - beta2) * sign(v - g^2) * g^2\n"
          "w <- w - lr/(1 - beta1^t) * m / (sqrt(v/(1 - beta2^t)) + eps)",
      .source =
          "Zaheer, Reddi, Sachan, Kale & Kumar 2018, Adaptive Methods for Nonconvex "
          "Optimization (NeurIPS 2018 proceedings), algorithm 2; optax.yogi",
      .differs =
          "The paper's algorithm 2 writes the step without bias correction; here, as in "
          "optax, both moments start at initial_accumulator_value and are bias-corrected, "
          "and eps (1e-3) is added after the root. "
          "optax.yogi does not expose initial_accumulator_value (scale_by_yogi does). "
          "torch.optim and keras have no Yogi. weight_decay is L2 added to the gradient.",
      .family = Family::adaptive,
      .year = 2018};
  struct Params {
    double lr = 1e-2, beta1 = 0.9, beta2 = 0.999, eps = 1e-3, initial_accumulator_value = 1e-6;
    double weight_decay = 0.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 rate(&Params::beta1, "beta1", "decay of the first moment m"),
                 rate(&Params::beta2, "beta2", "rate of the additive second moment v"),
                 epsilon(&Params::eps, "added to the bias-corrected root"),
                 nonnegative(&Params::initial_accumulator_value, "initial_accumulator_value",
                             "starting value of m and v"),
                 coupled_weight_decay(&Params::weight_decay)};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {
      {"exp_avg", 0, [](const Params& p) { return p.initial_accumulator_value; }},
      {"exp_avg_sq", 0, [](const Params& p) { return p.initial_accumulator_value; }}};
  template <class T>
  using Scalars = CorrectedMoments<T>;
  static Scalars<double> scalars(const Params& p, Counters& c) { return corrected_moments(p, c); }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& v) {
    m = m * k.beta1 + k.one_minus_beta1 * g;
    const T g2 = g * g;
    v = v - (k.one_minus_beta2 * math::sign(v - g2)) * g2;
    w = w + (k.neg_step_size * m) / (math::sqrt(v / k.bias2) + k.eps);
  }
};

template <std::floating_point T>
using Yogi = Elementwise<YogiRule, T>;

}  // namespace descent
