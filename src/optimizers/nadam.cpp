#include "descent/optimizers/nadam.hpp"

#include <cmath>
#include <stdexcept>

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

template <class T>
struct NadamScalars {
  T beta1, one_minus_beta1, beta2, one_minus_beta2, bias2, eps, wd;
  T c_grad;  ///< -lr * (1 - mu_t) / (1 - P_t)
  T c_avg;   ///< -lr * mu_{t+1} / (1 - P_t * mu_{t+1})
};

// In torch's order: d = sqrt(v / bias2) + eps; w + (c_grad*g)/d, then + (c_avg*m)/d.
template <class T>
inline void nadam_update(T& w, T& m, T& v, T g, const NadamScalars<T>& k) {
  g = detail::decayed(g, w, k.wd);
  m = m * k.beta1 + k.one_minus_beta1 * g;
  v = v * k.beta2 + (k.one_minus_beta2 * g) * g;
  const T d = std::sqrt(v / k.bias2) + k.eps;
  w = w + (k.c_grad * g) / d;
  w = w + (k.c_avg * m) / d;
}

}  // namespace

const OptimizerInfo& NadamRule::info() { return nadam_info(); }

ParamSet NadamRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr},
                   {"beta1", p.beta1},
                   {"beta2", p.beta2},
                   {"eps", p.eps},
                   {"weight_decay", p.weight_decay},
                   {"momentum_decay", p.momentum_decay},
                   {"torch113", p.torch113 ? 1.0 : 0.0}});
}

NadamParams NadamRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .beta1 = s.get("beta1"),
          .beta2 = s.get("beta2"),
          .eps = s.get("eps"),
          .weight_decay = s.get("weight_decay"),
          .momentum_decay = s.get("momentum_decay"),
          .torch113 = s.get_bool("torch113")};
}

const OptimizerInfo& nadam_info() {
  static const OptimizerInfo info = detail::rule_info<NadamRule>(
      "nadam", "NAdam: Adam with Nesterov momentum and the momentum schedule of Dozat 2016",
      "Dozat 2016; torch.optim.NAdam (torch >= 2.0)",
      {detail::lr_param(NadamParams{}.lr),
       detail::rate_param("beta1", NadamParams{}.beta1, "decay of the first moment m"),
       detail::rate_param("beta2", NadamParams{}.beta2, "decay of the second moment v"),
       detail::eps_param(NadamParams{}.eps, "added to the bias-corrected root"),
       detail::weight_decay_param(),
       real_param("momentum_decay", NadamParams{}.momentum_decay, 0.0, detail::kInf,
                  "psi in the momentum schedule mu_t = beta1*(1 - 0.5*0.96^(t*psi))", true, false),
       detail::bool_param("torch113", false,
                          "reproduce torch <= 1.13, whose second denominator has mu_t twice "
                          "(pytorch#92699)")});
  return info;
}

template <std::floating_point T>
void nadam_step(const NadamParams& p, NadamState<T>& s, std::span<const TensorRef<T>> tensors) {
  if (s.exp_avg_sq.size() != s.exp_avg.size())
    throw std::invalid_argument("nadam_step: state not reset");
  const double t = static_cast<double>(s.step + 1);
  const double bias2 = 1.0 - std::pow(p.beta2, t);
  const double mu = p.beta1 * (1.0 - 0.5 * std::pow(0.96, t * p.momentum_decay));
  const double mu_next = p.beta1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * p.momentum_decay));
  const double mu_product = s.mu_product * mu;
  const double mu_product_next = p.torch113 ? mu_product * mu * mu_next : mu_product * mu_next;
  const NadamScalars<T> k{static_cast<T>(p.beta1),
                          static_cast<T>(1.0 - p.beta1),
                          static_cast<T>(p.beta2),
                          static_cast<T>(1.0 - p.beta2),
                          static_cast<T>(bias2),
                          static_cast<T>(p.eps),
                          static_cast<T>(p.weight_decay),
                          static_cast<T>(-p.lr * (1.0 - mu) / (1.0 - mu_product)),
                          static_cast<T>(-p.lr * mu_next / (1.0 - mu_product_next))};
  detail::elementwise(
      s.exp_avg.size(), tensors, [k](T& w, T g, T& m, T& v) { nadam_update(w, m, v, g, k); },
      s.exp_avg.data(), s.exp_avg_sq.data());
  s.mu_product = mu_product;
  ++s.step;
}

template void nadam_step<float>(const NadamParams&, NadamState<float>&,
                                std::span<const TensorRef<float>>);
template void nadam_step<double>(const NadamParams&, NadamState<double>&,
                                 std::span<const TensorRef<double>>);

}  // namespace descent
