#include "descent/optimizers/adamw.hpp"

#include "optimizers/adam_update.hpp"

namespace descent {

const OptimizerInfo& AdamwRule::info() { return adamw_info(); }

ParamSet AdamwRule::to_set(const Params& p) { return detail::adam_family_to_set(p); }

AdamwParams AdamwRule::from_set(const ParamSet& s) {
  return detail::adam_family_from_set<AdamwParams>(s);
}

const OptimizerInfo& adamw_info() {
  static const OptimizerInfo info = detail::rule_info<AdamwRule>(
      "adamw", "AdamW: Adam with decoupled weight decay w <- w*(1 - lr*weight_decay)",
      "Loshchilov & Hutter 2019; torch.optim.AdamW",
      {detail::lr_param(AdamwParams{}.lr),
       detail::rate_param("beta1", AdamwParams{}.beta1, "decay of the first moment m"),
       detail::rate_param("beta2", AdamwParams{}.beta2, "decay of the second moment v"),
       detail::eps_param(AdamwParams{}.eps, "added to the bias-corrected root"),
       real_param("weight_decay", AdamwParams{}.weight_decay, 0.0, detail::kInf,
                  "decoupled decay: w <- w*(1 - lr*weight_decay) before the Adam step", true,
                  false),
       detail::bool_param("amsgrad", false, "divide by the running maximum of v (AMSGrad)")});
  return info;
}

template <std::floating_point T>
void adamw_step(const AdamwParams& p, AdamwState<T>& s, std::span<const TensorRef<T>> tensors) {
  const auto k =
      detail::adam_scalars<T>(p.lr, p.beta1, p.beta2, p.eps, 0.0, p.weight_decay, s.step + 1);
  detail::adam_loop<true>(p.amsgrad, s, tensors, k);
  ++s.step;
}

template void adamw_step<float>(const AdamwParams&, AdamwState<float>&,
                                std::span<const TensorRef<float>>);
template void adamw_step<double>(const AdamwParams&, AdamwState<double>&,
                                 std::span<const TensorRef<double>>);

void detail::adamw_lanes(std::span<const AdamwParams> p, LaneState& s, std::size_t dim, double* w,
                         const double* g, AlignedVector<double>& scratch) {
  if (p.empty()) return;
  const std::int64_t t = s.step + 1;
  adam_lanes_loop<true>(p.size(), p[0].amsgrad, s, dim, w, g, scratch, [&](std::size_t j) {
    const AdamwParams& q = p[j];
    return adam_scalars<double>(q.lr, q.beta1, q.beta2, q.eps, 0.0, q.weight_decay, t);
  });
  ++s.step;
}

}  // namespace descent
