#include "descent/optimizers/ftrl.hpp"

#include <cmath>
#include <stdexcept>

#include "kernels/elementwise.hpp"
#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

template <class T>
struct FtrlScalars {
  T lr, neg_power, l1, two_l2, two_shrinkage;  ///< two_l2 = 2*(l2 + beta/(2*lr))
};

// n^(-lr_power); Root (lr_power = -0.5) uses sqrt, exactly rounded and vectorized.
template <bool Root, class T>
inline T accumulator_power(T n, const FtrlScalars<T>& k) {
  if constexpr (Root)
    return std::sqrt(n);
  else
    return std::pow(n, k.neg_power);
}

// In the order of TensorFlow's ApplyFtrlV2 kernel.
template <bool Root, class T>
inline void ftrl_update(T& w, T& n, T& z, T g, const FtrlScalars<T>& k) {
  const T shrunk = g + k.two_shrinkage * w;
  const T g_s = k.two_shrinkage != T(0) ? shrunk : g;
  const T n_new = n + g * g;
  const T p_new = accumulator_power<Root>(n_new, k);
  z = z + (g_s - ((p_new - accumulator_power<Root>(n, k)) / k.lr) * w);
  n = n_new;
  const T quadratic = p_new / k.lr + k.two_l2;
  // Computed unconditionally and then selected, so that the loop vectorizes.
  const bool active = std::abs(z) > k.l1;
  const T signed_l1 = z > T(0) ? k.l1 : -k.l1;
  const T solution = (signed_l1 - z) / quadratic;
  w = active ? solution : T(0);
}

}  // namespace

const OptimizerInfo& FtrlRule::info() { return ftrl_info(); }

ParamSet FtrlRule::to_set(const Params& p) {
  return ParamSet({{"lr", p.lr},
                   {"lr_power", p.lr_power},
                   {"initial_accumulator_value", p.initial_accumulator_value},
                   {"l1", p.l1},
                   {"l2", p.l2},
                   {"l2_shrinkage", p.l2_shrinkage},
                   {"beta", p.beta}});
}

FtrlParams FtrlRule::from_set(const ParamSet& s) {
  return {.lr = s.get("lr"),
          .lr_power = s.get("lr_power"),
          .initial_accumulator_value = s.get("initial_accumulator_value"),
          .l1 = s.get("l1"),
          .l2 = s.get("l2"),
          .l2_shrinkage = s.get("l2_shrinkage"),
          .beta = s.get("beta")};
}

const OptimizerInfo& ftrl_info() {
  static const OptimizerInfo info = detail::rule_info<FtrlRule>(
      "ftrl", "FTRL-Proximal: per-coordinate rates lr/n^(-lr_power) with L1/L2 regularization",
      "McMahan et al. 2013; keras Ftrl (TensorFlow ApplyFtrlV2)",
      {detail::shown(real_param("lr", FtrlParams{}.lr, 0.0, detail::kInf, "learning rate (alpha)",
                                false, false, true)),
       real_param("lr_power", FtrlParams{}.lr_power, -detail::kInf, 0.0,
                  "power of the accumulator in the per-coordinate rate", false, true),
       real_param("initial_accumulator_value", FtrlParams{}.initial_accumulator_value, 0.0,
                  detail::kInf, "starting value of the accumulator n", true, false),
       real_param("l1", 0.0, 0.0, detail::kInf, "L1 regularization strength", true, false),
       real_param("l2", 0.0, 0.0, detail::kInf, "L2 regularization strength", true, false),
       real_param("l2_shrinkage", 0.0, 0.0, detail::kInf, "L2 shrinkage added to the gradient of z",
                  true, false),
       real_param("beta", 0.0, 0.0, detail::kInf, "beta of the paper's per-coordinate rate", true,
                  false)});
  return info;
}

template <std::floating_point T>
void ftrl_step(const FtrlParams& p, FtrlState<T>& s, std::span<const TensorRef<T>> tensors) {
  if (s.linear.size() != s.accumulator.size())
    throw std::invalid_argument("ftrl_step: state not reset");
  const FtrlScalars<T> k{static_cast<T>(p.lr), static_cast<T>(-p.lr_power), static_cast<T>(p.l1),
                         static_cast<T>(2.0 * (p.l2 + p.beta / (2.0 * p.lr))),
                         static_cast<T>(2.0 * p.l2_shrinkage)};
  const std::size_t n = s.accumulator.size();
  if (p.lr_power == -0.5) {
    detail::elementwise(
        n, tensors, [k](T& w, T g, T& acc, T& z) { ftrl_update<true>(w, acc, z, g, k); },
        s.accumulator.data(), s.linear.data());
  } else {
    detail::elementwise(
        n, tensors, [k](T& w, T g, T& acc, T& z) { ftrl_update<false>(w, acc, z, g, k); },
        s.accumulator.data(), s.linear.data());
  }
}

template void ftrl_step<float>(const FtrlParams&, FtrlState<float>&,
                               std::span<const TensorRef<float>>);
template void ftrl_step<double>(const FtrlParams&, FtrlState<double>&,
                                std::span<const TensorRef<double>>);

}  // namespace descent
