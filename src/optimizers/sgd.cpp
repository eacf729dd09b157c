#include "descent/optimizers/sgd.hpp"

#include "optimizers/optimizer_info.hpp"

namespace descent {
namespace {

SgdParams from_set(const ParamSet& s) { return {.lr = s.get("lr")}; }

template <class T>
inline void sgd_update(T& w, T g, T lr) {
  w = w - lr * g;
}

}  // namespace

const OptimizerInfo& sgd_info() {
  static const OptimizerInfo info =
      detail::optimizer_info<Sgd>("sgd", "plain gradient descent: w <- w - lr*g",
                                  "Robbins & Monro 1951; the seed's SGDOptimizer; torch.optim.SGD",
                                  {detail::lr_param(SgdParams{}.lr)}, from_set);
  return info;
}

template <std::floating_point T>
void sgd_step(const SgdParams& p, SgdState<T>& /*s*/, std::span<T> w, std::span<const T> g) {
  detail::check_step_sizes(w.size(), w.size(), g.size());
  const T lr = static_cast<T>(p.lr);
  for (std::size_t i = 0; i < w.size(); ++i) sgd_update(w[i], g[i], lr);
}

template <std::floating_point T>
Sgd<T>::Sgd(const SgdParams& params) : p_(params) {
  check_params("optimizer 'sgd'", info().params, this->params());
}

template <std::floating_point T>
const OptimizerInfo& Sgd<T>::info() const {
  return sgd_info();
}

template <std::floating_point T>
ParamSet Sgd<T>::params() const {
  return ParamSet({{"lr", p_.lr}});
}

template <std::floating_point T>
void Sgd<T>::step(std::span<T> w, std::span<const T> g) {
  detail::check_step_sizes(n_, w.size(), g.size());
  sgd_step(p_, s_, w, g);
}

template void sgd_step<float>(const SgdParams&, SgdState<float>&, std::span<float>,
                              std::span<const float>);
template void sgd_step<double>(const SgdParams&, SgdState<double>&, std::span<double>,
                               std::span<const double>);
template class Sgd<float>;
template class Sgd<double>;

}  // namespace descent
