// descent: LAMB, Adam's step with decoupled weight decay, scaled per tensor by its trust ratio.
#pragma once

#include <cmath>

#include "descent/optimizers/adam.hpp"
#include "descent/tensorwise.hpp"

namespace descent {

struct LambRule {
  static constexpr OptimizerDoc doc = {
      .name = "lamb",
      .summary = "LAMB: per tensor, Adam's direction plus wd*w, scaled by |w|/|u|",
      .rule =
          "m <- beta1 * m + (1 - beta1) * g;  v <- beta2 * v + (1 - beta2) * g^2\n"
          "u = (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps) + weight_decay * w\n"
          "per tensor: r = |w| / |u|                    (r = 1 if |w| = 0 or |u| = 0)\n"
          "w <- w - lr * r * u",
      .source = "You et al. 2020 (arXiv:1904.00962), algorithm 2; optax.lamb",
      .differs =
          "optax.lamb is the same (eps 1e-6; its learning rate has no default); the paper also "
          "clips |w| by a function phi, taken as the identity here and in optax. torch.optim "
          "and keras have none. On the lab's functions the point is one tensor: each step is u "
          "rescaled to length lr |w| (w not 0), and with one element signSGD's step times |w|.",
      .family = Family::layerwise,
      .year = 2020};
  struct Params {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-6, weight_decay = 0.0;
  };
  static constexpr auto fields =
      std::tuple_cat(adam_moment_fields<Params>(),
                     std::tuple{nonnegative(&Params::weight_decay, "weight_decay",
                                            "decoupled weight decay, added to Adam's direction")});
  static constexpr TensorArray arrays[] = {{"exp_avg"}, {"exp_avg_sq"}};
  template <class T>
  static void update(const Params& p, const TensorStep<T>& s, std::span<T> m, std::span<T> v) {
    const auto t = static_cast<double>(s.t);
    const auto b1 = static_cast<T>(p.beta1), b2 = static_cast<T>(p.beta2);
    const auto c1 = static_cast<T>(1.0 - p.beta1), c2 = static_cast<T>(1.0 - p.beta2);
    const auto bias1 = static_cast<T>(1.0 - std::pow(p.beta1, t));
    const auto bias2 = static_cast<T>(1.0 - std::pow(p.beta2, t));
    const auto eps = static_cast<T>(p.eps), wd = static_cast<T>(p.weight_decay);
    const auto u = [&](std::size_t i) {
      return (m[i] / bias1) / (std::sqrt(v[i] / bias2) + eps) + wd * s.w[i];
    };
    double u2 = 0.0;
    for (std::size_t i = 0; i < s.w.size(); ++i) {
      m[i] = c1 * s.g[i] + b1 * m[i];
      v[i] = c2 * (s.g[i] * s.g[i]) + b2 * v[i];
      const T ui = u(i);
      u2 += static_cast<double>(ui) * ui;
    }
    const auto step = static_cast<T>(p.lr * trust_ratio(norm<T>(s.w), std::sqrt(u2)));
    for (std::size_t i = 0; i < s.w.size(); ++i) s.w[i] -= step * u(i);
  }
};

template <std::floating_point T>
using Lamb = Tensorwise<LambRule, T>;

}  // namespace descent
