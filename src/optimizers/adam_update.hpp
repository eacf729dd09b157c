// Private: the per-element rule shared by Adam and AdamW, written once.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>

#include "descent/optimizers/adam.hpp"
#include "kernels/elementwise.hpp"
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

}  // namespace descent::detail
