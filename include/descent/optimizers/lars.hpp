// descent: LARS, momentum SGD with each tensor's step scaled by its trust ratio.
#pragma once

#include "descent/tensorwise.hpp"

namespace descent {

struct LarsRule {
  static constexpr OptimizerDoc doc = {
      .name = "lars",
      .summary = "LARS: per tensor, u = g + wd*w scaled by c*|w|/|u|, then heavy-ball momentum",
      .rule =
          "per tensor: u = g + weight_decay * w\n"
          "r = trust_coefficient * |w| / (|u| + eps)     (r = 1 if |w| = 0 or |u| = 0)\n"
          "m <- momentum * m + lr * r * u\n"
          "w <- w - m, or w - (lr * r * u + momentum * m) with nesterov",
      .source = "You, Gitman & Ginsburg 2017 (arXiv:1708.03888), algorithm 1; optax.lars",
      .differs =
          "optax.lars is the same (its trace holds -m); its learning rate has no default. "
          "torch.optim and keras have none. The paper's trust ratio is |w| / (|g| + wd |w|), "
          "which equals |w| / |u| up to the triangle inequality's slack; optax and this take "
          "|u|. Run it per layer: in `descent train` every tensor is its own; on the lab's "
          "functions the point is one tensor, and each step before momentum has length "
          "lr * trust_coefficient * |w| (eps = 0, w not 0).",
      .family = Family::layerwise,
      .year = 2017};
  struct Params {
    double lr = 1.0, momentum = 0.9, weight_decay = 0.0, trust_coefficient = 1e-3, eps = 0.0;
    bool nesterov = false;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr),
      rate(&Params::momentum, "momentum", "momentum coefficient"),
      nonnegative(&Params::weight_decay, "weight_decay", "L2 penalty added before the ratio"),
      nonnegative(&Params::trust_coefficient, "trust_coefficient", "c of the trust ratio").log(),
      epsilon(&Params::eps, "added to |u| in the trust ratio"),
      flag(&Params::nesterov, "nesterov", "Nesterov's form of the momentum")};
  static constexpr TensorArray arrays[] = {{"trace"}};
  template <class T>
  static void update(const Params& p, const TensorStep<T>& s, std::span<T> m) {
    const auto wd = static_cast<T>(p.weight_decay);
    double u2 = 0.0;
    for (std::size_t i = 0; i < s.w.size(); ++i) {
      const T u = s.g[i] + wd * s.w[i];
      u2 += static_cast<double>(u) * u;
    }
    const double r = trust_ratio(norm<T>(s.w), std::sqrt(u2), p.trust_coefficient, p.eps);
    const auto rate = static_cast<T>(r), lr = static_cast<T>(p.lr), mu = static_cast<T>(p.momentum);
    for (std::size_t i = 0; i < s.w.size(); ++i) {
      const T step = lr * ((s.g[i] + wd * s.w[i]) * rate);
      m[i] = step + mu * m[i];
      s.w[i] -= p.nesterov ? step + mu * m[i] : m[i];
    }
  }
};

template <std::floating_point T>
using Lars = Tensorwise<LarsRule, T>;

}  // namespace descent
