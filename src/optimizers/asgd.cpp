#include "descent/optimizers/asgd.hpp"

#include <algorithm>
#include <cmath>

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

template <bool Averaging, class T>
inline void asgd_update(T& w, T& ax, T g, T shrink, T neg_eta, T mu, T wd) {
  g = detail::decayed(g, w, wd);
  w = w * shrink;
  w = w + neg_eta * g;
  if constexpr (Averaging)
    ax = ax + (w - ax) * mu;
  else
    ax = w;
}

}  // namespace

const OptimizerInfo& AsgdRule::info() { return asgd_info(); }

ParamSet AsgdRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr},
                   {"lambd", p.lambd},
                   {"alpha", p.alpha},
                   {"t0", p.t0},
                   {"weight_decay", p.weight_decay}});
}

AsgdParams AsgdRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .lambd = s.get("lambd"),
          .alpha = s.get("alpha"),
          .t0 = s.get("t0"),
          .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& asgd_info() {
  static const OptimizerInfo info = detail::rule_info<AsgdRule>(
      "asgd", "averaged SGD: decaying steps eta_t = lr/(1 + lambd*lr*t)^alpha, iterate averaging",
      "Polyak & Juditsky 1992; Bottou 2012; torch.optim.ASGD",
      {detail::lr_param(AsgdParams{}.lr),
       real_param("lambd", AsgdParams{}.lambd, 0.0, detail::kInf, "decay term", true, false, true),
       real_param("alpha", AsgdParams{}.alpha, 0.0, detail::kInf, "power of the eta schedule", true,
                  false),
       real_param("t0", AsgdParams{}.t0, 0.0, detail::kInf, "step at which averaging starts", true,
                  false, true),
       detail::weight_decay_param()});
  return info;
}

template <std::floating_point T>
void asgd_step(const AsgdParams& p, AsgdState<T>& s, std::span<const TensorRef<T>> tensors) {
  const T shrink = static_cast<T>(1.0 - p.lambd * s.eta);
  const T neg_eta = static_cast<T>(-s.eta), mu = static_cast<T>(s.mu);
  const T wd = static_cast<T>(p.weight_decay);
  if (s.mu != 1.0) {
    detail::elementwise(
        s.ax.size(), tensors,
        [shrink, neg_eta, mu, wd](T& w, T g, T& ax) {
          asgd_update<true>(w, ax, g, shrink, neg_eta, mu, wd);
        },
        s.ax.data());
  } else {
    detail::elementwise(
        s.ax.size(), tensors,
        [shrink, neg_eta, mu, wd](T& w, T g, T& ax) {
          asgd_update<false>(w, ax, g, shrink, neg_eta, mu, wd);
        },
        s.ax.data());
  }
  ++s.step;
  const double t = static_cast<double>(s.step);
  s.eta = p.lr / std::pow(1.0 + p.lambd * p.lr * t, p.alpha);
  s.mu = 1.0 / std::max(1.0, t - p.t0);
}

template void asgd_step<float>(const AsgdParams&, AsgdState<float>&,
                               std::span<const TensorRef<float>>);
template void asgd_step<double>(const AsgdParams&, AsgdState<double>&,
                                std::span<const TensorRef<double>>);

}  // namespace descent
