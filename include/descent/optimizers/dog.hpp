// descent: DoG and DoWG, step sizes from the distance travelled: no learning rate to tune.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "descent/elementwise.hpp"

namespace descent {

/// What DoG and DoWG measure each step: |w|^2 (for the first step's r_eps), |x0 - w|^2 and |g|^2.
struct DistanceSums {
  double w_sq = 0, dist_sq = 0, g_sq = 0;
  /// Takes x0 = w on the first step, then adds this element's squares.
  template <class T>
  void add(T first, T w, T g, T& x0) {
    x0 = first != T{} ? w : x0;
    const T d = x0 - w;
    w_sq += static_cast<double>(w) * w;
    dist_sq += static_cast<double>(d) * d;
    g_sq += static_cast<double>(g) * g;
  }
};

/// What DoG and DoWG share: x0 taken at the first step, the sums measured over every element, and
/// the step w <- w + neg_step * g. Each states its own settings, counters and step size.
struct DistanceStep {
  template <class T>
  struct Before {
    T first;  ///< 1 at step 1, else 0
  };
  using Sums = DistanceSums;
  template <class T>
  struct Scalars {
    T neg_step;  ///< minus the step size
  };
  template <class P, class C>
  static Before<double> before(const P&, const C& c) {
    return {c.step == 0 ? 1.0 : 0.0};
  }
  template <class T>
  static void measure(const Before<T>& k, Sums& sums, T w, T g, T& x0) {
    sums.add(k.first, w, g, x0);
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T&) {
    w = w + k.neg_step * g;
  }
};

struct DogRule : DistanceStep {
  static constexpr OptimizerDoc doc = {
      .name = "dog",
      .summary = "DoG: step size = largest distance from the start / root of the summed |g|^2",
      .rule =
          "(x0 = w at step 1; r starts at r_eps * (1 + |x0|))\n"
          "r <- max(r, |w - x0|),  G <- G + |g|^2        (norms over every coordinate)\n"
          "w <- w - lr * r / sqrt(G + eps) * g",
      .source =
          "Ivgi, Hinder & Carmon 2023, DoG is SGD's Best Friend (arXiv:2302.12022); "
          "optax.contrib.dog",
      .differs =
          "optax.contrib.dog with init_step = ('heuristic', r_eps) takes the same steps "
          "(its learning_rate multiplies the step as lr does here). The paper's per-layer "
          "variant (L-DoG) is not offered. torch.optim and keras have no DoG. weight_decay "
          "is L2 added to the gradient.",
      .family = Family::lr_free,
      .year = 2023};
  struct Params {
    double lr = 1.0, r_eps = 1e-6, eps = 1e-8, weight_decay = 0.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr, "multiplies the step (1: the paper's method)"),
                 real(&Params::r_eps, "r_eps", 0.0, kInfinity,
                      "first step's distance, relative: r_eps * (1 + |x0|)", false, false)
                     .log()
                     .shown(),
                 epsilon(&Params::eps, "added to the sum of squared gradient norms"),
                 coupled_weight_decay(&Params::weight_decay)};
  struct Counters {
    std::int64_t step = 0;
    double r = 0.0;      ///< the largest distance from x0 so far
    double g_sum = 0.0;  ///< the sum of squared gradient norms
    static constexpr auto fields =
        std::tuple{counter(&Counters::step, "step"), counter(&Counters::r, "r"),
                   counter(&Counters::g_sum, "g_sum")};
  };
  static constexpr StateArray<Params> arrays[] = {{"x0"}};
  /// -lr * r / sqrt(G + eps).
  static Scalars<double> scalars(const Params& p, Counters& c, const Before<double>&,
                                 const Sums& s) {
    if (c.step++ == 0) c.r = p.r_eps * (1.0 + std::sqrt(s.w_sq));
    c.r = std::max(c.r, std::sqrt(s.dist_sq));
    c.g_sum += s.g_sq;
    return {-(p.lr * (c.r / std::sqrt(c.g_sum + p.eps)))};
  }
};

struct DowgRule : DistanceStep {
  static constexpr OptimizerDoc doc = {
      .name = "dowg",
      .summary = "DoWG: DoG with the squared gradient norms weighted by the squared distance",
      .rule =
          "(x0 = w at step 1; r2 starts at r2_init)\n"
          "r2 <- max(r2, |w - x0|^2),  V <- V + r2 * |g|^2   (norms over every coordinate)\n"
          "w <- w - lr * r2 / (sqrt(V) + eps) * g",
      .source =
          "Khaled, Mishchenko & Jin 2023, DoWG Unleashed (arXiv:2305.16284); "
          "optax.contrib.dowg",
      .differs =
          "optax.contrib.dowg takes the same steps (its init_estim_sq_dist defaults to eps, "
          "1e-4, as r2_init here). torch.optim and keras have no DoWG. weight_decay is L2 added "
          "to the gradient.",
      .family = Family::lr_free,
      .year = 2023};
  struct Params {
    double lr = 1.0, r2_init = 1e-4, eps = 1e-4, weight_decay = 0.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr, "multiplies the step (1: the paper's method)"),
                 real(&Params::r2_init, "r2_init", 0.0, kInfinity,
                      "first estimate of the squared distance", false, false)
                     .log()
                     .shown(),
                 epsilon(&Params::eps, "added to the root of the weighted sum"),
                 coupled_weight_decay(&Params::weight_decay)};
  struct Counters {
    std::int64_t step = 0;
    double r2 = 0.0;  ///< the largest squared distance from x0 so far
    double v = 0.0;   ///< the weighted sum of squared gradient norms
    static constexpr auto fields = std::tuple{
        counter(&Counters::step, "step"), counter(&Counters::r2, "r2"), counter(&Counters::v, "v")};
  };
  static Counters start(const Params& p) { return {.step = 0, .r2 = p.r2_init, .v = 0.0}; }
  static constexpr StateArray<Params> arrays[] = {{"x0"}};
  /// -lr * r2 / (sqrt(V) + eps).
  static Scalars<double> scalars(const Params& p, Counters& c, const Before<double>&,
                                 const Sums& s) {
    ++c.step;
    c.r2 = std::max(c.r2, s.dist_sq);
    c.v += c.r2 * s.g_sq;
    return {-(p.lr * (c.r2 / (std::sqrt(c.v) + p.eps)))};
  }
};

template <std::floating_point T>
using Dog = Elementwise<DogRule, T>;
template <std::floating_point T>
using Dowg = Elementwise<DowgRule, T>;

}  // namespace descent
