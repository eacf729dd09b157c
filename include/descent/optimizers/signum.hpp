// descent: Signum, the sign of a momentum average (signSGD with momentum).
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct SignumRule {
  static constexpr OptimizerDoc doc = {
      .name = "signum",
      .summary = "Signum: w <- w - lr*sign(m), with m a moving average of g",
      .rule =
          "m <- beta * m + (1 - beta) * g        (m starts at 0)\n"
          "w <- w - lr * sign(m)",
      .source =
          "Bernstein, Wang, Azizzadenesheli & Anandkumar 2018 (arXiv:1802.04434), "
          "algorithm 3; MXNet's Signum",
      .differs =
          "optax.signum is the same; torch.optim and keras have none. beta = 0 is signsgd. "
          "lion with beta1 = beta2 = beta takes the same steps (its weight decay is decoupled, "
          "Signum's is added to the gradient). Every coordinate moves by exactly lr or 0.",
      .family = Family::sign_based,
      .year = 2018};
  struct Params {
    double lr = 1e-2, beta = 0.9, weight_decay = 0.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 rate(&Params::beta, "beta", "decay of the momentum average m").shown(),
                 coupled_weight_decay(&Params::weight_decay)};
  static constexpr StateArray<Params> arrays[] = {{"momentum"}};
  template <class T>
  struct Scalars {
    T lr, beta, one_minus_beta;
  };
  static Scalars<double> scalars(const Params& p) { return {p.lr, p.beta, 1.0 - p.beta}; }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m) {
    m = k.beta * m + k.one_minus_beta * g;
    w = w - k.lr * math::sign(m);
  }
};

template <std::floating_point T>
using Signum = Elementwise<SignumRule, T>;

}  // namespace descent
