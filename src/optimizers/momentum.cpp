#include "descent/optimizers/momentum.hpp"

#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

MomentumParams from_set(const ParamSet& s) { return {.lr = s.get("lr"), .alpha = s.get("alpha")}; }

// The per-element rule, written once.
template <class T>
inline void momentum_update(T& w, T& v, T g, T lr, T alpha) {
  v = alpha * v + lr * g;
  w = w - v;
}

}  // namespace

const OptimizerInfo& momentum_info() {
  static const OptimizerInfo info = detail::optimizer_info<Momentum>(
      "momentum", "heavy-ball momentum, velocity form: v <- alpha*v + lr*g; w <- w - v",
      "Polyak 1964; the seed's MomentumOptimizer",
      {detail::lr_param(MomentumParams{}.lr),
       real_param("alpha", MomentumParams{}.alpha, 0.0, 1.0, "momentum coefficient", true, false)},
      from_set);
  return info;
}

template <std::floating_point T>
void momentum_step(const MomentumParams& p, MomentumState<T>& s, std::span<T> w,
                   std::span<const T> g) {
  const T lr = static_cast<T>(p.lr);
  const T alpha = static_cast<T>(p.alpha);
  detail::check_step_sizes(s.velocity.size(), w.size(), g.size());
  T* v = s.velocity.data();
  for (std::size_t i = 0; i < w.size(); ++i) momentum_update(w[i], v[i], g[i], lr, alpha);
}

template <std::floating_point T>
Momentum<T>::Momentum(const MomentumParams& params) : p_(params) {
  check_params("optimizer 'momentum'", info().params, this->params());
}

template <std::floating_point T>
const OptimizerInfo& Momentum<T>::info() const {
  return momentum_info();
}

template <std::floating_point T>
ParamSet Momentum<T>::params() const {
  return ParamSet({{"lr", p_.lr}, {"alpha", p_.alpha}});
}

template <std::floating_point T>
void Momentum<T>::reset(std::size_t n) {
  s_.velocity.assign(n, T(0));
}

template <std::floating_point T>
void Momentum<T>::step(std::span<T> w, std::span<const T> g) {
  momentum_step(p_, s_, w, g);
}

template void momentum_step<float>(const MomentumParams&, MomentumState<float>&, std::span<float>,
                                   std::span<const float>);
template void momentum_step<double>(const MomentumParams&, MomentumState<double>&,
                                    std::span<double>, std::span<const double>);
template class Momentum<float>;
template class Momentum<double>;

}  // namespace descent
