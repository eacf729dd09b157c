// descent: ASGD, averaged stochastic gradient descent with a decaying step size.
#pragma once

#include <algorithm>
#include <cmath>

#include "descent/elementwise.hpp"

namespace descent {

struct AsgdRule {
  static constexpr OptimizerDoc doc = {
      .name = "asgd",
      .summary =
          "averaged SGD: decaying steps eta_t = lr/(1 + lambd*lr*t)^alpha, iterate averaging",
      .rule =
          "w <- w * (1 - lambd * eta)               (eta starts at lr, mu at 1)\n"
          "w <- w - eta * g\n"
          "a <- a + mu * (w - a)                    (a <- w while mu = 1)\n"
          "eta <- lr / (1 + lambd*lr*t)^alpha,  mu <- 1/max(1, t - t0)   (once per step)",
      .source = "Polyak & Juditsky 1992; Bottou 2012; torch.optim.ASGD",
      .differs =
          "torch 1.x keeps eta and mu as tensors of the default dtype, so its float64 runs "
          "use float32-rounded step sizes; descent keeps them in double. The trajectory is "
          "the iterate w; the average is the state array ax. keras and optax have no "
          "ASGD.",
      .family = Family::classic,
      .year = 1992};
  struct Params {
    double lr = 1e-2, lambd = 1e-4, alpha = 0.75, t0 = 1e6, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr), nonnegative(&Params::lambd, "lambd", "decay term").log(),
      nonnegative(&Params::alpha, "alpha", "power of the eta schedule"),
      nonnegative(&Params::t0, "t0", "step at which averaging starts").log(),
      coupled_weight_decay(&Params::weight_decay)};
  struct Counters {
    std::int64_t step = 0;
    double eta = 0.0;  ///< the current step size
    double mu = 1.0;   ///< the current averaging weight
    static constexpr auto fields =
        std::tuple{counter(&Counters::step, "step"), counter(&Counters::eta, "eta"),
                   counter(&Counters::mu, "mu")};
  };
  static Counters start(const Params& p) { return {.step = 0, .eta = p.lr, .mu = 1.0}; }
  static constexpr StateArray<Params> arrays[] = {{"ax"}};
  template <class T>
  struct Scalars {
    T shrink, neg_eta, mu;
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const Scalars<double> k{1.0 - p.lambd * c.eta, -c.eta, c.mu};
    const double t = static_cast<double>(++c.step);
    c.eta = p.lr / std::pow(1.0 + p.lambd * p.lr * t, p.alpha);
    c.mu = 1.0 / std::max(1.0, t - p.t0);
    return k;
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& ax) {
    w = w * k.shrink;
    w = w + k.neg_eta * g;
    ax = k.mu != T{} + 1 ? ax + (w - ax) * k.mu : w;
  }
};

template <std::floating_point T>
using Asgd = Elementwise<AsgdRule, T>;

}  // namespace descent
