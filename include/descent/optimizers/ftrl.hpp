// descent: FTRL-Proximal, follow the regularized leader with per-coordinate learning rates.
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct FtrlRule {
  static constexpr OptimizerDoc doc = {
      .name = "ftrl",
      .summary = "FTRL-Proximal: per-coordinate rates lr/n^(-lr_power) with L1/L2 regularization",
      .rule =
          "g_s = g + 2 * l2_shrinkage * w             (n starts at initial_accumulator_value)\n"
          "n_new = n + g^2;  sigma = (n_new^(-p) - n^(-p)) / lr     (p = lr_power)\n"
          "z <- z + g_s - sigma * w;  n <- n_new\n"
          "w <- (sign(z)*l1 - z) / (n^(-p)/lr + 2*(l2 + beta/(2*lr)))  if |z| > l1, else 0",
      .source = "McMahan et al. 2013; keras Ftrl (TensorFlow ApplyFtrlV2)",
      .differs =
          "The paper's denominator is (beta + sqrt(n))/alpha + l2, i.e. l2 where keras has "
          "2*l2 (keras' l2 is half the paper's lambda_2); torch and optax have no FTRL. "
          "The weights are a function of z and n: FTRL ignores the current w except "
          "through l2_shrinkage and sigma*w.",
      .family = Family::adaptive,
      .year = 2013};
  struct Params {
    double lr = 1e-3, lr_power = -0.5, initial_accumulator_value = 0.1, l1 = 0.0, l2 = 0.0;
    double l2_shrinkage = 0.0, beta = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr, "learning rate (alpha)").above_min(),
      real(&Params::lr_power, "lr_power", -kInfinity, 0.0,
           "power of the accumulator in the per-coordinate rate", false, true),
      nonnegative(&Params::initial_accumulator_value, "initial_accumulator_value",
                  "starting value of the accumulator n"),
      nonnegative(&Params::l1, "l1", "L1 regularization strength"),
      nonnegative(&Params::l2, "l2", "L2 regularization strength"),
      nonnegative(&Params::l2_shrinkage, "l2_shrinkage", "L2 shrinkage added to the gradient of z"),
      nonnegative(&Params::beta, "beta", "beta of the paper's per-coordinate rate")};
  static constexpr unsigned kRoot = 1, variant_bits = 1;  // lr_power = -0.5: sqrt, not pow
  static unsigned variant(const Params& p) { return p.lr_power == -0.5 ? kRoot : 0u; }
  static constexpr StateArray<Params> arrays[] = {
      {"accumulator", 0, [](const Params& p) { return p.initial_accumulator_value; }}, {"linear"}};
  template <class T>
  struct Scalars {
    T lr, neg_power, l1, two_l2, two_shrinkage;  ///< two_l2 = 2*(l2 + beta/(2*lr))
  };
  static Scalars<double> scalars(const Params& p) {
    return {p.lr, -p.lr_power, p.l1, 2.0 * (p.l2 + p.beta / (2.0 * p.lr)), 2.0 * p.l2_shrinkage};
  }
  // In the order of TensorFlow's ApplyFtrlV2 kernel, with selects so that it vectorizes.
  template <unsigned V, class T>
  static void update(const Scalars<T>& k, T& w, T g, T& n, T& z) {
    const auto power = [&](T x) {
      if constexpr ((V & kRoot) != 0)
        return math::sqrt(x);
      else
        return math::pow(x, k.neg_power);
    };
    const T zero{};
    const T shrunk = g + k.two_shrinkage * w;
    const T g_s = k.two_shrinkage != zero ? shrunk : g;
    const T n_new = n + g * g;
    const T p_new = power(n_new);
    z = z + (g_s - ((p_new - power(n)) / k.lr) * w);
    n = n_new;
    const T quadratic = p_new / k.lr + k.two_l2;
    const T signed_l1 = z > zero ? k.l1 : -k.l1;
    const T solution = (signed_l1 - z) / quadratic;
    w = math::abs(z) > k.l1 ? solution : zero;
  }
};

template <std::floating_point T>
using Ftrl = Elementwise<FtrlRule, T>;

}  // namespace descent
