// descent: Adam, with torch's AMSGrad option and coupled (L2) weight decay.
#pragma once

#include <cmath>

#include "descent/elementwise.hpp"

namespace descent {

/// lr, beta1, beta2 and eps as Adam declares them, for the Params of Adam and its kin.
template <class P>
constexpr auto adam_moment_fields() {
  return std::tuple{learning_rate(&P::lr), rate(&P::beta1, "beta1", "decay of the first moment m"),
                    rate(&P::beta2, "beta2", "decay of the second moment v"),
                    epsilon(&P::eps, "added to the bias-corrected root")};
}

struct AdamRule {
  static constexpr OptimizerDoc doc = {
      .name = "adam",
      .summary = "Adam: bias-corrected moving averages of g and g^2, eps after the root",
      .rule =
          "m <- beta1 * m + (1 - beta1) * g\n"
          "v <- beta2 * v + (1 - beta2) * g^2\n"
          "v_max <- max(v_max, v)                   (amsgrad; v_max then replaces v)\n"
          "w <- w - lr/(1 - beta1^t) * m / (sqrt(v)/sqrt(1 - beta2^t) + eps)",
      .source =
          "Kingma & Ba 2015 (arXiv:1412.6980); AMSGrad: Reddi et al. 2018; "
          "torch.optim.Adam",
      .differs =
          "keras (and the paper) use the epsilon-hat form lr*sqrt(1-beta2^t)/(1-beta1^t) * "
          "m/(sqrt(v) + eps), which scales eps by sqrt(1-beta2^t); keras' eps is 1e-7. "
          "optax.adam adds eps outside the root like torch (eps_root inside, default 0). "
          "weight_decay here is L2 added to the gradient (torch's Adam); adamw decouples "
          "it.",
      .family = Family::adaptive,
      .year = 2015};
  struct Params {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
    bool amsgrad = false;
  };
  static constexpr auto fields = std::tuple_cat(
      adam_moment_fields<Params>(),
      std::tuple{
          coupled_weight_decay(&Params::weight_decay),
          flag(&Params::amsgrad, "amsgrad", "divide by the running maximum of v (AMSGrad)")});
  static constexpr unsigned kAmsgrad = 1, variant_bits = 1;
  static unsigned variant(const Params& p) { return p.amsgrad ? kAmsgrad : 0u; }
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {
      {"exp_avg"}, {"exp_avg_sq"}, {"max_exp_avg_sq", kAmsgrad}};
  template <class T>
  struct Scalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2;
    T neg_step_size;  ///< -lr / (1 - beta1^t)
    T bias2_sqrt;     ///< sqrt(1 - beta2^t)
    T eps;
  };
  /// Adam's scalars for the settings `p` (Adam's or AdamW's) at step t, from 1.
  template <class P>
  static Scalars<double> moments(const P& p, std::int64_t t) {
    const double bias1 = 1.0 - std::pow(p.beta1, static_cast<double>(t));
    const double bias2 = 1.0 - std::pow(p.beta2, static_cast<double>(t));
    return {p.beta1,         1.0 - p.beta1,    p.beta2, 1.0 - p.beta2,
            -(p.lr / bias1), std::sqrt(bias2), p.eps};
  }
  static Scalars<double> scalars(const Params& p, Counters& c) { return moments(p, ++c.step); }
  // In torch's order of operations.
  template <unsigned V, class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& v, T& vmax) {
    m = m * k.beta1 + k.one_minus_beta1 * g;
    v = v * k.beta2 + (k.one_minus_beta2 * g) * g;
    T vv = v;
    if constexpr ((V & kAmsgrad) != 0) {
      vmax = math::max(vmax, v);
      vv = vmax;
    }
    w = w + (k.neg_step_size * m) / (math::sqrt(vv) / k.bias2_sqrt + k.eps);
  }
};

template <std::floating_point T>
using Adam = Elementwise<AdamRule, T>;

}  // namespace descent
