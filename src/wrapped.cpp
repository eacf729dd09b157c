#include "descent/wrapped.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "descent/error.hpp"

namespace descent {

template <std::floating_point T>
Wrapped<T>::Wrapped(std::unique_ptr<Optimizer<T>> inner, const Preludes& preludes,
                    std::shared_ptr<const Schedule> schedule)
    : inner_(std::move(inner)), preludes_(preludes), schedule_(std::move(schedule)) {
  check_params("optimizer '" + inner_->info().name + "'", prelude_params(),
               ParamSet({{"maximize", preludes_.maximize ? 1.0 : 0.0},
                         {"clip_value", preludes_.clip_value},
                         {"clip_norm", preludes_.clip_norm}}));
  base_lr_ = inner_->lr();
}

template <std::floating_point T>
ParamSet Wrapped<T>::params() const {
  // The inner optimizer's rate is the schedule's current one; the spec keeps the base rate.
  ParamSet p = inner_->params();
  p.set("lr", base_lr_);
  return p;
}

template <std::floating_point T>
std::string Wrapped<T>::spec() const {
  return optimizer_spec(info(), params(), preludes_, schedule_.get());
}

template <std::floating_point T>
void Wrapped<T>::reset(std::size_t n) {
  const Shape one{n, 1};
  reset_shapes(std::span<const Shape>(&one, 1));
}

template <std::floating_point T>
void Wrapped<T>::reset_shapes(std::span<const Shape> shapes) {
  inner_->reset_shapes(shapes);
  start();
}

template <std::floating_point T>
void Wrapped<T>::restart() {
  inner_->restart();
  start();
}

template <std::floating_point T>
void Wrapped<T>::start() {
  inner_->set_lr(base_lr_);
  g_.assign(inner_->size(), T(0));
  t_ = 0;
  schedule_state_ = {};
}

template <std::floating_point T>
void Wrapped<T>::step(std::span<T> w, std::span<const T> g) {
  apply(w, g, std::numeric_limits<double>::quiet_NaN(), nullptr);
}

template <std::floating_point T>
void Wrapped<T>::step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>& f) {
  apply(w, g, loss, f ? &f : nullptr);
}

template <std::floating_point T>
void Wrapped<T>::apply(std::span<T> w, std::span<const T> g, double loss, const Closure<T>* f) {
  detail::check_step_sizes(g_.size(), w.size(), g.size());
  std::copy(g.begin(), g.end(), g_.begin());
  if (preludes_.clip_value > 0) {
    const T c = static_cast<T>(preludes_.clip_value);
    for (T& x : g_) x = std::clamp(x, -c, c);
  }
  if (preludes_.clip_norm > 0) {
    double norm2 = 0.0;
    for (T x : g_) norm2 += static_cast<double>(x) * x;
    const double norm = std::sqrt(norm2);
    if (norm > preludes_.clip_norm) {
      const T scale = static_cast<T>(preludes_.clip_norm / norm);
      for (T& x : g_) x *= scale;
    }
  }
  if (preludes_.maximize) {
    for (T& x : g_) x = -x;
    loss = -loss;
  }
  if (schedule_) inner_->set_lr(schedule_->lr(t_, base_lr_, schedule_state_));
  if (preludes_.maximize && f) {
    const Closure<T> negated = [f](std::span<const T> x, std::span<T> gx) {
      const double v = (*f)(x, gx);
      for (T& e : gx) e = -e;
      return -v;
    };
    inner_->step_with(w, g_, loss, negated);
  } else {
    inner_->step_with(w, g_, loss, f ? *f : Closure<T>{});
  }
  if (schedule_ && !std::isnan(loss)) schedule_->observe(t_, loss, base_lr_, schedule_state_);
  ++t_;
}

template <std::floating_point T>
void Wrapped<T>::visit_state(StateVisitor<T>& visitor) {
  visit_schedule(visitor, t_, base_lr_, schedule_.get(), schedule_state_);
  inner_->visit_state(visitor);
}

template class Wrapped<float>;
template class Wrapped<double>;

}  // namespace descent
