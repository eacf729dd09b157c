// descent: D-Adaptation SGD, dual averaging whose step size d grows to a lower bound on the
// distance to the solution: no learning rate to tune.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "descent/elementwise.hpp"

namespace descent {

struct DadaptSgdRule {
  static constexpr OptimizerDoc doc = {
      .name = "dadapt_sgd",
      .summary = "D-Adaptation SGD: dual averaging with step d/|g_0|, d raised to a lower bound",
      .rule =
          "(x0 = w at step 1; d starts at d0; sums over every coordinate)\n"
          "dlr = d * lr / |g_1|\n"
          "s <- s + dlr * g,  Q <- Q + dlr^2 |g|^2\n"
          "d <- max(d, min((|s|^2 - Q) / |s|, d * growth_rate))  (growth_rate 0: no limit)\n"
          "w <- (1 - c) * w + c * (x0 - s),  c = 1 - momentum",
      .source =
          "Defazio & Mishchenko 2023, Learning-Rate-Free Learning by D-Adaptation (ICML 2023 "
          "outstanding paper; arXiv:2301.07733), the authors' DAdaptSGD",
      .differs =
          "The authors' DAdaptSGD defaults lr to 0.01 while its documentation says to leave it "
          "at 1, the paper's method and the default here; a first gradient of 0 stops it with a "
          "division by zero there, while here the step waits for a nonzero gradient. optax, "
          "torch.optim and keras have no D-Adaptation SGD. weight_decay is L2 added to the "
          "gradient, as the authors do.",
      .family = Family::lr_free,
      .year = 2023};
  struct Params {
    double lr = 1.0, momentum = 0.0, d0 = 1e-6, growth_rate = 0.0, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr, "multiplies the estimated step size d (1: the paper's method)"),
      rate(&Params::momentum, "momentum", "weight of the previous iterate in the average"),
      real(&Params::d0, "d0", 0.0, kInfinity, "initial estimate of d", false, false).log(),
      nonnegative(&Params::growth_rate, "growth_rate",
                  "largest factor by which d grows in one step (0: no limit)"),
      coupled_weight_decay(&Params::weight_decay)};
  struct Counters {
    std::int64_t step = 0;
    double d = 0.0;
    double g0_norm = 0.0;  ///< |g| at the first step
    double q = 0.0;        ///< the weighted sum of squared gradient norms, Q
    static constexpr auto fields =
        std::tuple{counter(&Counters::step, "step"), counter(&Counters::d, "d"),
                   counter(&Counters::g0_norm, "g0_norm"), counter(&Counters::q, "q")};
  };
  static Counters start(const Params& p) { return {.d = p.d0}; }
  static std::string_view validate(const Params& p) {
    return p.growth_rate == 0 || p.growth_rate >= 1
               ? ""
               : "growth_rate must be 0 (no limit) or at least 1";
  }
  static constexpr StateArray<Params> arrays[] = {{"s"}, {"x0"}};
  template <class T>
  struct Before {
    T first, dlr;  ///< on the first step dlr is not known yet: s holds g until the update
  };
  struct Sums {
    double g_sq = 0, s_sq = 0;
  };
  template <class T>
  struct Scalars {
    T s_scale;  ///< dlr on the first step (s = dlr * g), else 1
    T keep, c;  ///< 1 - c and c = 1 - momentum
  };
  static Before<double> before(const Params& p, const Counters& c) {
    return {c.step == 0 ? 1.0 : 0.0, c.step == 0 ? 0.0 : c.d * p.lr / c.g0_norm};
  }
  template <class T>
  static void measure(const Before<T>& k, Sums& sums, T w, T g, T& s, T& x0) {
    x0 = k.first != T{} ? w : x0;
    sums.g_sq += static_cast<double>(g) * g;
    s = k.first != T{} ? g : s + k.dlr * g;
    sums.s_sq += static_cast<double>(s) * s;
  }
  static Scalars<double> scalars(const Params& p, Counters& c, const Before<double>& k,
                                 const Sums& sums) {
    double dlr = k.dlr, s_sq = sums.s_sq;
    if (c.step == 0) {
      if (sums.g_sq == 0) return {0.0, 1.0, 0.0};  // no direction yet: wait
      c.g0_norm = std::sqrt(sums.g_sq);
      dlr = c.d * p.lr / c.g0_norm;
      s_sq *= dlr * dlr;
    }
    c.q += dlr * dlr * sums.g_sq;
    const double limit = p.growth_rate > 0 ? c.d * p.growth_rate : kInfinity;
    if (s_sq > 0) c.d = std::max(c.d, std::min((s_sq - c.q) / std::sqrt(s_sq), limit));
    const bool first = c.step++ == 0;
    const double c_step = 1.0 - p.momentum;
    return {first ? dlr : 1.0, 1.0 - c_step, c_step};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T, T& s, T& x0) {
    s = s * k.s_scale;
    w = w * k.keep + k.c * (x0 - s);
  }
};

template <std::floating_point T>
using DadaptSgd = Elementwise<DadaptSgdRule, T>;

}  // namespace descent
