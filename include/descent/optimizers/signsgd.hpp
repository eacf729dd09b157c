// descent: signSGD, a step of lr against the sign of the gradient.
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct SignsgdRule {
  static constexpr OptimizerDoc doc = {
      .name = "signsgd",
      .summary = "signSGD: w <- w - lr*sign(g)",
      .rule = "w <- w - lr * sign(g)                 (sign(0) = 0)",
      .source =
          "Bernstein, Wang, Azizzadenesheli & Anandkumar 2018 (arXiv:1802.04434), "
          "algorithm 1; optax.sign_sgd",
      .differs =
          "optax.sign_sgd takes the same step; torch.optim and keras have none. signum with "
          "beta = 0 takes the same steps. weight_decay is L2 added to the gradient before "
          "its sign is taken. Every coordinate moves by exactly lr or 0.",
      .family = Family::sign_based,
      .year = 2018};
  struct Params {
    double lr = 1e-2, weight_decay = 0.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr), coupled_weight_decay(&Params::weight_decay)};
  static constexpr std::array<StateArray<Params>, 0> arrays{};
  template <class T>
  struct Scalars {
    T lr;
  };
  static Scalars<double> scalars(const Params& p) { return {p.lr}; }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g) {
    w = w - k.lr * math::sign(g);
  }
};

template <std::floating_point T>
using Signsgd = Elementwise<SignsgdRule, T>;

}  // namespace descent
