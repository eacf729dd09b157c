// descent: Prodigy and D-Adaptation Adam, Adam whose step size d is estimated as it goes from the
// correlation of the gradients with the distance travelled: no learning rate to tune.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "descent/elementwise.hpp"

namespace descent {

/// The estimate both keep: d (the step size) and the weighted sum of its numerator.
struct DistanceEstimate {
  std::int64_t step = 0;
  double d = 0.0;
  double numerator = 0.0;
  static constexpr auto fields =
      std::tuple{counter(&DistanceEstimate::step, "step"), counter(&DistanceEstimate::d, "d"),
                 counter(&DistanceEstimate::numerator, "numerator")};
  /// The step's rate, d * lr * sqrt(1 - beta2^t) / (1 - beta1^t), t the step about to be taken.
  double dlr(double lr, double beta1, double beta2) const {
    const double t = static_cast<double>(step + 1);
    return d * lr * (std::sqrt(1.0 - std::pow(beta2, t)) / (1.0 - std::pow(beta1, t)));
  }
};

/// What both measure each step: the numerator's new term and the l1 norm of s.
struct EstimateSums {
  double numerator = 0, s_l1 = 0;
};

struct ProdigyRule {
  static constexpr OptimizerDoc doc = {
      .name = "prodigy",
      .summary = "Prodigy: Adam on d*g, d raised to the ratio of <g, x0 - w> to |s|_1",
      .rule =
          "(x0 = w at step 1; d starts at d0; sums over every coordinate)\n"
          "dlr = d * lr * sqrt(1 - beta2^t) / (1 - beta1^t)\n"
          "N <- beta3 * N + (d/d0) * dlr * <g, x0 - w>\n"
          "m <- beta1 * m + (1 - beta1) * d * g,  v <- beta2 * v + (1 - beta2) * (d * g)^2\n"
          "s <- beta3 * s + (dlr/d0) * d * g     (safeguard_warmup: (d/d0) * d * g)\n"
          "d <- max(d, d_coef * N / |s|_1)       (d kept while |s|_1 = 0)\n"
          "w <- w - weight_decay * dlr * w - dlr * m / (sqrt(v) + d * eps)",
      .source =
          "Mishchenko & Defazio 2024, Prodigy (ICML 2024; arXiv:2306.06101), algorithm 3 "
          "with Adam's bias correction in dlr as the authors' code; optax.contrib.prodigy",
      .differs =
          "optax.contrib.prodigy takes the same steps (its estim_lr0 and estim_lr_coef are "
          "d0 and d_coef; beta3 = 0 here means its default sqrt(beta2)); it divides by |s|_1 "
          "even when that is 0. weight_decay is decoupled, scaled by dlr. torch.optim and "
          "keras have no Prodigy.",
      .family = Family::lr_free,
      .year = 2024};
  struct Params {
    double lr = 1.0, beta1 = 0.9, beta2 = 0.999, beta3 = 0.0, eps = 1e-8, d0 = 1e-6, d_coef = 1.0;
    double weight_decay = 0.0;
    bool safeguard_warmup = false;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr, "multiplies the estimated step size d (1: the paper's method)"),
      rate(&Params::beta1, "beta1", "decay of the first moment m"),
      rate(&Params::beta2, "beta2", "decay of the second moment v"),
      rate(&Params::beta3, "beta3", "decay of N and s (0: sqrt(beta2))"),
      epsilon(&Params::eps, "added to sqrt(v), times d"),
      real(&Params::d0, "d0", 0.0, kInfinity, "initial estimate of d", false, false).log(),
      real(&Params::d_coef, "d_coef", 0.0, kInfinity, "multiplies each new estimate of d", false,
           false),
      nonnegative(&Params::weight_decay, "weight_decay",
                  "decoupled decay: w <- w - weight_decay * dlr * w"),
      flag(&Params::safeguard_warmup, "safeguard_warmup",
           "leave the bias correction and lr out of s (for warm-up schedules)")};
  using Counters = DistanceEstimate;
  static Counters start(const Params& p) { return {.step = 0, .d = p.d0, .numerator = 0.0}; }
  static constexpr StateArray<Params> arrays[] = {{"exp_avg"}, {"exp_avg_sq"}, {"s"}, {"x0"}};
  template <class T>
  struct Before {
    T first, d, beta1, one_minus_beta1, beta2, one_minus_beta2, beta3, s_scale;
  };
  using Sums = EstimateSums;
  template <class T>
  struct Scalars {
    T neg_decay, neg_dlr, d_eps;
  };
  static double beta3(const Params& p) { return p.beta3 > 0 ? p.beta3 : std::sqrt(p.beta2); }
  static Before<double> before(const Params& p, const Counters& c) {
    const double s_scale = (p.safeguard_warmup ? c.d : c.dlr(p.lr, p.beta1, p.beta2)) / p.d0;
    return {c.step == 0 ? 1.0 : 0.0, c.d,      p.beta1, 1.0 - p.beta1, p.beta2,
            1.0 - p.beta2,           beta3(p), s_scale};
  }
  template <class T>
  static void measure(const Before<T>& k, Sums& sums, T w, T g, T& m, T& v, T& s, T& x0) {
    x0 = k.first != T{} ? w : x0;
    sums.numerator += static_cast<double>(g) * static_cast<double>(x0 - w);
    const T dg = k.d * g;
    m = k.beta1 * m + k.one_minus_beta1 * dg;
    v = k.beta2 * v + k.one_minus_beta2 * dg * dg;
    s = k.beta3 * s + k.s_scale * dg;
    sums.s_l1 += std::abs(static_cast<double>(s));
  }
  static Scalars<double> scalars(const Params& p, Counters& c, const Before<double>&,
                                 const Sums& sums) {
    const double step = c.dlr(p.lr, p.beta1, p.beta2);
    c.numerator = beta3(p) * c.numerator + (c.d / p.d0) * step * sums.numerator;
    if (sums.s_l1 > 0) c.d = std::max(c.d, p.d_coef * c.numerator / sums.s_l1);
    ++c.step;
    return {-p.weight_decay * step, -step, c.d * p.eps};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T, T& m, T& v, T&, T&) {
    w = w + (k.neg_decay * w + k.neg_dlr * m / (math::sqrt(v) + k.d_eps));
  }
};

struct DadaptAdamRule {
  static constexpr OptimizerDoc doc = {
      .name = "dadapt_adam",
      .summary = "D-Adaptation Adam: Adam with step size d, raised to the lower bound N / |s|_1",
      .rule =
          "(d starts at d0; sums over every coordinate)\n"
          "dlr = d * lr * sqrt(1 - beta2^t) / (1 - beta1^t)\n"
          "N <- sqrt(beta2) * N + (1 - sqrt(beta2)) * dlr * <g, s / (sqrt(v) + eps)>  (old s, v)\n"
          "m <- beta1 * m + (1 - beta1) * dlr * g,  v <- beta2 * v + (1 - beta2) * g^2\n"
          "s <- sqrt(beta2) * s + (1 - sqrt(beta2)) * dlr * g\n"
          "d <- max(d, N / ((1 - sqrt(beta2)) * |s|_1))   (d kept while |s|_1 = 0)\n"
          "w <- w - weight_decay * dlr * w - m / (sqrt(v) + eps)",
      .source =
          "Defazio & Mishchenko 2023, Learning-Rate-Free Learning by D-Adaptation (ICML 2023; "
          "arXiv:2301.07733), the Adam form of the authors' code; optax.contrib.dadapt_adamw",
      .differs =
          "optax.contrib.dadapt_adamw takes the same steps (estim_lr0 is d0); it divides by "
          "|s|_1 even when that is 0. weight_decay is decoupled, scaled by dlr, as optax's and "
          "the authors' decouple=True. torch.optim and keras have no D-Adaptation.",
      .family = Family::lr_free,
      .year = 2023};
  struct Params {
    double lr = 1.0, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, d0 = 1e-6, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr, "multiplies the estimated step size d (1: the paper's method)"),
      rate(&Params::beta1, "beta1", "decay of the first moment m"),
      rate(&Params::beta2, "beta2", "decay of the second moment v"),
      epsilon(&Params::eps, "added to sqrt(v)"),
      real(&Params::d0, "d0", 0.0, kInfinity, "initial estimate of d", false, false).log(),
      nonnegative(&Params::weight_decay, "weight_decay",
                  "decoupled decay: w <- w - weight_decay * dlr * w")};
  using Counters = DistanceEstimate;
  static Counters start(const Params& p) { return {.step = 0, .d = p.d0, .numerator = 0.0}; }
  static constexpr StateArray<Params> arrays[] = {{"exp_avg"}, {"exp_avg_sq"}, {"s"}};
  template <class T>
  struct Before {
    T eps, beta1, m_scale, beta2, one_minus_beta2, sb2, s_scale, dlr;
  };
  using Sums = EstimateSums;
  template <class T>
  struct Scalars {
    T neg_decay, eps;
  };
  static Before<double> before(const Params& p, const Counters& c) {
    const double dlr = c.dlr(p.lr, p.beta1, p.beta2);
    const double sb2 = std::sqrt(p.beta2);
    return {p.eps,         p.beta1, (1.0 - p.beta1) * dlr, p.beta2,
            1.0 - p.beta2, sb2,     (1.0 - sb2) * dlr,     dlr};
  }
  template <class T>
  static void measure(const Before<T>& k, Sums& sums, T, T g, T& m, T& v, T& s) {
    sums.numerator += static_cast<double>(g) * static_cast<double>(s / (math::sqrt(v) + k.eps));
    m = k.beta1 * m + k.m_scale * g;
    v = k.beta2 * v + k.one_minus_beta2 * g * g;
    s = k.sb2 * s + k.s_scale * g;
    sums.s_l1 += std::abs(static_cast<double>(s));
  }
  static Scalars<double> scalars(const Params& p, Counters& c, const Before<double>& k,
                                 const Sums& sums) {
    c.numerator = k.sb2 * c.numerator + k.s_scale * sums.numerator;
    if (sums.s_l1 > 0) c.d = std::max(c.d, c.numerator / ((1.0 - k.sb2) * sums.s_l1));
    ++c.step;
    return {-p.weight_decay * k.dlr, p.eps};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T, T& m, T& v, T&) {
    w = w + (k.neg_decay * w - m / (math::sqrt(v) + k.eps));
  }
};

template <std::floating_point T>
using Prodigy = Elementwise<ProdigyRule, T>;
template <std::floating_point T>
using DadaptAdam = Elementwise<DadaptAdamRule, T>;

}  // namespace descent
