// descent: ADOPT, Adam's moments reordered: the gradient is scaled by the previous second moment.
#pragma once

#include <cmath>

#include "descent/elementwise.hpp"

namespace descent {

struct AdoptRule {
  static constexpr OptimizerDoc doc = {
      .name = "adopt",
      .summary = "ADOPT: momentum of g scaled by the previous second moment; no bias correction",
      .rule =
          "step 1: v <- g^2, and w does not move\n"
          "then: c = g / max(sqrt(v), eps),  clipped to [-(t-1)^(1/4), (t-1)^(1/4)] (clip)\n"
          "m <- beta1 * m + (1 - beta1) * c\n"
          "w <- w - lr * m\n"
          "v <- beta2 * v + (1 - beta2) * g^2",
      .source = "Taniguchi et al. 2024 (arXiv:2411.02853); optax.contrib.adopt",
      .differs =
          "optax.contrib.adopt takes the same steps (its use_clipping is clip, on by default "
          "there too, its bound count^(1/4) counting earlier steps). clip = false is the "
          "unclipped update. torch.optim and keras have no ADOPT. weight_decay is L2 added to "
          "the gradient.",
      .family = Family::adaptive,
      .year = 2024};
  struct Params {
    double lr = 1e-3, beta1 = 0.9, beta2 = 0.9999, eps = 1e-6, weight_decay = 0.0;
    bool clip = true;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 rate(&Params::beta1, "beta1", "decay of the momentum m"),
                 rate(&Params::beta2, "beta2", "decay of the second moment v"),
                 epsilon(&Params::eps, "floor of sqrt(v) in the scaling of g"),
                 coupled_weight_decay(&Params::weight_decay),
                 flag(&Params::clip, "clip", "clip the scaled gradient to +-(t-1)^(1/4)")};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {{"exp_avg"}, {"exp_avg_sq"}};
  template <class T>
  struct Scalars {
    T beta1, one_minus_beta1, beta2, one_minus_beta2, eps, neg_lr;
    T bound;  ///< the clip bound, (t-1)^(1/4), or infinity without clipping
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const bool first = c.step++ == 0;
    const double bound = p.clip ? std::pow(static_cast<double>(c.step - 1), 0.25) : kInfinity;
    return {first ? 1.0 : p.beta1,
            first ? 0.0 : 1.0 - p.beta1,
            first ? 0.0 : p.beta2,
            first ? 1.0 : 1.0 - p.beta2,
            p.eps,
            -p.lr,
            bound};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& v) {
    const T scaled = g / math::max(math::sqrt(v), k.eps);
    const T neg_bound = -k.bound;
    const T low = scaled < neg_bound ? neg_bound : scaled;
    const T c = k.bound < low ? k.bound : low;
    m = m * k.beta1 + k.one_minus_beta1 * c;
    w = w + k.neg_lr * m;
    v = v * k.beta2 + (k.one_minus_beta2 * g) * g;
  }
};

template <std::floating_point T>
using Adopt = Elementwise<AdoptRule, T>;

}  // namespace descent
