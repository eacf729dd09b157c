// descent: heavy-ball momentum, in the seed's velocity form.
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct MomentumRule {
  static constexpr OptimizerDoc doc = {
      .name = "momentum",
      .summary = "heavy-ball momentum, velocity form: v <- alpha*v + lr*g; w <- w - v",
      .rule =
          "v <- lr * g                                 (t = 1; v starts at 0)\n"
          "v <- alpha * v + (1 - dampening) * lr * g   (t > 1)\n"
          "w <- w - v\n"
          "buffer=true, torch's form: v <- g, then v <- alpha * v + (1 - dampening) * g;\n"
          "w <- w - lr * v",
      .source =
          "Polyak 1964; the seed's MomentumOptimizer; torch.optim.SGD(momentum) under a "
          "constant lr",
      .differs =
          "torch.optim.SGD(momentum, dampening) keeps b <- alpha*b + (1-dampening)*g (b <- g at "
          "first) and steps w <- w - lr*b: the same iteration (v = lr*b) up to rounding while lr "
          "is constant; under a schedule the velocity form keeps the scale of past rates, the "
          "buffer form rescales the whole past (buffer=true steps as torch does). keras "
          "SGD(momentum) writes v <- alpha*v - lr*g, w <- w + v: the opposite sign convention "
          "for v.",
      .family = Family::classic,
      .year = 1964};
  struct Params {
    double lr = 0.1, alpha = 0.9, dampening = 0.0, weight_decay = 0.0;
    bool buffer = false;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr), rate(&Params::alpha, "alpha", "momentum coefficient").shown(),
      real(&Params::dampening, "dampening", 0.0, 1.0,
           "share of the gradient removed from the velocity after the first step"),
      coupled_weight_decay(&Params::weight_decay),
      flag(&Params::buffer, "buffer",
           "keep torch's buffer b (v = lr*b under a constant lr) and step lr*b: a schedule's lr "
           "then scales the whole past, as in torch.optim.SGD")};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {{"velocity"}};
  template <class T>
  struct Scalars {
    T alpha, c;  ///< c: the gradient's coefficient in the velocity
    T s;         ///< the velocity's coefficient in the step: 1, or lr in the buffer form
  };
  static constexpr std::int64_t steady_after = 1;
  // On the first step v = 0, so alpha*v + c*g = c*g exactly: v <- lr*g needs only c = lr. In the
  // velocity form s = 1 and w - 1*v is w - v exactly.
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const bool first = c.step++ == 0;
    const double keep = first || p.dampening == 0.0 ? 1.0 : 1.0 - p.dampening;
    if (p.buffer) return {p.alpha, keep, p.lr};
    return {p.alpha, first || p.dampening == 0.0 ? p.lr : keep * p.lr, 1.0};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& v) {
    v = k.alpha * v + k.c * g;
    w = w - k.s * v;
  }
};

template <std::floating_point T>
using Momentum = Elementwise<MomentumRule, T>;

}  // namespace descent
