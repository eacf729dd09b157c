#include "descent/optimizers/momentum.hpp"

#include <algorithm>

#include "fused_lanes.hpp"
#include "kernels/elementwise.hpp"
#include "optimizers/lane_kernels.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

// The per-element rule, written once. `c` is the gradient's coefficient in the velocity:
// lr on the first step, (1 - dampening) * lr after (which is lr itself when dampening is 0).
template <class T>
inline void momentum_update(T& w, T& v, T g, T alpha, T c, T wd) {
  v = alpha * v + c * detail::decayed(g, w, wd);
  w = w - v;
}

}  // namespace

const OptimizerInfo& MomentumRule::info() { return momentum_info(); }

ParamSet MomentumRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr},
                   {"alpha", p.alpha},
                   {"dampening", p.dampening},
                   {"weight_decay", p.weight_decay}});
}

MomentumParams MomentumRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .alpha = s.get("alpha"),
          .dampening = s.get("dampening"),
          .weight_decay = s.get("weight_decay")};
}

const OptimizerInfo& momentum_info() {
  static const OptimizerInfo info = detail::rule_info<MomentumRule>(
      "momentum", "heavy-ball momentum, velocity form: v <- alpha*v + lr*g; w <- w - v",
      "Polyak 1964; the seed's MomentumOptimizer; torch.optim.SGD(momentum) under a constant lr",
      {detail::lr_param(MomentumParams{}.lr),
       detail::shown(detail::rate_param("alpha", MomentumParams{}.alpha, "momentum coefficient")),
       real_param("dampening", 0.0, 0.0, 1.0,
                  "share of the gradient removed from the velocity after the first step"),
       detail::weight_decay_param()});
  return info;
}

namespace {

// The step scalars, computed as every path computes them. On the first step v = 0, so
// alpha*v + c*g = c*g exactly: the first-step rule v <- lr*g needs only c = lr.
template <class T>
struct MomentumScalars {
  T alpha, c, wd;
};

template <class T>
MomentumScalars<T> momentum_scalars(const MomentumParams& p, std::int64_t step) {
  const bool first = step == 0;
  return {static_cast<T>(p.alpha),
          static_cast<T>(first || p.dampening == 0.0 ? p.lr : (1.0 - p.dampening) * p.lr),
          static_cast<T>(p.weight_decay)};
}

}  // namespace

template <std::floating_point T>
void momentum_step(const MomentumParams& p, MomentumState<T>& s,
                   std::span<const TensorRef<T>> tensors) {
  const MomentumScalars<T> k = momentum_scalars<T>(p, s.step);
  detail::elementwise(
      s.velocity.size(), tensors,
      [k](T& w, T g, T& v) { momentum_update(w, v, g, k.alpha, k.c, k.wd); }, s.velocity.data());
  ++s.step;
}

template void momentum_step<float>(const MomentumParams&, MomentumState<float>&,
                                   std::span<const TensorRef<float>>);
template void momentum_step<double>(const MomentumParams&, MomentumState<double>&,
                                    std::span<const TensorRef<double>>);

void detail::momentum_lanes(std::span<const MomentumParams> p, LaneState& s, std::size_t dim,
                            double* w, const double* g, AlignedVector<double>& scratch) {
  const std::size_t n = p.size();
  double* alpha = lane_scalars(scratch, 4, n);
  double* c = alpha + n;
  double* wd = c + n;
  double* decays = wd + n;  // decays[0]: 1 if any lane has weight decay
  // The scalars change only from the first step to the second; later steps reuse them.
  if (s.step <= 1) {
    decays[0] = 0;
    for (std::size_t j = 0; j < n; ++j) {
      const MomentumScalars<double> k = momentum_scalars<double>(p[j], s.step);
      alpha[j] = k.alpha;
      c[j] = k.c;
      wd[j] = k.wd;
      if (k.wd != 0.0) decays[0] = 1;
    }
  }
  const bool decay = decays[0] != 0;
  const Simd level = simd();
  for (std::size_t i = 0; i < dim; ++i) {
    double* wi = w + i * n;
    double* v = s.arrays[0] + i * n;
    if (decay)
      simd_map(
          level, n,
          [](double& x, const double& gx, double& vx, const double& a, const double& ci,
             const double& d) { momentum_update(x, vx, gx, a, ci, d); },
          wi, g + i * n, v, alpha, c, wd);
    else  // the same rule with a weight decay of exactly 0, which it skips
      simd_map(
          level, n,
          [](double& x, const double& gx, double& vx, const double& a, const double& ci) {
            momentum_update(x, vx, gx, a, ci, 0.0);
          },
          wi, g + i * n, v, alpha, c);
  }
  ++s.step;
}

std::optional<std::vector<detail::LaneRun>> detail::momentum_fused(
    std::span<const MomentumParams> p, const Objective& f, std::span<const double> starts,
    const RunOptions& options) {
  const auto scalars = [p](std::size_t lane, std::int64_t step, double* sc) {
    const MomentumScalars<double> k = momentum_scalars<double>(p[lane], step);
    sc[0] = k.alpha;
    sc[1] = k.c;
    sc[2] = k.wd;
  };
  const bool decay = std::any_of(p.begin(), p.end(), [](const MomentumParams& q) {
    return static_cast<double>(q.weight_decay) != 0.0;
  });
  if (decay)
    return run_fused_with_formula_of(
        f,
        [](auto& x, auto& v, auto g, auto a, auto c, auto d, auto) {
          momentum_update(x, v, g, a, c, d);
        },
        scalars, p.size(), starts, options);
  // the same rule with a weight decay of exactly 0, which it skips
  return run_fused_with_formula_of(
      f,
      [](auto& x, auto& v, auto g, auto a, auto c, auto, auto) {
        momentum_update(x, v, g, a, c, decltype(g){});
      },
      scalars, p.size(), starts, options);
}

}  // namespace descent
