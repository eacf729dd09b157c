#include "descent/optimizers/adamax.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

template <class T>
inline void adamax_update(T& w, T& m, T& u, T g, T beta1, T one_minus_beta1, T beta2, T eps,
                          T neg_clr, T wd) {
  g = detail::decayed(g, w, wd);
  m = m * beta1 + one_minus_beta1 * g;
  u = std::max(u * beta2, std::abs(g) + eps);
  w = w + (neg_clr * m) / u;
}

}  // namespace

const OptimizerInfo& AdamaxRule::info() { return adamax_info(); }

ParamSet AdamaxRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr},
                   {"beta1", p.beta1},
                   {"beta2", p.beta2},
                   {"eps", p.eps},
                   {"weight_decay", p.weight_decay}});
}

AdamaxParams AdamaxRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .beta1 = s.get("beta1"),
          .beta2 = s.get("beta2"),
          .eps = s.get("eps"),
          .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& adamax_info() {
  static const OptimizerInfo info = detail::rule_info<AdamaxRule>(
      "adamax", "Adamax: Adam with an exponentially weighted infinity norm u <- max(beta2*u, |g|)",
      "Kingma & Ba 2015, section 7.1; torch.optim.Adamax",
      {detail::lr_param(AdamaxParams{}.lr),
       detail::rate_param("beta1", AdamaxParams{}.beta1, "decay of the first moment m"),
       detail::rate_param("beta2", AdamaxParams{}.beta2, "decay of the infinity norm u"),
       detail::eps_param(AdamaxParams{}.eps, "added to |g| inside the max"),
       detail::weight_decay_param()});
  return info;
}

template <std::floating_point T>
void adamax_step(const AdamaxParams& p, AdamaxState<T>& s, std::span<const TensorRef<T>> tensors) {
  if (s.exp_inf.size() != s.exp_avg.size())
    throw std::invalid_argument("adamax_step: state not reset");
  const double clr = p.lr / (1.0 - std::pow(p.beta1, static_cast<double>(s.step + 1)));
  const T beta1 = static_cast<T>(p.beta1), omb1 = static_cast<T>(1.0 - p.beta1);
  const T beta2 = static_cast<T>(p.beta2), eps = static_cast<T>(p.eps);
  const T neg_clr = static_cast<T>(-clr), wd = static_cast<T>(p.weight_decay);
  detail::elementwise(
      s.exp_avg.size(), tensors,
      [beta1, omb1, beta2, eps, neg_clr, wd](T& w, T g, T& m, T& u) {
        adamax_update(w, m, u, g, beta1, omb1, beta2, eps, neg_clr, wd);
      },
      s.exp_avg.data(), s.exp_inf.data());
  ++s.step;
}

template void adamax_step<float>(const AdamaxParams&, AdamaxState<float>&,
                                 std::span<const TensorRef<float>>);
template void adamax_step<double>(const AdamaxParams&, AdamaxState<double>&,
                                  std::span<const TensorRef<double>>);

}  // namespace descent
