#include "descent/optimizers/rmsprop.hpp"

#include <cmath>
#include <stdexcept>

#include "kernels/elementwise.hpp"
#include "optimizers/lane_kernels.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

template <class T>
struct RmspropScalars {
  T lr, beta, one_minus_beta, eps, momentum, wd;
};

// The per-element rule, written once. The plain case is the seed's arithmetic exactly:
// s = beta*s + (1-beta)*(g*g); w = w - (lr*g)/(sqrt(s) + eps).
template <bool Centered, bool Momentum, class T>
inline void rmsprop_update(T& w, T& s, T& a, T& b, T g, const RmspropScalars<T>& k) {
  g = detail::decayed(g, w, k.wd);
  s = k.beta * s + k.one_minus_beta * (g * g);
  T d;
  if constexpr (Centered) {
    a = k.beta * a + k.one_minus_beta * g;
    d = std::sqrt(s - a * a) + k.eps;
  } else {
    d = std::sqrt(s) + k.eps;
  }
  if constexpr (Momentum) {
    b = k.momentum * b + g / d;
    w = w - k.lr * b;
  } else {
    w = w - (k.lr * g) / d;
  }
}

template <class T>
RmspropScalars<T> rmsprop_scalars(const RmspropParams& p) {
  return {static_cast<T>(p.lr),  static_cast<T>(p.beta),     static_cast<T>(1.0 - p.beta),
          static_cast<T>(p.eps), static_cast<T>(p.momentum), static_cast<T>(p.weight_decay)};
}

// One lane step with the structure (centered, momentum) every lane shares. A state array the
// structure does not use is replaced by a row of scratch that the rule never reads.
template <bool Centered, bool Momentum>
void rmsprop_lanes_with(std::span<const RmspropParams> p, detail::LaneState& s, std::size_t dim,
                        double* w, const double* g, detail::AlignedVector<double>& scratch) {
  const std::size_t n = p.size();
  double* k = detail::lane_scalars(scratch, 8, n);  // 6 scalars, 2 unused rows
  for (std::size_t j = 0; j < n; ++j) {
    const RmspropScalars<double> kj = rmsprop_scalars<double>(p[j]);
    const double values[6] = {kj.lr, kj.beta, kj.one_minus_beta, kj.eps, kj.momentum, kj.wd};
    for (std::size_t q = 0; q < 6; ++q) k[q * n + j] = values[q];
  }
  double* unused_a = k + 6 * n;
  double* unused_b = k + 7 * n;
  const Simd level = simd();
  for (std::size_t i = 0; i < dim; ++i) {
    double* a = Centered ? s.arrays[1] + i * n : unused_a;
    double* b = Momentum ? s.arrays[2] + i * n : unused_b;
    detail::simd_map(
        level, n,
        [](double& wi, const double& gi, double& sq, double& ai, double& bi, const double& lr,
           const double& beta, const double& omb, const double& eps, const double& mom,
           const double& wd) {
          const RmspropScalars<double> kj{lr, beta, omb, eps, mom, wd};
          rmsprop_update<Centered, Momentum>(wi, sq, ai, bi, gi, kj);
        },
        w + i * n, g + i * n, s.arrays[0] + i * n, a, b, k, k + n, k + 2 * n, k + 3 * n, k + 4 * n,
        k + 5 * n);
  }
}

}  // namespace

const OptimizerInfo& RmspropRule::info() { return rmsprop_info(); }

ParamSet RmspropRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr},
                   {"beta", p.beta},
                   {"eps", p.eps},
                   {"momentum", p.momentum},
                   {"centered", p.centered ? 1.0 : 0.0},
                   {"weight_decay", p.weight_decay}});
}

RmspropParams RmspropRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .beta = s.get("beta"),
          .eps = s.get("eps"),
          .momentum = s.get("momentum"),
          .centered = s.get_bool("centered"),
          .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& rmsprop_info() {
  static const OptimizerInfo info = detail::rule_info<RmspropRule>(
      "rmsprop",
      "RMSProp: s <- beta*s + (1-beta)*g^2; w <- w - lr*g/(sqrt(s)+eps), eps outside the root",
      "Tieleman & Hinton 2012 (lecture 6.5); the seed's RMSPropOptimizer; torch.optim.RMSprop",
      {detail::lr_param(RmspropParams{}.lr),
       detail::shown(
           detail::rate_param("beta", RmspropParams{}.beta, "decay of the running mean of g^2")),
       detail::eps_param(RmspropParams{}.eps, "added to the root in the denominator"),
       detail::rate_param("momentum", 0.0, "momentum on the scaled step"),
       detail::bool_param("centered", false,
                          "divide by the running standard deviation of g instead of its RMS"),
       detail::weight_decay_param()});
  return info;
}

template <std::floating_point T>
void rmsprop_step(const RmspropParams& p, RmspropState<T>& s,
                  std::span<const TensorRef<T>> tensors) {
  const std::size_t n = s.square_avg.size();
  const bool centered = p.centered, momentum = p.momentum > 0;
  if ((centered && s.grad_avg.size() != n) || (momentum && s.buffer.size() != n))
    throw std::invalid_argument("rmsprop_step: state not reset for these settings");
  const RmspropScalars<T> k = rmsprop_scalars<T>(p);
  T* sq = s.square_avg.data();
  if (centered && momentum) {
    detail::elementwise(
        n, tensors,
        [k](T& w, T g, T& sq_, T& a, T& b) { rmsprop_update<true, true>(w, sq_, a, b, g, k); }, sq,
        s.grad_avg.data(), s.buffer.data());
  } else if (centered) {
    detail::elementwise(
        n, tensors,
        [k](T& w, T g, T& sq_, T& a) {
          T unused = T(0);
          rmsprop_update<true, false>(w, sq_, a, unused, g, k);
        },
        sq, s.grad_avg.data());
  } else if (momentum) {
    detail::elementwise(
        n, tensors,
        [k](T& w, T g, T& sq_, T& b) {
          T unused = T(0);
          rmsprop_update<false, true>(w, sq_, unused, b, g, k);
        },
        sq, s.buffer.data());
  } else {
    detail::elementwise(
        n, tensors,
        [k](T& w, T g, T& sq_) {
          T unused = T(0);
          rmsprop_update<false, false>(w, sq_, unused, unused, g, k);
        },
        sq);
  }
}

template void rmsprop_step<float>(const RmspropParams&, RmspropState<float>&,
                                  std::span<const TensorRef<float>>);
template void rmsprop_step<double>(const RmspropParams&, RmspropState<double>&,
                                   std::span<const TensorRef<double>>);

bool detail::rmsprop_lanes_ok(std::span<const RmspropParams> p) {
  for (const RmspropParams& q : p)
    if (q.centered != p[0].centered || (q.momentum > 0) != (p[0].momentum > 0)) return false;
  return true;
}

void detail::rmsprop_lanes(std::span<const RmspropParams> p, LaneState& s, std::size_t dim,
                           double* w, const double* g, AlignedVector<double>& scratch) {
  if (p.empty()) return;
  const bool centered = p[0].centered, momentum = p[0].momentum > 0;
  if (centered && momentum)
    rmsprop_lanes_with<true, true>(p, s, dim, w, g, scratch);
  else if (centered)
    rmsprop_lanes_with<true, false>(p, s, dim, w, g, scratch);
  else if (momentum)
    rmsprop_lanes_with<false, true>(p, s, dim, w, g, scratch);
  else
    rmsprop_lanes_with<false, false>(p, s, dim, w, g, scratch);
}

}  // namespace descent
