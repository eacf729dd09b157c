// descent: Nesterov momentum, in torch's buffer form.
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct NesterovRule {
  static constexpr OptimizerDoc doc = {
      .name = "nesterov",
      .summary = "Nesterov momentum: b <- alpha*b + g; w <- w - lr*(g + alpha*b)",
      .rule =
          "b <- g                          (t = 1)\n"
          "b <- alpha * b + g              (t > 1)\n"
          "w <- w - lr * (g + alpha * b)",
      .source = "Nesterov 1983; Sutskever et al. 2013; torch.optim.SGD(momentum, nesterov=True)",
      .differs =
          "keras SGD(nesterov=True) writes v <- alpha*v - lr*g, w <- w + alpha*v - lr*g: "
          "the same iteration under a constant lr. optax.sgd(nesterov=True) follows "
          "torch.",
      .family = Family::classic,
      .year = 1983};
  struct Params {
    double lr = 0.1, alpha = 0.9, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr), rate(&Params::alpha, "alpha", "momentum coefficient").shown(),
      coupled_weight_decay(&Params::weight_decay)};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {{"buffer"}};
  template <class T>
  struct Scalars {
    T lr, alpha, keep;  ///< keep: alpha, or 0 on the first step (b <- g)
  };
  static constexpr std::int64_t steady_after = 1;
  static Scalars<double> scalars(const Params& p, Counters& c) {
    return {p.lr, p.alpha, c.step++ == 0 ? 0.0 : p.alpha};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& b) {
    b = k.keep * b + g;
    w = w - k.lr * (g + k.alpha * b);
  }
};

template <std::floating_point T>
using Nesterov = Elementwise<NesterovRule, T>;

}  // namespace descent
