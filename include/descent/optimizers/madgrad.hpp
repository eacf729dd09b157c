// descent: MADGRAD, momentumized dual averaging with a cube-root denominator.
#pragma once

#include <cmath>

#include "descent/elementwise.hpp"

namespace descent {

struct MadgradRule {
  static constexpr OptimizerDoc doc = {
      .name = "madgrad",
      .summary = "MADGRAD: dual averaging of g, scaled by the cube root of the weighted sum of g^2",
      .rule =
          "lambda = (lr + eps) * sqrt(t)                 (t = 1, 2, ...; x0 = w at step 1)\n"
          "s <- s + lambda * g,  G <- G + lambda * g^2\n"
          "z = x0 - s / (cbrt(G) + eps)\n"
          "w <- momentum * w + (1 - momentum) * z",
      .source = "Defazio & Jelassi 2021 (arXiv:2101.11075); optax.contrib.madgrad",
      .differs =
          "optax.contrib.madgrad and the authors' code add eps to lr as here; the authors' "
          "code recovers x0 from s when momentum = 0 and takes G^(1/3) with pow, optax and "
          "descent keep x0 and take cbrt. weight_decay is L2 added to the gradient (the "
          "authors' decouple_decay option is not offered). torch.optim and keras have no "
          "MADGRAD.",
      .family = Family::adaptive,
      .year = 2021};
  struct Params {
    double lr = 1e-2, momentum = 0.9, eps = 1e-6, weight_decay = 0.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 rate(&Params::momentum, "momentum", "weight of the previous iterate").shown(),
                 epsilon(&Params::eps, "added to lr and to the cube root"),
                 coupled_weight_decay(&Params::weight_decay)};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {{"grad_sum_sq"}, {"s"}, {"x0"}};
  template <class T>
  struct Scalars {
    T lambda, eps, momentum, one_minus_momentum, first;  ///< first: 1 at step 1, else 0
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const double t = static_cast<double>(++c.step);
    return {(p.lr + p.eps) * std::sqrt(t), p.eps, p.momentum, 1.0 - p.momentum,
            c.step == 1 ? 1.0 : 0.0};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& sum_sq, T& s, T& x0) {
    x0 = k.first != T{} ? w : x0;
    sum_sq = sum_sq + k.lambda * (g * g);
    s = s + k.lambda * g;
    const T z = x0 - s / (math::cbrt(sum_sq) + k.eps);
    w = k.one_minus_momentum * z + k.momentum * w;
  }
};

template <std::floating_point T>
using Madgrad = Elementwise<MadgradRule, T>;

}  // namespace descent
