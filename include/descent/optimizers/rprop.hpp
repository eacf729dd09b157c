// descent: Rprop, resilient backpropagation: per-coordinate step sizes adapted by sign changes.
#pragma once

#include <string_view>

#include "descent/elementwise.hpp"

namespace descent {

struct RpropRule {
  static constexpr OptimizerDoc doc = {
      .name = "rprop",
      .summary =
          "Rprop: per-coordinate steps grown while the gradient's sign holds, cut when it flips",
      .rule =
          "f = eta_plus if g*g_prev > 0; eta_minus if g*g_prev < 0; 1 otherwise\n"
          "step <- clamp(step * f, step_min, step_max)      (step starts at lr)\n"
          "g <- 0 if g*g_prev < 0                           (Rprop-: no move after a flip)\n"
          "w <- w - sign(g) * step\n"
          "g_prev <- g",
      .source = "Riedmiller & Braun 1993; torch.optim.Rprop",
      .differs =
          "torch writes etas = (eta_minus, eta_plus) and step_sizes = (step_min, "
          "step_max); keras has none. optax.rprop (0.2.8) applies each update one step "
          "late, its first update being 0 (google-deepmind/optax#1725). Rprop ignores the "
          "gradient's magnitude, so it is meant for full-batch gradients.",
      .family = Family::sign_based,
      .year = 1993};
  struct Params {
    double lr = 1e-2, eta_minus = 0.5, eta_plus = 1.2, step_min = 1e-6, step_max = 50.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr, "initial step size"),
                 real(&Params::eta_minus, "eta_minus", 0.0, 1.0, "step factor after a sign change",
                      false, false),
                 real(&Params::eta_plus, "eta_plus", 1.0, kInfinity,
                      "step factor while the sign holds", false, false),
                 nonnegative(&Params::step_min, "step_min", "smallest step size").log(),
                 nonnegative(&Params::step_max, "step_max", "largest step size").log()};
  static std::string_view validate(const Params& p) {
    return p.step_min <= p.step_max ? "" : "step_min must not exceed step_max";
  }
  static constexpr StateArray<Params> arrays[] = {
      {"prev"}, {"step_size", 0, [](const Params& p) { return p.lr; }}};
  template <class T>
  struct Scalars {
    T eta_minus, eta_plus, step_min, step_max;
  };
  static Scalars<double> scalars(const Params& p) {
    return {p.eta_minus, p.eta_plus, p.step_min, p.step_max};
  }
  // Value selects only, no branches, so that it vectorizes.
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& prev, T& step) {
    const T zero{}, agree = g * prev;
    const auto grow = agree > zero, shrink = agree < zero;
    const T factor = grow ? k.eta_plus : (shrink ? k.eta_minus : zero + 1);
    const T grown = step * factor;
    const T low = grown < k.step_min ? k.step_min : grown;
    step = k.step_max < low ? k.step_max : low;
    g = shrink ? zero : g;
    w = w - math::sign(g) * step;
    prev = g;
  }
};

template <std::floating_point T>
using Rprop = Elementwise<RpropRule, T>;

}  // namespace descent
