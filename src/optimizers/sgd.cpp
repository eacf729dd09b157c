#include "descent/optimizers/sgd.hpp"

#include "fused_lanes.hpp"
#include "kernels/elementwise.hpp"
#include "optimizers/lane_kernels.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

// The per-element rule, written once.
template <class T>
inline void sgd_update(T& w, T g, T lr, T wd) {
  w = w - lr * detail::decayed(g, w, wd);
}

std::vector<ParamInfo> sgd_params() {
  return {detail::lr_param(SgdParams{}.lr), detail::weight_decay_param()};
}

}  // namespace

const OptimizerInfo& SgdRule::info() { return sgd_info(); }

ParamSet SgdRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr}, {"weight_decay", p.weight_decay}});
}

SgdParams SgdRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"), .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& sgd_info() {
  static const OptimizerInfo info = detail::rule_info<SgdRule>(
      "sgd", "plain gradient descent: w <- w - lr*g",
      "Robbins & Monro 1951; the seed's SGDOptimizer; torch.optim.SGD", sgd_params());
  return info;
}

const OptimizerInfo& gd_info() {
  static const OptimizerInfo info = [] {
    OptimizerInfo i = detail::rule_info<SgdRule>(
        "gd", "full-batch gradient descent: sgd under the name that reads naturally in the lab",
        "Cauchy 1847; an alias of sgd", sgd_params());
    i.alias_of = "sgd";
    return i;
  }();
  return info;
}

template <std::floating_point T>
void sgd_step(const SgdParams& p, SgdState<T>& /*s*/, std::span<const TensorRef<T>> tensors) {
  const T lr = static_cast<T>(p.lr);
  const T wd = static_cast<T>(p.weight_decay);
  detail::elementwise(detail::total_size(tensors), tensors,
                      [lr, wd](T& w, T g) { sgd_update(w, g, lr, wd); });
}

template void sgd_step<float>(const SgdParams&, SgdState<float>&,
                              std::span<const TensorRef<float>>);
template void sgd_step<double>(const SgdParams&, SgdState<double>&,
                               std::span<const TensorRef<double>>);

void detail::sgd_lanes(std::span<const SgdParams> p, LaneState& /*s*/, std::size_t dim, double* w,
                       const double* g, AlignedVector<double>& scratch) {
  const std::size_t n = p.size();
  double* lr = lane_scalars(scratch, 2, n);
  double* wd = lr + n;
  for (std::size_t j = 0; j < n; ++j) {
    lr[j] = p[j].lr;
    wd[j] = p[j].weight_decay;
  }
  const Simd level = simd();
  for (std::size_t i = 0; i < dim; ++i)
    simd_map(
        level, n,
        [](double& wi, const double& gi, const double& l, const double& d) {
          sgd_update(wi, gi, l, d);
        },
        w + i * n, g + i * n, lr, wd);
}

std::optional<std::vector<detail::LaneRun>> detail::sgd_fused(std::span<const SgdParams> p,
                                                              const Objective& f,
                                                              std::span<const double> starts,
                                                              const RunOptions& options) {
  const auto scalars = [p](std::size_t lane, std::int64_t, double* sc) {
    sc[0] = p[lane].lr;
    sc[1] = p[lane].weight_decay;
  };
  return run_fused_with_formula_of(
      f, [](auto& x, auto&, auto g, auto lr, auto d, auto, auto) { sgd_update(x, g, lr, d); },
      scalars, p.size(), starts, options);
}

}  // namespace descent
