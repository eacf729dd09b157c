#include "descent/optimizers/rmsprop.hpp"

#include <cmath>

#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

RmspropParams from_set(const ParamSet& s) {
  return {.lr = s.get("lr"), .beta = s.get("beta"), .eps = s.get("eps")};
}

// The per-element rule, written once. `one_minus_beta` is 1 - beta computed in double.
template <class T>
inline void rmsprop_update(T& w, T& s, T g, T lr, T beta, T one_minus_beta, T eps) {
  s = beta * s + one_minus_beta * (g * g);
  w = w - (lr * g) / (std::sqrt(s) + eps);
}

}  // namespace

const OptimizerInfo& rmsprop_info() {
  static const OptimizerInfo info = detail::optimizer_info<Rmsprop>(
      "rmsprop",
      "RMSProp: s <- beta*s + (1-beta)*g^2; w <- w - lr*g/(sqrt(s)+eps), eps outside the root",
      "Tieleman & Hinton 2012 (lecture 6.5); the seed's RMSPropOptimizer",
      {detail::lr_param(RmspropParams{}.lr),
       real_param("beta", RmspropParams{}.beta, 0.0, 1.0, "decay of the running mean of g^2", true,
                  false),
       real_param("eps", RmspropParams{}.eps, 0.0, detail::kInf,
                  "added to sqrt(s) in the denominator", true, false, true)},
      from_set);
  return info;
}

template <std::floating_point T>
void rmsprop_step(const RmspropParams& p, RmspropState<T>& s, std::span<T> w,
                  std::span<const T> g) {
  const T lr = static_cast<T>(p.lr);
  const T beta = static_cast<T>(p.beta);
  const T one_minus_beta = static_cast<T>(1.0 - p.beta);
  const T eps = static_cast<T>(p.eps);
  detail::check_step_sizes(s.square_avg.size(), w.size(), g.size());
  T* sq = s.square_avg.data();
  for (std::size_t i = 0; i < w.size(); ++i)
    rmsprop_update(w[i], sq[i], g[i], lr, beta, one_minus_beta, eps);
}

template <std::floating_point T>
Rmsprop<T>::Rmsprop(const RmspropParams& params) : p_(params) {
  check_params("optimizer 'rmsprop'", info().params, this->params());
}

template <std::floating_point T>
const OptimizerInfo& Rmsprop<T>::info() const {
  return rmsprop_info();
}

template <std::floating_point T>
ParamSet Rmsprop<T>::params() const {
  return ParamSet({{"lr", p_.lr}, {"beta", p_.beta}, {"eps", p_.eps}});
}

template <std::floating_point T>
void Rmsprop<T>::reset(std::size_t n) {
  s_.square_avg.assign(n, T(0));
}

template <std::floating_point T>
void Rmsprop<T>::step(std::span<T> w, std::span<const T> g) {
  rmsprop_step(p_, s_, w, g);
}

template void rmsprop_step<float>(const RmspropParams&, RmspropState<float>&, std::span<float>,
                                  std::span<const float>);
template void rmsprop_step<double>(const RmspropParams&, RmspropState<double>&, std::span<double>,
                                   std::span<const double>);
template class Rmsprop<float>;
template class Rmsprop<double>;

}  // namespace descent
