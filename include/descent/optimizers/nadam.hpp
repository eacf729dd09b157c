// descent: NAdam, Adam with Nesterov momentum and a momentum warm-up schedule.
#pragma once

#include <cmath>

#include "descent/optimizers/adam.hpp"

namespace descent {

struct NadamRule {
  static constexpr OptimizerDoc doc = {
      .name = "nadam",
      .summary = "NAdam: Adam with Nesterov momentum and the momentum schedule of Dozat 2016",
      .rule =
          "mu_t = beta1 * (1 - 0.5 * 0.96^(t * momentum_decay)),  P_t = mu_1 * ... * mu_t\n"
          "m <- beta1 * m + (1 - beta1) * g\n"
          "v <- beta2 * v + (1 - beta2) * g^2\n"
          "d  = sqrt(v / (1 - beta2^t)) + eps\n"
          "w <- w - lr*(1 - mu_t)/(1 - P_t) * g/d - lr*mu_{t+1}/(1 - P_t*mu_{t+1}) * m/d",
      .source = "Dozat 2016; torch.optim.NAdam (torch >= 2.0)",
      .differs =
          "torch <= 1.13 multiplies P_t by mu_t twice in the second denominator "
          "(pytorch#92699); torch113 = true reproduces it, for runs made with Debian 12's "
          "torch. keras Nadam fixes momentum_decay at 0.004; optax.nadam has no momentum "
          "schedule (mu_t = beta1), which a large momentum_decay gives (1e4: 0.96^1e4 is "
          "below double's half ulp of 1).",
      .family = Family::adaptive,
      .year = 2016};
  struct Params {
    double lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
    double momentum_decay = 4e-3;
    bool torch113 = false;
  };
  static constexpr auto fields = std::tuple_cat(
      adam_moment_fields<Params>(),
      std::tuple{
          coupled_weight_decay(&Params::weight_decay),
          nonnegative(&Params::momentum_decay, "momentum_decay",
                      "psi in the momentum schedule mu_t = beta1*(1 - 0.5*0.96^(t*psi))"),
          flag(
              &Params::torch113, "torch113",
              "reproduce torch <= 1.13, whose second denominator has mu_t twice (pytorch#92699)")});
  struct Counters {
    std::int64_t step = 0;
    double mu_product = 1.0;  ///< P_t
    static constexpr auto fields =
        std::tuple{counter(&Counters::step, "step"), counter(&Counters::mu_product, "mu_product")};
  };
  static constexpr StateArray<Params> arrays[] = {{"exp_avg"}, {"exp_avg_sq"}};
  template <class T>
  struct Scalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2, bias2, eps;
    T c_grad;  ///< -lr * (1 - mu_t) / (1 - P_t)
    T c_avg;   ///< -lr * mu_{t+1} / (1 - P_t * mu_{t+1})
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const double t = static_cast<double>(++c.step);
    const double mu = p.beta1 * (1.0 - 0.5 * std::pow(0.96, t * p.momentum_decay));
    const double mu_next = p.beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * p.momentum_decay));
    c.mu_product *= mu;
    const double product_next = (p.torch113 ? c.mu_product * mu : c.mu_product) * mu_next;
    return {p.beta1,
            1.0 - p.beta1,
            p.beta2,
            1.0 - p.beta2,
            1.0 - std::pow(p.beta2, t),
            p.eps,
            -p.lr * (1.0 - mu) / (1.0 - c.mu_product),
            -p.lr * mu_next / (1.0 - product_next)};
  }
  // In torch's order of operations.
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& v) {
    m = m * k.beta1 + k.one_minus_beta1 * g;
    v = v * k.beta2 + (k.one_minus_beta2 * g) * g;
    const T d = math::sqrt(v / k.bias2) + k.eps;
    w = w + (k.c_grad * g) / d;
    w = w + (k.c_avg * m) / d;
  }
};

template <std::floating_point T>
using Nadam = Elementwise<NadamRule, T>;

}  // namespace descent
