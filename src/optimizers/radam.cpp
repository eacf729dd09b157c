#include "descent/optimizers/radam.hpp"

#include <cmath>
#include <stdexcept>

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

template <class T>
struct RadamScalars {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, bias1, lr, bias2_sqrt, rect, eps, wd;
};

// In torch's order: mh = m / bias1; rectified: w - ((mh*lr) * (bias2_sqrt/(sqrt(v)+eps))) * rect,
// else w - mh*lr.
template <bool Rectified, class T>
inline void radam_update(T& w, T& m, T& v, T g, const RadamScalars<T>& k) {
  g = detail::decayed(g, w, k.wd);
  m = m * k.beta1 + k.one_minus_beta1 * g;
  v = v * k.beta2 + (k.one_minus_beta2 * g) * g;
  const T mh = m / k.bias1;
  if constexpr (Rectified) {
    w = w - ((mh * k.lr) * (k.bias2_sqrt / (std::sqrt(v) + k.eps))) * k.rect;
  } else {
    w = w - mh * k.lr;
  }
}

}  // namespace

const OptimizerInfo& RadamRule::info() { return radam_info(); }

ParamSet RadamRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr},
                   {"beta1", p.beta1},
                   {"beta2", p.beta2},
                   {"eps", p.eps},
                   {"weight_decay", p.weight_decay}});
}

RadamParams RadamRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .beta1 = s.get("beta1"),
          .beta2 = s.get("beta2"),
          .eps = s.get("eps"),
          .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& radam_info() {
  static const OptimizerInfo info = detail::rule_info<RadamRule>(
      "radam", "RAdam: Adam whose adaptive step is rectified (off while v is unreliable)",
      "Liu et al. 2020; torch.optim.RAdam",
      {detail::lr_param(RadamParams{}.lr),
       detail::rate_param("beta1", RadamParams{}.beta1, "decay of the first moment m"),
       detail::rate_param("beta2", RadamParams{}.beta2, "decay of the second moment v"),
       detail::eps_param(RadamParams{}.eps, "added to sqrt(v)"), detail::weight_decay_param()});
  return info;
}

template <std::floating_point T>
void radam_step(const RadamParams& p, RadamState<T>& s, std::span<const TensorRef<T>> tensors) {
  if (s.exp_avg_sq.size() != s.exp_avg.size())
    throw std::invalid_argument("radam_step: state not reset");
  const double t = static_cast<double>(s.step + 1);
  const double bias1 = 1.0 - std::pow(p.beta1, t);
  const double bias2 = 1.0 - std::pow(p.beta2, t);
  const double rho_inf = 2.0 / (1.0 - p.beta2) - 1.0;
  const double rho_t = rho_inf - 2.0 * t * std::pow(p.beta2, t) / bias2;
  const bool rectified = rho_t > 5.0;
  const double rect = rectified ? std::sqrt((rho_t - 4.0) * (rho_t - 2.0) * rho_inf /
                                            ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t))
                                : 0.0;
  const RadamScalars<T> k{
      static_cast<T>(p.beta1),          static_cast<T>(1.0 - p.beta1), static_cast<T>(p.beta2),
      static_cast<T>(1.0 - p.beta2),    static_cast<T>(bias1),         static_cast<T>(p.lr),
      static_cast<T>(std::sqrt(bias2)), static_cast<T>(rect),          static_cast<T>(p.eps),
      static_cast<T>(p.weight_decay)};
  const std::size_t n = s.exp_avg.size();
  if (rectified) {
    detail::elementwise(
        n, tensors, [k](T& w, T g, T& m, T& v) { radam_update<true>(w, m, v, g, k); },
        s.exp_avg.data(), s.exp_avg_sq.data());
  } else {
    detail::elementwise(
        n, tensors, [k](T& w, T g, T& m, T& v) { radam_update<false>(w, m, v, g, k); },
        s.exp_avg.data(), s.exp_avg_sq.data());
  }
  ++s.step;
}

template void radam_step<float>(const RadamParams&, RadamState<float>&,
                                std::span<const TensorRef<float>>);
template void radam_step<double>(const RadamParams&, RadamState<double>&,
                                 std::span<const TensorRef<double>>);

}  // namespace descent
