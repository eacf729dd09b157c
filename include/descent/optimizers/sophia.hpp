// descent: Sophia, momentum divided by a moving average of the Hessian's diagonal, clipped.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "descent/tensorwise.hpp"

namespace descent {

struct SophiaRule {
  static constexpr OptimizerDoc doc = {
      .name = "sophia",
      .summary =
          "Sophia: momentum / max(gamma h, eps), clipped; h the Hessian's diagonal, averaged",
      .rule =
          "m <- beta1 * m + (1 - beta1) * g\n"
          "u = clip((m / (1 - beta1^t)) / max(gamma * h, eps), -clip, clip)\n"
          "then on steps t = 1, 1 + k, 1 + 2k, ... (k = update_every): h <- beta2 * h + "
          "(1 - beta2) * diag(H(w))\n"
          "w <- w - lr * (u + weight_decay * w)",
      .source = "Liu et al. 2024 (arXiv:2305.14342), algorithm 3; optax.contrib.sophia",
      .differs =
          "optax.contrib.sophia is the same with Hutchinson's estimate of the diagonal, z * (H z) "
          "for a Rademacher z (exact where H is diagonal). The paper's algorithm does not divide "
          "m by 1 - beta1^t and refreshes h before the step that uses it; the authors' SophiaG "
          "estimates the diagonal by Gauss-Newton-Bartlett (labels drawn from the model) and "
          "takes gamma = rho * batch size, its estimate lacking the paper's factor B. torch.optim "
          "and keras have no Sophia. Here the runner gives the exact diagonal on functions with "
          "a Hessian, and `descent train` the paper's Gauss-Newton-Bartlett estimate B g * g "
          "(g the batch's gradient against labels drawn from the model), so that gamma is the "
          "paper's factor of h (SophiaG's rho). With lr = gamma, an unclipped step is Newton's on "
          "the diagonal once h has settled (it starts at (1 - beta2) diag(H): h is not "
          "debiased).",
      .family = Family::second_order,
      .year = 2024};
  struct Params {
    double lr = 0.01, beta1 = 0.965, beta2 = 0.99, gamma = 0.01, eps = 1e-8, clip = 1.0;
    int update_every = 10;
    double weight_decay = 1e-4;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr),
      rate(&Params::beta1, "beta1", "decay of the gradient's average m"),
      rate(&Params::beta2, "beta2", "decay of the Hessian diagonal's average h"),
      nonnegative(&Params::gamma, "gamma", "scale of h in the divisor").log().above_min(),
      nonnegative(&Params::eps, "eps", "least divisor").log().above_min(),
      nonnegative(&Params::clip, "clip", "bound on each coordinate of u").above_min(),
      integer(&Params::update_every, "update_every", 1, 1 << 30,
              "steps between readings of the Hessian's diagonal")
          .shown(),
      nonnegative(&Params::weight_decay, "weight_decay", "decoupled, times lr")};
  static constexpr TensorArray arrays[] = {{"exp_avg"}, {"hessian"}};

  static bool reads_hessian(const Params& p, std::int64_t t) {
    return (t - 1) % p.update_every == 0;
  }

  template <class T>
  static void update(const Params& p, const TensorStep<T>& s, std::span<T> m, std::span<T> h) {
    const auto b1 = static_cast<T>(p.beta1), c1 = static_cast<T>(1.0 - p.beta1);
    const auto b2 = static_cast<T>(p.beta2), c2 = static_cast<T>(1.0 - p.beta2);
    const auto bias = static_cast<T>(1.0 - std::pow(p.beta1, static_cast<double>(s.t)));
    const auto gamma = static_cast<T>(p.gamma), eps = static_cast<T>(p.eps);
    const auto clip = static_cast<T>(p.clip), lr = static_cast<T>(p.lr);
    const auto wd = static_cast<T>(p.weight_decay);
    for (std::size_t i = 0; i < s.w.size(); ++i) {
      m[i] = c1 * s.g[i] + b1 * m[i];
      const T scaled = gamma * h[i];
      const T divisor = scaled > eps || scaled != scaled ? scaled : eps;  // NaN stays NaN
      const T u = std::clamp((m[i] / bias) / divisor, -clip, clip);
      if (!s.hessian.empty()) h[i] = c2 * s.hessian[i] + b2 * h[i];
      s.w[i] -= lr * (u + wd * s.w[i]);
    }
  }
};

template <std::floating_point T>
using Sophia = Tensorwise<SophiaRule, T>;

}  // namespace descent
