// descent: AdEMAMix, Adam's step plus a slow momentum average.
#pragma once

#include <cmath>
#include <cstdint>

#include "descent/elementwise.hpp"

namespace descent {

struct AdemamixRule {
  static constexpr OptimizerDoc doc = {
      .name = "ademamix",
      .summary = "AdEMAMix: Adam with a second, slow average of g added, weighted by alpha",
      .rule =
          "alpha_t = alpha * t / alpha_warmup while t < alpha_warmup, else alpha\n"
          "beta3_t = 0.5^(1/(h+1)), h = (1 - a) H(beta1) + a H(beta3), a = t / beta3_warmup,\n"
          "  H(b) = log(0.5)/log(b + 1e-8) - 1 (a half-life), while t < beta3_warmup; else beta3\n"
          "m1 <- beta1 * m1 + (1 - beta1) * g\n"
          "m2 <- beta3_t * m2 + (1 - beta3_t) * g     (not bias-corrected)\n"
          "v <- beta2 * v + (1 - beta2) * g^2\n"
          "w <- w - lr * ((m1/(1 - beta1^t) + alpha_t * m2) / (sqrt(v/(1 - beta2^t)) + eps)\n"
          "               + weight_decay * w)",
      .source =
          "Pagliardini, Ablin & Grangier 2024 (arXiv:2409.03137), algorithm 1 with the "
          "authors' warm-up schedulers of alpha and beta3 (t counted from 1); "
          "optax.contrib.ademamix",
      .differs =
          "The paper warms alpha and beta3 up over T_alpha_beta3 steps (the authors' code: "
          "alpha_warmup and beta3_warmup); 0, the default here, means no warm-up, as "
          "optax.contrib.ademamix's constants (it takes the schedules as callables). "
          "optax.contrib.ademamix defaults alpha to 5, as here (its scale_by_ademamix to 6). "
          "The weight decay is decoupled and multiplied by lr, as in the paper and optax. "
          "torch.optim and keras have no AdEMAMix.",
      .family = Family::adaptive,
      .year = 2024};
  struct Params {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, beta3 = 0.9999, alpha = 5.0, eps = 1e-8;
    double weight_decay = 0.0;
    std::int64_t alpha_warmup = 0;
    std::int64_t beta3_warmup = 0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 rate(&Params::beta1, "beta1", "decay of the fast average m1"),
                 rate(&Params::beta2, "beta2", "decay of the second moment v"),
                 rate(&Params::beta3, "beta3", "decay of the slow average m2"),
                 nonnegative(&Params::alpha, "alpha", "weight of the slow average m2").shown(),
                 epsilon(&Params::eps, "added to the bias-corrected root"),
                 nonnegative(&Params::weight_decay, "weight_decay",
                             "decoupled decay, multiplied by lr: w <- w - lr*weight_decay*w"),
                 integer(&Params::alpha_warmup, "alpha_warmup", 0, 1e15,
                         "steps over which alpha grows linearly from 0 (0: none)"),
                 integer(&Params::beta3_warmup, "beta3_warmup", 0, 1e15,
                         "steps over which beta3's half-life grows from beta1's (0: none)")};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {
      {"exp_avg_fast"}, {"exp_avg_slow"}, {"exp_avg_sq"}};
  template <class T>
  struct Scalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2, beta3, one_minus_beta3, alpha, eps, lr;
    T weight_decay, bias1, bias2;
  };
  /// The authors' warm-ups: alpha linearly from 0, beta3 linearly in half-life from beta1's.
  static double warm_alpha(const Params& p, std::int64_t t) {
    if (t >= p.alpha_warmup) return p.alpha;
    return static_cast<double>(t) / static_cast<double>(p.alpha_warmup) * p.alpha;
  }
  static double warm_beta3(const Params& p, std::int64_t t) {
    if (t >= p.beta3_warmup) return p.beta3;
    const double a = static_cast<double>(t) / static_cast<double>(p.beta3_warmup);
    const auto half_life = [](double b) { return std::log(0.5) / std::log(b + 1e-8) - 1.0; };
    return std::pow(0.5, 1.0 / ((1.0 - a) * half_life(p.beta1) + a * half_life(p.beta3) + 1.0));
  }
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const double t = static_cast<double>(++c.step);
    const double beta3 = warm_beta3(p, c.step);
    return {p.beta1,
            1.0 - p.beta1,
            p.beta2,
            1.0 - p.beta2,
            beta3,
            1.0 - beta3,
            warm_alpha(p, c.step),
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
