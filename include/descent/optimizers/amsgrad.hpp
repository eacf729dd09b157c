// descent: AMSGrad, Adam that divides by the running maximum of its bias-corrected second moment.
#pragma once

#include <cmath>

#include "descent/optimizers/adam.hpp"

namespace descent {

/// AMSGrad's step scalars, shared by the kin of Adam that divide by a bias-corrected second
/// moment (adabelief, yogi), in double at step t (from 1).
template <class T>
struct CorrectedMoments {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, eps;
  T neg_step_size;  ///< -lr / (1 - beta1^t)
  T bias2;          ///< 1 - beta2^t
};

/// The scalars of the step about to be taken, for settings with lr, beta1, beta2 and eps; advances
/// the step count.
template <class P>
CorrectedMoments<double> corrected_moments(const P& p, StepCounter& c) {
  const double t = static_cast<double>(++c.step);
  return {p.beta1,
          1.0 - p.beta1,
          p.beta2,
          1.0 - p.beta2,
          p.eps,
          -(p.lr / (1.0 - std::pow(p.beta1, t))),
          1.0 - std::pow(p.beta2, t)};
}

struct AmsgradRule {
  static constexpr OptimizerDoc doc = {
      .name = "amsgrad",
      .summary = "AMSGrad: Adam divided by the running maximum of the corrected v, never shrinking",
      .rule =
          "m <- beta1 * m + (1 - beta1) * g\n"
          "v <- beta2 * v + (1 - beta2) * g^2\n"
          "v_max <- max(v_max, v/(1 - beta2^t))\n"
          "w <- w - lr/(1 - beta1^t) * m / (sqrt(v_max) + eps)",
      .source =
          "Reddi, Kale & Kumar, On the Convergence of Adam and Beyond (ICLR 2018, "
          "OpenReview ryQu7f-RZ; arXiv:1904.09237), algorithm 2, with Adam's bias "
          "corrections; optax.amsgrad",
      .differs =
          "The paper's algorithm has no bias correction. torch.optim.Adam(amsgrad=True), keras "
          "and adam:amsgrad=true keep the maximum of the raw v and correct it afterwards, "
          "sqrt(max v)/sqrt(1 - beta2^t): a smaller denominator once v has peaked. "
          "optax.amsgrad takes the maximum of the corrected v, as here. weight_decay is L2 "
          "added to the gradient.",
      .family = Family::adaptive,
      .year = 2018};
  struct Params {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple_cat(
      adam_moment_fields<Params>(), std::tuple{coupled_weight_decay(&Params::weight_decay)});
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {
      {"exp_avg"}, {"exp_avg_sq"}, {"max_exp_avg_sq_hat"}};
  template <class T>
  using Scalars = CorrectedMoments<T>;
  static Scalars<double> scalars(const Params& p, Counters& c) { return corrected_moments(p, c); }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& v, T& vmax) {
    m = m * k.beta1 + k.one_minus_beta1 * g;
    v = v * k.beta2 + (k.one_minus_beta2 * g) * g;
    vmax = math::max(vmax, v / k.bias2);
    w = w + (k.neg_step_size * m) / (math::sqrt(vmax) + k.eps);
  }
};

template <std::floating_point T>
using Amsgrad = Elementwise<AmsgradRule, T>;

}  // namespace descent
