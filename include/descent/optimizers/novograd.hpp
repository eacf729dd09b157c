// descent: NovoGrad, a momentum of gradients normalised by a per-tensor second moment.
#pragma once

#include <cmath>

#include "descent/tensorwise.hpp"

namespace descent {

struct NovogradRule {
  static constexpr OptimizerDoc doc = {
      .name = "novograd",
      .summary = "NovoGrad: per tensor, v a moving average of |g|^2; m <- beta1*m + g/sqrt(v)",
      .rule =
          "per tensor: v <- |g|^2 at t = 1, then beta2 * v + (1 - beta2) * |g|^2\n"
          "m <- g / (sqrt(v) + eps) + weight_decay * w at t = 1, then\n"
          "m <- beta1 * m + (g / (sqrt(v) + eps) + weight_decay * w)\n"
          "w <- w - lr * m",
      .source = "Ginsburg et al. 2019 (arXiv:1905.11286), algorithm 1; optax.novograd",
      .differs =
          "optax.novograd is the same, with the same defaults (its learning rate has none). "
          "NVIDIA's implementations default to betas (0.95, 0.98) and some scale g by "
          "(1 - beta1). One v per tensor: on the lab's functions, one v for the whole point.",
      .family = Family::layerwise,
      .year = 2019};
  struct Params {
    double lr = 1e-2, beta1 = 0.9, beta2 = 0.25, eps = 1e-6, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr), rate(&Params::beta1, "beta1", "decay of the momentum m"),
      rate(&Params::beta2, "beta2", "decay of the tensor's second moment v"),
      epsilon(&Params::eps, "added to sqrt(v)"),
      nonnegative(&Params::weight_decay, "weight_decay", "L2 term added to the normalised g")};
  static constexpr TensorArray arrays[] = {{"exp_avg"}, {"exp_avg_sq", Extent::one}};
  template <class T>
  static void update(const Params& p, const TensorStep<T>& s, std::span<T> m, std::span<T> v) {
    const double gn = norm<T>(s.g), g2 = gn * gn;
    const bool first = s.t == 1;
    v[0] =
        first ? static_cast<T>(g2)
              : static_cast<T>(1.0 - p.beta2) * static_cast<T>(g2) + static_cast<T>(p.beta2) * v[0];
    const T d = std::sqrt(v[0]) + static_cast<T>(p.eps);
    const auto b1 = first ? T(0) : static_cast<T>(p.beta1), wd = static_cast<T>(p.weight_decay);
    const auto lr = static_cast<T>(p.lr);
    for (std::size_t i = 0; i < s.w.size(); ++i) {
      m[i] = b1 * m[i] + (s.g[i] / d + wd * s.w[i]);
      s.w[i] -= lr * m[i];
    }
  }
};

template <std::floating_point T>
using Novograd = Tensorwise<NovogradRule, T>;

}  // namespace descent
