// descent: Schedule-Free SGD and AdamW. The gradient is taken at y (the trajectory's point), an
// interpolation between the running average x, the method's answer, and the base iterate z; the
// rate needs no decaying schedule. Both report x as their solution.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "descent/elementwise.hpp"

namespace descent {

/// The averaging both rules share: x is the average of the z's weighted by (t^r) lr_max^p.
struct ScheduleFreeCounters {
  std::int64_t step = 0;
  double lr_max = -1.0;  ///< the largest rate so far
  double weight_sum = 0.0;
  static constexpr auto fields =
      std::tuple{counter(&ScheduleFreeCounters::step, "step"),
                 counter(&ScheduleFreeCounters::lr_max, "lr_max"),
                 counter(&ScheduleFreeCounters::weight_sum, "weight_sum")};
  /// The linear warm-up factor of the step about to be taken.
  double warmup(std::int64_t steps) const {
    return step < steps ? static_cast<double>(step + 1) / static_cast<double>(steps) : 1.0;
  }
  /// Takes a step at rate lr; returns the weight c of the new z in x (0 while every weight is 0).
  double average(double lr, double r, double weight_lr_power) {
    lr_max = std::max(lr, lr_max);
    const double t = static_cast<double>(++step);
    const double weight = std::pow(t, r) * std::pow(lr_max, weight_lr_power);
    weight_sum += weight;
    return weight_sum == 0.0 ? 0.0 : weight / weight_sum;
  }
};

/// x from y and z: y + (1 - 1/beta) (z - y); y itself before the first step.
template <class T>
T schedule_free_x(const ScheduleFreeCounters& c, double beta, T y, T z) {
  return c.step == 0 ? y : y + static_cast<T>(1.0 - 1.0 / beta) * (z - y);
}

struct ScheduleFreeSgdRule {
  static constexpr OptimizerDoc doc = {
      .name = "schedule_free_sgd",
      .summary = "Schedule-Free SGD: gradient at y, between the average x and the SGD iterate z",
      .rule =
          "(z = w at step 1; w is y, where the gradient is taken)\n"
          "lr_t = lr * min(1, t/warmup_steps),  lr_max = max(lr_max, lr_t)\n"
          "c = t^r lr_max^weight_lr_power / (sum of the same weights up to t)\n"
          "w <- w + c * (z - w) + lr_t * (momentum * (1 - c) - 1) * g\n"
          "z <- z - lr_t * g\n"
          "solution x = w + (1 - 1/momentum) * (z - w)",
      .source =
          "Defazio, Yang, Mehta, Mishchenko, Khaled & Cutkosky 2024, The Road Less Scheduled "
          "(arXiv:2405.15682), the authors' SGDScheduleFree; optax.contrib.schedule_free_sgd",
      .differs =
          "optax computes x, then y = b1 x + (1 - b1) z (the same values, other rounding); its "
          "warmup_steps schedule is read at count t for the weights and t - 1 for the step. "
          "torch.optim and keras have none. weight_decay is L2 added to the gradient at y, as "
          "the authors do.",
      .family = Family::lr_free,
      .year = 2024};
  struct Params {
    double lr = 1.0, momentum = 0.9, weight_decay = 0.0;
    std::int64_t warmup_steps = 0;
    double r = 0.0, weight_lr_power = 2.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 real(&Params::momentum, "momentum", 0.0, 1.0,
                      "interpolation: y = momentum x + (1 - momentum) z", false, false)
                     .shown(),
                 coupled_weight_decay(&Params::weight_decay),
                 integer(&Params::warmup_steps, "warmup_steps", 0, 1e15, "steps of linear warm-up"),
                 nonnegative(&Params::r, "r", "weights of the average grow as t^r"),
                 nonnegative(&Params::weight_lr_power, "weight_lr_power",
                             "weights of the average grow as lr_max^weight_lr_power")};
  using Counters = ScheduleFreeCounters;
  static constexpr StateArray<Params> arrays[] = {{"z"}};
  template <class T>
  struct Scalars {
    T first;  ///< 1 at step 1 (z starts at w), else 0
    T c, coef, neg_lr;
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const bool first = c.step == 0;
    const double lr = p.lr * c.warmup(p.warmup_steps);
    const double ck = c.average(lr, p.r, p.weight_lr_power);
    return {first ? 1.0 : 0.0, ck, lr * (p.momentum * (1.0 - ck) - 1.0), -lr};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& z) {
    z = k.first != T{} ? w : z;
    w = w + k.c * (z - w);
    w = w + k.coef * g;
    z = z + k.neg_lr * g;
  }
  template <class T>
  static T solution(const Params& p, const Counters& c, T w, T z) {
    return schedule_free_x(c, p.momentum, w, z);
  }
};

struct ScheduleFreeAdamwRule {
  static constexpr OptimizerDoc doc = {
      .name = "schedule_free_adamw",
      .summary = "Schedule-Free AdamW: Schedule-Free SGD on g / (sqrt(v) + eps), decay at y",
      .rule =
          "(z = w at step 1; w is y, where the gradient is taken)\n"
          "lr_t = lr * min(1, t/warmup_steps) * sqrt(1 - beta2^t),  lr_max = max(lr_max, lr_t)\n"
          "c = t^r lr_max^weight_lr_power / (sum of the same weights up to t)\n"
          "v <- beta2 * v + (1 - beta2) * g^2\n"
          "u = g / (sqrt(v) + eps) + weight_decay * w\n"
          "w <- w + c * (z - w) + lr_t * (beta1 * (1 - c) - 1) * u\n"
          "z <- z - lr_t * u\n"
          "solution x = w + (1 - 1/beta1) * (z - w)",
      .source =
          "Defazio et al. 2024 (arXiv:2405.15682), the authors' AdamWScheduleFree; winner of "
          "the AlgoPerf 2024 self-tuning track",
      .differs =
          "optax.contrib.schedule_free_adamw divides by sqrt(v/(1 - beta2^t)) + eps and weights "
          "the average by lr alone; the authors (and descent) fold sqrt(1 - beta2^t) into lr_t, "
          "eps outside the correction, and weight by that lr_t, so early steps differ. keras 3 "
          "has a ScheduleFreeAdamW (not compared here); torch.optim has none.",
      .family = Family::lr_free,
      .year = 2024};
  struct Params {
    double lr = 0.0025, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weight_decay = 0.0;
    std::int64_t warmup_steps = 0;
    double r = 0.0, weight_lr_power = 2.0;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 real(&Params::beta1, "beta1", 0.0, 1.0,
                      "interpolation: y = beta1 x + (1 - beta1) z", false, false),
                 rate(&Params::beta2, "beta2", "decay of the second moment v"),
                 epsilon(&Params::eps, "added to sqrt(v)"),
                 nonnegative(&Params::weight_decay, "weight_decay",
                             "decay at y, added to the normalized gradient: u += weight_decay*w"),
                 integer(&Params::warmup_steps, "warmup_steps", 0, 1e15, "steps of linear warm-up"),
                 nonnegative(&Params::r, "r", "weights of the average grow as t^r"),
                 nonnegative(&Params::weight_lr_power, "weight_lr_power",
                             "weights of the average grow as lr_max^weight_lr_power")};
  using Counters = ScheduleFreeCounters;
  static constexpr StateArray<Params> arrays[] = {{"z"}, {"exp_avg_sq"}};
  template <class T>
  struct Scalars {
    T first, c, coef, neg_lr, beta2, one_minus_beta2, eps, weight_decay;
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const bool first = c.step == 0;
    const double bias2 = 1.0 - std::pow(p.beta2, static_cast<double>(c.step + 1));
    const double lr = p.lr * c.warmup(p.warmup_steps) * std::sqrt(bias2);
    const double ck = c.average(lr, p.r, p.weight_lr_power);
    return {first ? 1.0 : 0.0,
            ck,
            lr * (p.beta1 * (1.0 - ck) - 1.0),
            -lr,
            p.beta2,
            1.0 - p.beta2,
            p.eps,
            p.weight_decay};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& z, T& v) {
    z = k.first != T{} ? w : z;
    v = v * k.beta2 + (k.one_minus_beta2 * g) * g;
    const T u = g / (math::sqrt(v) + k.eps) + k.weight_decay * w;
    w = w + k.c * (z - w);
    w = w + k.coef * u;
    z = z + k.neg_lr * u;
  }
  template <class T>
  static T solution(const Params& p, const Counters& c, T w, T z, T) {
    return schedule_free_x(c, p.beta1, w, z);
  }
};

template <std::floating_point T>
using ScheduleFreeSgd = Elementwise<ScheduleFreeSgdRule, T>;
template <std::floating_point T>
using ScheduleFreeAdamw = Elementwise<ScheduleFreeAdamwRule, T>;

}  // namespace descent
