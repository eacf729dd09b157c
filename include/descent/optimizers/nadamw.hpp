// descent: NAdamW, NAdam with decoupled weight decay.
#pragma once

#include "descent/optimizers/nadam.hpp"

namespace descent {

struct NadamwRule {
  static constexpr OptimizerDoc doc = {
      .name = "nadamw",
      .summary = "NAdamW: NAdam with decoupled weight decay w <- w*(1 - lr*weight_decay)",
      .rule =
          "w <- w * (1 - lr * weight_decay)\n"
          "then NAdam's step (its momentum schedule mu_t, without coupled decay)",
      .source =
          "Dozat 2016 (NAdam) with the decoupled decay of Loshchilov & Hutter 2019 "
          "(arXiv:1711.05101); torch.optim.NAdam(decoupled_weight_decay=True) of recent torch "
          "(Debian 12's torch 1.13 has no such option)",
      .differs =
          "optax.nadamw has no momentum schedule (mu_t = beta1, its default weight_decay is "
          "1e-4) and multiplies the decay by the learning rate inside the update, the same "
          "under a constant lr: a large momentum_decay (1e4: 0.96^1e4 is below double's "
          "half ulp of 1) gives its step. torch's NAdam defaults weight_decay to 0; this "
          "default, 0.01, is adamw's. keras has no NAdamW.",
      .family = Family::adaptive,
      .year = 2019};
  struct Params {
    double lr = 2e-3, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.01;
    double momentum_decay = 4e-3;
  };
  static constexpr auto fields = std::tuple_cat(
      adam_moment_fields<Params>(),
      std::tuple{nonnegative(&Params::weight_decay, "weight_decay",
                             "decoupled decay: w <- w*(1 - lr*weight_decay) before the NAdam step"),
                 nonnegative(&Params::momentum_decay, "momentum_decay",
                             "psi in the momentum schedule mu_t = beta1*(1 - 0.5*0.96^(t*psi))")});
  using Counters = NadamRule::Counters;
  static constexpr StateArray<Params> arrays[] = {{"exp_avg"}, {"exp_avg_sq"}};
  template <class T>
  struct Scalars : NadamRule::Scalars<T> {
    T decay_factor;  ///< 1 - lr * weight_decay
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const NadamRule::Params nadam{.lr = p.lr,
                                  .beta1 = p.beta1,
                                  .beta2 = p.beta2,
                                  .eps = p.eps,
                                  .weight_decay = 0.0,
                                  .momentum_decay = p.momentum_decay,
                                  .torch113 = false};
    return {NadamRule::scalars(nadam, c), 1.0 - p.lr * p.weight_decay};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m, T& v) {
    w = w * k.decay_factor;
    NadamRule::update(k, w, g, m, v);
  }
};

template <std::floating_point T>
using Nadamw = Elementwise<NadamwRule, T>;

}  // namespace descent
