#include "descent/optimizers/nesterov.hpp"

#include "fused_lanes.hpp"
#include "kernels/elementwise.hpp"
#include "optimizers/lane_kernels.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

// The per-element rule, written once. `keep` is alpha after the first step and 0 on it (b <- g).
template <class T>
inline void nesterov_update(T& w, T& b, T g, T lr, T alpha, T keep, T wd) {
  const T gd = detail::decayed(g, w, wd);
  b = keep * b + gd;
  w = w - lr * (gd + alpha * b);
}

}  // namespace

const OptimizerInfo& NesterovRule::info() { return nesterov_info(); }

ParamSet NesterovRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr}, {"alpha", p.alpha}, {"weight_decay", p.weight_decay}});
}

NesterovParams NesterovRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"), .alpha = s.get("alpha"), .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& nesterov_info() {
  static const OptimizerInfo info = detail::rule_info<NesterovRule>(
      "nesterov", "Nesterov momentum: b <- alpha*b + g; w <- w - lr*(g + alpha*b)",
      "Nesterov 1983; Sutskever et al. 2013; torch.optim.SGD(momentum, nesterov=True)",
      {detail::lr_param(NesterovParams{}.lr),
       detail::shown(detail::rate_param("alpha", NesterovParams{}.alpha, "momentum coefficient")),
       detail::weight_decay_param()});
  return info;
}

namespace {

template <class T>
struct NesterovScalars {
  T lr, alpha, keep, wd;
};

template <class T>
NesterovScalars<T> nesterov_scalars(const NesterovParams& p, std::int64_t step) {
  return {static_cast<T>(p.lr), static_cast<T>(p.alpha), step == 0 ? T(0) : static_cast<T>(p.alpha),
          static_cast<T>(p.weight_decay)};
}

}  // namespace

template <std::floating_point T>
void nesterov_step(const NesterovParams& p, NesterovState<T>& s,
                   std::span<const TensorRef<T>> tensors) {
  const NesterovScalars<T> k = nesterov_scalars<T>(p, s.step);
  detail::elementwise(
      s.buffer.size(), tensors,
      [k](T& w, T g, T& b) { nesterov_update(w, b, g, k.lr, k.alpha, k.keep, k.wd); },
      s.buffer.data());
  ++s.step;
}

template void nesterov_step<float>(const NesterovParams&, NesterovState<float>&,
                                   std::span<const TensorRef<float>>);
template void nesterov_step<double>(const NesterovParams&, NesterovState<double>&,
                                    std::span<const TensorRef<double>>);

void detail::nesterov_lanes(std::span<const NesterovParams> p, LaneState& s, std::size_t dim,
                            double* w, const double* g, AlignedVector<double>& scratch) {
  const std::size_t n = p.size();
  double* lr = lane_scalars(scratch, 4, n);
  double* alpha = lr + n;
  double* keep = alpha + n;
  double* wd = keep + n;
  // The scalars change only from the first step to the second; later steps reuse them.
  for (std::size_t j = 0; j < n && s.step <= 1; ++j) {
    const NesterovScalars<double> k = nesterov_scalars<double>(p[j], s.step);
    lr[j] = k.lr;
    alpha[j] = k.alpha;
    keep[j] = k.keep;
    wd[j] = k.wd;
  }
  const Simd level = simd();
  for (std::size_t i = 0; i < dim; ++i)
    simd_map(
        level, n,
        [](double& wi, const double& gi, double& b, const double& l, const double& a,
           const double& k, const double& d) { nesterov_update(wi, b, gi, l, a, k, d); },
        w + i * n, g + i * n, s.arrays[0] + i * n, lr, alpha, keep, wd);
  ++s.step;
}

std::optional<std::vector<detail::LaneRun>> detail::nesterov_fused(
    std::span<const NesterovParams> p, const Objective& f, std::span<const double> starts,
    const RunOptions& options) {
  const auto scalars = [p](std::size_t lane, std::int64_t step, double* sc) {
    const NesterovScalars<double> k = nesterov_scalars<double>(p[lane], step);
    sc[0] = k.lr;
    sc[1] = k.alpha;
    sc[2] = k.keep;
    sc[3] = k.wd;
  };
  return run_fused_with_formula_of(
      f,
      [](auto& x, auto& b, auto g, auto lr, auto a, auto k, auto d) {
        nesterov_update(x, b, g, lr, a, k, d);
      },
      scalars, p.size(), starts, options);
}

}  // namespace descent
