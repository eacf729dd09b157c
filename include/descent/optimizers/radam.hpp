// descent: RAdam, Adam with a rectified adaptive learning rate.
#pragma once

#include <cmath>

#include "descent/elementwise.hpp"

namespace descent {

struct RadamRule {
  static constexpr OptimizerDoc doc = {
      .name = "radam",
      .summary = "RAdam: Adam whose adaptive step is rectified (off while v is unreliable)",
      .rule =
          "m <- beta1 * m + (1 - beta1) * g\n"
          "v <- beta2 * v + (1 - beta2) * g^2\n"
          "rho_inf = 2/(1 - beta2) - 1,  rho_t = rho_inf - 2t beta2^t/(1 - beta2^t)\n"
          "r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))\n"
          "w <- w - lr * m/(1 - beta1^t) * sqrt(1 - beta2^t)/(sqrt(v) + eps) * r   (rho_t > 5)\n"
          "w <- w - lr * m/(1 - beta1^t)                                       (otherwise)",
      .source = "Liu et al. 2020 (arXiv:1908.03265); torch.optim.RAdam",
      .differs =
          "The paper's threshold is rho_t > 4; torch and optax.radam use 5, and optax adds "
          "eps after the bias correction; keras has no RAdam.",
      .family = Family::adaptive,
      .year = 2020};
  struct Params {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr), rate(&Params::beta1, "beta1", "decay of the first moment m"),
      rate(&Params::beta2, "beta2", "decay of the second moment v"),
      epsilon(&Params::eps, "added to sqrt(v)"), coupled_weight_decay(&Params::weight_decay)};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {{"exp_avg"}, {"exp_avg_sq"}};
  template <class T>
  struct Scalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2, bias1, lr, bias2_sqrt, rect, eps;
    T rectified;  ///< 1 while rho_t > 5, else 0
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const double t = static_cast<double>(++c.step);
    const double bias2 = 1.0 - std::pow(p.beta2, t);
    const double rho_inf = 2.0 / (1.0 - p.beta2) - 1.0;
    const double rho_t = rho_inf - 2.0 * t * std::pow(p.beta2, t) / bias2;
    const bool on = rho_t > 5.0;
    const double rect = on ? std::sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                                       ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                           : 0.0;
    return {p.beta1, 1.0 - p.beta1,    p.beta2, 1.0 - p.beta2, 1.0 - std::pow(p.beta1, t),
            p.lr,    std::sqrt(bias2), rect,    p.eps,         on ? 1.0 : 0.0};
  }
  // In torch's order of operations.
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& v) {
    m = m * k.beta1 + k.one_minus_beta1 * g;
    v = v * k.beta2 + (k.one_minus_beta2 * g) * g;
    const T mh = m / k.bias1;
    const T adaptive = w - ((mh * k.lr) * (k.bias2_sqrt / (math::sqrt(v) + k.eps))) * k.rect;
    w = k.rectified != T{} ? adaptive : w - mh * k.lr;
  }
};

template <std::floating_point T>
using Radam = Elementwise<RadamRule, T>;

}  // namespace descent
