#include "descent/optimizers/adadelta.hpp"

#include <cmath>
#include <stdexcept>

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

// In torch's order: sq*rho + ((1-rho)*g)*g; dx = (sqrt(acc+eps) / sqrt(sq+eps)) * g;
// acc*rho + ((1-rho)*dx)*dx; w + (-lr)*dx.
template <class T>
inline void adadelta_update(T& w, T& sq, T& acc, T g, T rho, T one_minus_rho, T eps, T neg_lr,
                            T wd) {
  g = detail::decayed(g, w, wd);
  sq = sq * rho + (one_minus_rho * g) * g;
  const T dx = (std::sqrt(acc + eps) / std::sqrt(sq + eps)) * g;
  acc = acc * rho + (one_minus_rho * dx) * dx;
  w = w + neg_lr * dx;
}

}  // namespace

const OptimizerInfo& AdadeltaRule::info() { return adadelta_info(); }

ParamSet AdadeltaRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr}, {"rho", p.rho}, {"eps", p.eps}, {"weight_decay", p.weight_decay}});
}

AdadeltaParams AdadeltaRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .rho = s.get("rho"),
          .eps = s.get("eps"),
          .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& adadelta_info() {
  static const OptimizerInfo info = detail::rule_info<AdadeltaRule>(
      "adadelta", "Adadelta: dx = RMS(previous dx)/RMS(g) * g; w <- w - lr*dx",
      "Zeiler 2012; torch.optim.Adadelta",
      {detail::lr_param(AdadeltaParams{}.lr),
       detail::rate_param("rho", AdadeltaParams{}.rho, "decay of both running averages"),
       detail::eps_param(AdadeltaParams{}.eps, "added inside both roots"),
       detail::weight_decay_param()});
  return info;
}

template <std::floating_point T>
void adadelta_step(const AdadeltaParams& p, AdadeltaState<T>& s,
                   std::span<const TensorRef<T>> tensors) {
  if (s.acc_delta.size() != s.square_avg.size())
    throw std::invalid_argument("adadelta_step: state not reset");
  const T rho = static_cast<T>(p.rho), omr = static_cast<T>(1.0 - p.rho);
  const T eps = static_cast<T>(p.eps), neg_lr = static_cast<T>(-p.lr);
  const T wd = static_cast<T>(p.weight_decay);
  detail::elementwise(
      s.square_avg.size(), tensors,
      [rho, omr, eps, neg_lr, wd](T& w, T g, T& sq, T& acc) {
        adadelta_update(w, sq, acc, g, rho, omr, eps, neg_lr, wd);
      },
      s.square_avg.data(), s.acc_delta.data());
}

template void adadelta_step<float>(const AdadeltaParams&, AdadeltaState<float>&,
                                   std::span<const TensorRef<float>>);
template void adadelta_step<double>(const AdadeltaParams&, AdadeltaState<double>&,
                                    std::span<const TensorRef<double>>);

}  // namespace descent
