#include "descent/optimizers/rprop.hpp"

#include <algorithm>
#include <stdexcept>

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

// Both comparisons are evaluated unconditionally and their results selected, with no branch, so
// that the loop vectorizes at every SIMD level.
template <class T>
inline T sign(T x) {
  const T pos = x > T(0) ? T(1) : T(0);
  const T neg = x < T(0) ? T(1) : T(0);
  return pos - neg;
}

template <class T>
inline void rprop_update(T& w, T& prev, T& step, T g, T eta_minus, T eta_plus, T step_min,
                         T step_max) {
  // Written with value selects only (no branches, no references), so that it vectorizes.
  const T agree = g * prev;
  const bool grow = agree > T(0), shrink = agree < T(0);
  const T factor = grow ? eta_plus : (shrink ? eta_minus : T(1));
  const T grown = step * factor;
  const T low = grown < step_min ? step_min : grown;
  step = step_max < low ? step_max : low;
  g = shrink ? T(0) : g;
  w = w - sign(g) * step;
  prev = g;
}

}  // namespace

const OptimizerInfo& RpropRule::info() { return rprop_info(); }

ParamSet RpropRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr},
                   {"eta_minus", p.eta_minus},
                   {"eta_plus", p.eta_plus},
                   {"step_min", p.step_min},
                   {"step_max", p.step_max}});
}

RpropParams RpropRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .eta_minus = s.get("eta_minus"),
          .eta_plus = s.get("eta_plus"),
          .step_min = s.get("step_min"),
          .step_max = s.get("step_max")};
}

const OptimizerInfo& rprop_info() {
  static const OptimizerInfo info = detail::rule_info<RpropRule>(
      "rprop",
      "Rprop: per-coordinate steps grown while the gradient's sign holds, cut when it flips",
      "Riedmiller & Braun 1993; torch.optim.Rprop",
      {detail::shown(real_param("lr", RpropParams{}.lr, 0.0, detail::kInf, "initial step size",
                                true, false, true)),
       real_param("eta_minus", RpropParams{}.eta_minus, 0.0, 1.0, "step factor after a sign change",
                  false, false),
       real_param("eta_plus", RpropParams{}.eta_plus, 1.0, detail::kInf,
                  "step factor while the sign holds", false, false),
       real_param("step_min", RpropParams{}.step_min, 0.0, detail::kInf, "smallest step size", true,
                  false, true),
       real_param("step_max", RpropParams{}.step_max, 0.0, detail::kInf, "largest step size", true,
                  false, true)});
  return info;
}

template <std::floating_point T>
void rprop_step(const RpropParams& p, RpropState<T>& s, std::span<const TensorRef<T>> tensors) {
  if (s.step_size.size() != s.prev.size())
    throw std::invalid_argument("rprop_step: state not reset");
  const T eta_minus = static_cast<T>(p.eta_minus), eta_plus = static_cast<T>(p.eta_plus);
  const T step_min = static_cast<T>(p.step_min), step_max = static_cast<T>(p.step_max);
  detail::elementwise(
      s.prev.size(), tensors,
      [eta_minus, eta_plus, step_min, step_max](T& w, T g, T& prev, T& step) {
        rprop_update(w, prev, step, g, eta_minus, eta_plus, step_min, step_max);
      },
      s.prev.data(), s.step_size.data());
}

template void rprop_step<float>(const RpropParams&, RpropState<float>&,
                                std::span<const TensorRef<float>>);
template void rprop_step<double>(const RpropParams&, RpropState<double>&,
                                 std::span<const TensorRef<double>>);

}  // namespace descent
