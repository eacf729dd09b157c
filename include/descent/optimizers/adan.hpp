// descent: Adan, adaptive Nesterov momentum from averages of g and of its differences.
#pragma once

#include <cmath>

#include "descent/elementwise.hpp"

namespace descent {

struct AdanRule {
  static constexpr OptimizerDoc doc = {
      .name = "adan",
      .summary = "Adan: averages of g, of g - g_prev and of their Nesterov mix squared",
      .rule =
          "d = g - g_prev                       (0 at the first step)\n"
          "m <- beta1 * m + (1 - beta1) * g\n"
          "n_d <- beta2 * n_d + (1 - beta2) * d\n"
          "n <- beta3 * n + (1 - beta3) * (g + (1 - beta2) * d)^2\n"
          "u = (m/(1 - beta1^t) + (1 - beta2) * n_d/(1 - beta2^t)) / (sqrt(n/(1 - beta3^t)) + "
          "eps)\n"
          "w <- (w - lr * u) / (1 + lr * weight_decay)",
      .source =
          "Xie et al. 2022 (arXiv:2208.06677), algorithm 1 with bias "
          "corrections, as the authors' implementation; optax.adan",
      .differs =
          "The paper writes each beta as the weight of the new term (0.02, 0.08, 0.01); "
          "here, as in optax and the authors' code, beta weighs the old average (0.98, "
          "0.92, 0.99). The weight decay is the paper's proximal step, a division by "
          "1 + lr*weight_decay; optax.adan subtracts lr*weight_decay*w instead, and adds "
          "eps_root = 1e-8 inside the root (0 here). torch.optim and keras have no Adan.",
      .family = Family::adaptive,
      .year = 2022};
  struct Params {
    double lr = 1e-3, beta1 = 0.98, beta2 = 0.92, beta3 = 0.99, eps = 1e-8, weight_decay = 0.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 rate(&Params::beta1, "beta1", "decay of the average m of g"),
                 rate(&Params::beta2, "beta2", "decay of the average n_d of g - g_prev"),
                 rate(&Params::beta3, "beta3", "decay of the second moment n"),
                 epsilon(&Params::eps, "added to the bias-corrected root"),
                 nonnegative(&Params::weight_decay, "weight_decay",
                             "proximal decay: w <- w/(1 + lr*weight_decay) after the step")};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {
      {"exp_avg"}, {"exp_avg_diff"}, {"exp_avg_sq"}, {"prev_grad"}};
  template <class T>
  struct Scalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2, beta3, one_minus_beta3, eps, neg_lr;
    T has_prev;                   ///< 0 at the first step (no previous gradient), else 1
    T bias1, bias2, bias3, prox;  ///< prox: 1 + lr * weight_decay
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const double has_prev = c.step == 0 ? 0.0 : 1.0;
    const double t = static_cast<double>(++c.step);
    return {p.beta1,
            1.0 - p.beta1,
            p.beta2,
            1.0 - p.beta2,
            p.beta3,
            1.0 - p.beta3,
            p.eps,
            -p.lr,
            has_prev,
            1.0 - std::pow(p.beta1, t),
            1.0 - std::pow(p.beta2, t),
            1.0 - std::pow(p.beta3, t),
            1.0 + p.lr * p.weight_decay};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& nd, T& n, T& prev) {
    const T d = k.has_prev * (g - prev);
    prev = g;
    m = m * k.beta1 + k.one_minus_beta1 * g;
    nd = nd * k.beta2 + k.one_minus_beta2 * d;
    const T mix = g + k.one_minus_beta2 * d;
    n = n * k.beta3 + (k.one_minus_beta3 * mix) * mix;
    const T u =
        (m / k.bias1 + k.one_minus_beta2 * (nd / k.bias2)) / (math::sqrt(n / k.bias3) + k.eps);
    w = (w + k.neg_lr * u) / k.prox;
  }
};

template <std::floating_point T>
using Adan = Elementwise<AdanRule, T>;

}  // namespace descent
