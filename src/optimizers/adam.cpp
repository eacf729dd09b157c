#include "descent/optimizers/adam.hpp"

#include "optimizers/adam_update.hpp"

namespace descent {

const OptimizerInfo& AdamRule::info() { return adam_info(); }

ParamSet AdamRule::to_set(const Params& p) { return detail::adam_family_to_set(p); }

AdamParams AdamRule::from_set(const ParamSet& s) {
  return detail::adam_family_from_set<AdamParams>(s);
}

const OptimizerInfo& adam_info() {
  static const OptimizerInfo info = detail::rule_info<AdamRule>(
      "adam", "Adam: bias-corrected moving averages of g and g^2, eps after the root",
      "Kingma & Ba 2015; AMSGrad: Reddi et al. 2018; torch.optim.Adam",
      {detail::lr_param(AdamParams{}.lr),
       detail::rate_param("beta1", AdamParams{}.beta1, "decay of the first moment m"),
       detail::rate_param("beta2", AdamParams{}.beta2, "decay of the second moment v"),
       detail::eps_param(AdamParams{}.eps, "added to the bias-corrected root"),
       detail::weight_decay_param(),
       detail::bool_param("amsgrad", false, "divide by the running maximum of v (AMSGrad)")});
  return info;
}

template <std::floating_point T>
void adam_step(const AdamParams& p, AdamState<T>& s, std::span<const TensorRef<T>> tensors) {
  const auto k =
      detail::adam_scalars<T>(p.lr, p.beta1, p.beta2, p.eps, p.weight_decay, 0.0, s.step + 1);
  detail::adam_loop<false>(p.amsgrad, s, tensors, k);
  ++s.step;
}

template void adam_step<float>(const AdamParams&, AdamState<float>&,
                               std::span<const TensorRef<float>>);
template void adam_step<double>(const AdamParams&, AdamState<double>&,
                                std::span<const TensorRef<double>>);

void detail::adam_lanes(std::span<const AdamParams> p, LaneState& s, std::size_t dim, double* w,
                        const double* g, AlignedVector<double>& scratch) {
  if (p.empty()) return;
  const std::int64_t t = s.step + 1;
  adam_lanes_loop<false>(p.size(), p[0].amsgrad, s, dim, w, g, scratch, [&](std::size_t j) {
    const AdamParams& q = p[j];
    return adam_scalars<double>(q.lr, q.beta1, q.beta2, q.eps, q.weight_decay, 0.0, t);
  });
  ++s.step;
}

}  // namespace descent
