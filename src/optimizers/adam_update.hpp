// Private: the per-element rule shared by Adam and AdamW, written once.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>
#include <vector>

#include "descent/optimizers/adam.hpp"
#include "kernels/elementwise.hpp"
#include "optimizers/lane_kernels.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent::detail {

/// The keys Adam and AdamW share (their Params structs have the same fields, with different
/// defaults), to and from a ParamSet.
template <class P>
ParamSet adam_family_to_set(const P& p) {
  return ParamSet({{"lr", p.lr},
                   {"beta1", p.beta1},
                   {"beta2", p.beta2},
                   {"eps", p.eps},
                   {"weight_decay", p.weight_decay},
                   {"amsgrad", p.amsgrad ? 1.0 : 0.0}});
}

template <class P>
P adam_family_from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .beta1 = s.get("beta1"),
          .beta2 = s.get("beta2"),
          .eps = s.get("eps"),
          .weight_decay = s.get("weight_decay"),
          .amsgrad = s.get_bool("amsgrad")};
}

/// Step-level scalars, computed once per step in double and rounded to T.
template <class T>
struct AdamScalars {
  T beta1, one_minus_beta1, beta2, one_minus_beta2;
  T neg_step_size;  ///< -lr / (1 - beta1^t)
  T bias2_sqrt;     ///< sqrt(1 - beta2^t)
  T eps;
  T weight_decay;  ///< coupled (Adam), 0 for AdamW
  T decay_factor;  ///< 1 - lr * weight_decay (AdamW), 1 for Adam
};

template <class T>
AdamScalars<T> adam_scalars(double lr, double beta1, double beta2, double eps, double coupled_wd,
                            double decoupled_wd, std::int64_t t) {
  const double bias1 = 1.0 - std::pow(beta1, static_cast<double>(t));
  const double bias2 = 1.0 - std::pow(beta2, static_cast<double>(t));
  return {static_cast<T>(beta1),
          static_cast<T>(1.0 - beta1),
          static_cast<T>(beta2),
          static_cast<T>(1.0 - beta2),
          static_cast<T>(-(lr / bias1)),
          static_cast<T>(std::sqrt(bias2)),
          static_cast<T>(eps),
          static_cast<T>(coupled_wd),
          static_cast<T>(1.0 - lr * decoupled_wd)};
}

// In torch's order of operations: m*beta1 + (1-beta1)*g, v*beta2 + ((1-beta2)*g)*g,
// w + (-step_size*m) / (sqrt(v)/sqrt(bias2) + eps).
template <bool Amsgrad, bool Decoupled, class T>
inline void adam_update(T& w, T& m, T& v, T& vmax, T g, const AdamScalars<T>& k) {
  if constexpr (Decoupled) w = w * k.decay_factor;
  g = decayed(g, w, k.weight_decay);
  m = m * k.beta1 + k.one_minus_beta1 * g;
  v = v * k.beta2 + (k.one_minus_beta2 * g) * g;
  T vv = v;
  if constexpr (Amsgrad) {
    vmax = std::max(vmax, v);
    vv = vmax;
  }
  w = w + (k.neg_step_size * m) / (std::sqrt(vv) / k.bias2_sqrt + k.eps);
}

/// One Adam or AdamW step over the tensors with the scalars `k`; the step counter is the
/// caller's.
template <bool Decoupled, class T>
void adam_loop(bool amsgrad, AdamState<T>& s, std::span<const TensorRef<T>> tensors,
               const AdamScalars<T>& k) {
  const std::size_t n = s.exp_avg.size();
  if (s.exp_avg_sq.size() != n || (amsgrad && s.max_exp_avg_sq.size() != n))
    throw std::invalid_argument("adam step: state not reset for these settings");
  if (amsgrad) {
    elementwise(
        n, tensors,
        [k](T& w, T g, T& m, T& v, T& vmax) { adam_update<true, Decoupled>(w, m, v, vmax, g, k); },
        s.exp_avg.data(), s.exp_avg_sq.data(), s.max_exp_avg_sq.data());
  } else {
    elementwise(
        n, tensors,
        [k](T& w, T g, T& m, T& v) {
          T unused = T(0);
          adam_update<false, Decoupled>(w, m, v, unused, g, k);
        },
        s.exp_avg.data(), s.exp_avg_sq.data());
  }
}

/// One Adam or AdamW step over lanes (see lane_kernels.hpp): `scalars(j)` gives lane j's
/// AdamScalars; the step counter is the caller's.
template <bool Decoupled, class ScalarsOf>
void adam_lanes_loop(std::size_t n, bool amsgrad, LaneState& s, std::size_t dim, double* w,
                     const double* g, AlignedVector<double>& scratch, const ScalarsOf& scalars) {
  constexpr std::size_t kScalars = 9;
  double* k = lane_scalars(scratch, kScalars + 1, n);  // the last row stands in for v_max
  for (std::size_t j = 0; j < n; ++j) {
    const AdamScalars<double> kj = scalars(j);
    const double values[kScalars] = {
        kj.beta1,         kj.one_minus_beta1, kj.beta2, kj.one_minus_beta2,
        kj.neg_step_size, kj.bias2_sqrt,      kj.eps,   kj.weight_decay,
        kj.decay_factor};
    for (std::size_t q = 0; q < kScalars; ++q) k[q * n + j] = values[q];
  }
  double* unused = k + kScalars * n;
  const Simd level = simd();
  const auto run = [&]<bool Amsgrad>() {
    for (std::size_t i = 0; i < dim; ++i) {
      double* vmax = Amsgrad ? s.arrays[2] + i * n : unused;
      simd_map(
          level, n,
          [](double& wi, const double& gi, double& m, double& v, double& vm, const double& b1,
             const double& omb1, const double& b2, const double& omb2, const double& nss,
             const double& b2s, const double& eps, const double& wd, const double& df) {
            const AdamScalars<double> kj{b1, omb1, b2, omb2, nss, b2s, eps, wd, df};
            adam_update<Amsgrad, Decoupled>(wi, m, v, vm, gi, kj);
          },
          w + i * n, g + i * n, s.arrays[0] + i * n, s.arrays[1] + i * n, vmax, k, k + n, k + 2 * n,
          k + 3 * n, k + 4 * n, k + 5 * n, k + 6 * n, k + 7 * n, k + 8 * n);
    }
  };
  if (amsgrad)
    run.template operator()<true>();
  else
    run.template operator()<false>();
}

}  // namespace descent::detail
