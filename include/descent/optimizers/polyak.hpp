// descent: SGD with the Polyak step size, the step that would reach f_min on a linear model of f.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "descent/elementwise.hpp"
#include "descent/error.hpp"

namespace descent {

struct PolyakRule {
  static constexpr OptimizerDoc doc = {
      .name = "polyak",
      .summary = "Polyak step size: gamma = (f - f_min) / |lr g|^2, at most max_lr; needs the loss",
      .rule =
          "u = lr * g\n"
          "gap = f(w) - f_min                       (positive: max(gap, 0), the SPS+ form)\n"
          "gamma = min(gap / (|u|^2 + eps), max_lr), 0 where |u|^2 + eps <= machine epsilon\n"
          "w <- w - gamma * u",
      .source =
          "Polyak 1987; Loizou, Vaswani, Laradji & Lacoste-Julien 2021, Stochastic Polyak "
          "Step-size (AISTATS 2021; arXiv:2002.10542), SPS_max; optax.polyak_sgd",
      .differs =
          "optax.polyak_sgd takes the same steps (its scaling is lr, its max_learning_rate "
          "max_lr, variant 'sps+' is positive=true). The seed's functions have minimum 0, "
          "the default f_min; elsewhere f_min is an estimate of the minimum and a wrong one "
          "stalls or overshoots. It needs the loss at every step: descent run, sweep, tune, "
          "serve and train (the batch's loss) give it. torch.optim and keras have none.",
      .family = Family::lr_free,
      .year = 2021};
  struct Params {
    double lr = 1.0, max_lr = 1.0, f_min = 0.0, eps = 0.0;
    bool positive = false;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr, "scales the gradient before the Polyak step (optax's scaling)"),
      nonnegative(&Params::max_lr, "max_lr", "the largest step size gamma").log().shown(),
      real(&Params::f_min, "f_min", -kInfinity, kInfinity,
           "the minimum of f, or an estimate of it"),
      epsilon(&Params::eps, "added to |u|^2"),
      flag(&Params::positive, "positive", "clip the gap f - f_min at 0 (SPS+)")};
  static constexpr std::array<StateArray<Params>, 0> arrays{};
  template <class T>
  struct Before {
    T lr, gap;  ///< gap = f(w) - f_min (clipped at 0 with positive)
  };
  struct Sums {
    double u_sq = 0;
  };
  template <class T>
  struct Scalars {
    T neg_step;  ///< -gamma * lr
  };
  static Before<double> before(const Params& p, const NoCounters&, double loss) {
    if (std::isnan(loss))
      throw InputError(
          "optimizer 'polyak' needs the loss at each step (descent run, sweep, tune, serve and "
          "train give it; Optimizer::step() does not: call step_with())");
    const double gap = loss - p.f_min;
    return {p.lr, p.positive ? std::max(gap, 0.0) : gap};
  }
  template <class T>
  static void measure(const Before<T>& k, Sums& sums, T, T g) {
    const T u = k.lr * g;
    sums.u_sq += static_cast<double>(u) * u;
  }
  static Scalars<double> scalars(const Params& p, NoCounters&, const Before<double>& k,
                                 const Sums& s) {
    const double denominator = s.u_sq + p.eps;
    const double gamma = denominator <= std::numeric_limits<double>::epsilon()
                             ? 0.0
                             : std::min(k.gap / denominator, p.max_lr);
    return {-(gamma * p.lr)};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g) {
    w = w + k.neg_step * g;
  }
};

}  // namespace descent
