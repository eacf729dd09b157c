// descent: COCOB-Backprop, coin betting per coordinate: no learning rate to tune.
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct CocobRule {
  static constexpr OptimizerDoc doc = {
      .name = "cocob",
      .summary = "COCOB-Backprop: each coordinate bets a fraction of its winnings; no step size",
      .rule =
          "c = lr * g                                 (x0 = w at step 1; L starts at eps)\n"
          "L <- max(L, |c|),  G <- G + |c|\n"
          "R <- max(R - c * (w - x0), 0),  theta <- theta - c\n"
          "w <- x0 + theta / (L * max(G + L, alpha * L)) * (L + R)",
      .source = "Orabona & Tommasi 2017, Algorithm 2 (arXiv:1705.07795); optax.contrib.cocob",
      .differs =
          "optax.contrib.cocob takes the same steps (its learning_rate also scales the "
          "gradient before the bet; 1 is the paper's method). torch.optim and keras have "
          "no COCOB. weight_decay is L2 added to the gradient.",
      .family = Family::lr_free,
      .year = 2017};
  struct Params {
    double lr = 1.0, alpha = 100.0, eps = 1e-8, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr, "scale of the gradient fed to the bets (1: the paper's method)"),
      real(&Params::alpha, "alpha", 0.0, kInfinity,
           "caps the bet while G is small: the fraction is at most 1/alpha", false, false)
          .log()
          .shown(),
      real(&Params::eps, "eps", 0.0, kInfinity, "initial L, the scale of the gradients", false,
           false)
          .log(),
      coupled_weight_decay(&Params::weight_decay)};
  using Counters = StepCounter;
  static constexpr StateArray<Params> arrays[] = {
      {"x0"},
      {"scale", 0, [](const Params& p) { return p.eps; }},
      {"subgradients"},
      {"reward"},
      {"theta"}};
  template <class T>
  struct Scalars {
    T lr, alpha, first;  ///< first: 1 at step 1, else 0
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    return {p.lr, p.alpha, ++c.step == 1 ? 1.0 : 0.0};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& x0, T& l, T& gsum, T& r, T& theta) {
    x0 = k.first != T{} ? w : x0;
    const T c = k.lr * g;
    l = math::max(l, math::abs(c));
    gsum = gsum + math::abs(c);
    r = math::max(r - c * (w - x0), T{});
    theta = theta - c;
    w = x0 + theta / (l * math::max(gsum + l, k.alpha * l)) * (l + r);
  }
};

template <std::floating_point T>
using Cocob = Elementwise<CocobRule, T>;

}  // namespace descent
