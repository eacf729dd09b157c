// descent: RMSProp, as the seed writes it, with torch's options.
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct RmspropRule {
  static constexpr OptimizerDoc doc = {
      .name = "rmsprop",
      .summary =
          "RMSProp: s <- beta*s + (1-beta)*g^2; w <- w - lr*g/(sqrt(s)+eps), eps outside "
          "the root",
      .rule =
          "s <- beta * s + (1 - beta) * g^2\n"
          "a <- beta * a + (1 - beta) * g                 (centered only)\n"
          "d  = sqrt(s - a^2) + eps if centered, else sqrt(s) + eps\n"
          "w <- w - lr * g / d                            (momentum = 0)\n"
          "b <- momentum * b + g / d;  w <- w - lr * b    (momentum > 0)",
      .source =
          "Tieleman & Hinton 2012 (lecture 6.5); the seed's RMSPropOptimizer; "
          "torch.optim.RMSprop",
      .differs =
          "torch.optim.RMSprop calls beta `alpha` (default 0.99), lr = 0.01, eps = 1e-8, "
          "eps outside the root as here. keras RMSprop calls it `rho` (0.9), eps = 1e-7 "
          "outside the root. optax.rmsprop (decay 0.9, eps 1e-8) adds eps inside the "
          "root, g/sqrt(s + eps), which matters while s is tiny. Centered: Graves 2013.",
      .family = Family::adaptive,
      .year = 2012};
  struct Params {
    double lr = 0.1, beta = 0.9, eps = 1e-10, momentum = 0.0;
    bool centered = false;
    double weight_decay = 0.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 rate(&Params::beta, "beta", "decay of the running mean of g^2").shown(),
                 epsilon(&Params::eps, "added to the root in the denominator"),
                 rate(&Params::momentum, "momentum", "momentum on the scaled step"),
                 flag(&Params::centered, "centered",
                      "divide by the running standard deviation of g instead of its RMS"),
                 coupled_weight_decay(&Params::weight_decay)};
  static constexpr unsigned kCentered = 1, kMomentum = 2, variant_bits = 2;
  static unsigned variant(const Params& p) {
    return (p.centered ? kCentered : 0u) | (p.momentum > 0 ? kMomentum : 0u);
  }
  static constexpr StateArray<Params> arrays[] = {
      {"square_avg"}, {"grad_avg", kCentered}, {"buffer", kMomentum}};
  template <class T>
  struct Scalars {
    T lr, beta, one_minus_beta, eps, momentum;
  };
  static Scalars<double> scalars(const Params& p) {
    return {p.lr, p.beta, 1.0 - p.beta, p.eps, p.momentum};
  }
  // With the defaults this is the seed's arithmetic exactly.
  template <unsigned V, class T>
  static void update(const Scalars<T>& k, T& w, T g, T& s, T& a, T& b) {
    s = k.beta * s + k.one_minus_beta * (g * g);
    T d;
    if constexpr ((V & kCentered) != 0) {
      a = k.beta * a + k.one_minus_beta * g;
      d = math::sqrt(s - a * a) + k.eps;
    } else {
      d = math::sqrt(s) + k.eps;
    }
    if constexpr ((V & kMomentum) != 0) {
      b = k.momentum * b + g / d;
      w = w - k.lr * b;
    } else {
      w = w - (k.lr * g) / d;
    }
  }
};

template <std::floating_point T>
using Rmsprop = Elementwise<RmspropRule, T>;

}  // namespace descent
