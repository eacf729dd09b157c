// descent: plain (stochastic) gradient descent, also registered as `gd`, the name that reads
// naturally for full-batch gradient descent on a deterministic objective.
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct SgdRule {
  static constexpr OptimizerDoc doc = {
      .name = "sgd",
      .summary = "plain gradient descent: w <- w - lr*g",
      .rule = "w <- w - lr * g",
      .source = "Robbins & Monro 1951; the seed's SGDOptimizer; torch.optim.SGD",
      .differs =
          "None: torch.optim.SGD without momentum, keras SGD with momentum 0 (keras has no "
          "coupled weight decay) and optax.sgd take the same step.",
      .family = Family::classic,
      .year = 1951};
  struct Params {
    double lr = 0.1, weight_decay = 0.0;
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
    w = w - k.lr * g;
  }
};

template <std::floating_point T>
using Sgd = Elementwise<SgdRule, T>;

}  // namespace descent
