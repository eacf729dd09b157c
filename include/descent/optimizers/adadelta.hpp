// descent: Adadelta, steps scaled by the ratio of running RMS of updates and of gradients.
#pragma once

#include "descent/elementwise.hpp"

namespace descent {

struct AdadeltaRule {
  static constexpr OptimizerDoc doc = {
      .name = "adadelta",
      .summary = "Adadelta: dx = RMS(previous dx)/RMS(g) * g; w <- w - lr*dx",
      .rule =
          "E[g^2]  <- rho * E[g^2] + (1 - rho) * g^2\n"
          "dx       = sqrt(E[dx^2] + eps) / sqrt(E[g^2] + eps) * g\n"
          "E[dx^2] <- rho * E[dx^2] + (1 - rho) * dx^2\n"
          "w <- w - lr * dx",
      .source = "Zeiler 2012 (arXiv:1212.5701; the paper's lr is 1); torch.optim.Adadelta",
      .differs =
          "keras Adadelta defaults lr = 0.001, rho = 0.95, eps = 1e-7; optax.adadelta "
          "defaults rho = 0.9, eps = 1e-6 like torch.",
      .family = Family::adaptive,
      .year = 2012};
  struct Params {
    double lr = 1.0, rho = 0.9, eps = 1e-6, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr), rate(&Params::rho, "rho", "decay of both running averages"),
      epsilon(&Params::eps, "added inside both roots"),
      coupled_weight_decay(&Params::weight_decay)};
  static constexpr StateArray<Params> arrays[] = {{"square_avg"}, {"acc_delta"}};
  template <class T>
  struct Scalars {
    T rho, one_minus_rho, eps, neg_lr;
  };
  static Scalars<double> scalars(const Params& p) { return {p.rho, 1.0 - p.rho, p.eps, -p.lr}; }
  // In torch's order of operations.
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& sq, T& acc) {
    sq = sq * k.rho + (k.one_minus_rho * g) * g;
    const T dx = (math::sqrt(acc + k.eps) / math::sqrt(sq + k.eps)) * g;
    acc = acc * k.rho + (k.one_minus_rho * dx) * dx;
    w = w + k.neg_lr * dx;
  }
};

template <std::floating_point T>
using Adadelta = Elementwise<AdadeltaRule, T>;

}  // namespace descent
