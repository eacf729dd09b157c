// descent: the gradient preludes (optimizer.hpp's Preludes) and a learning-rate schedule around
// an optimizer that is not elementwise (L-BFGS). Elementwise optimizers run their preludes and
// schedule inside their own fused pass (elementwise.hpp); this wrapper copies the gradient,
// applies the preludes to the copy, sets the inner optimizer's rate from the schedule, and calls
// its step. With maximize, the closure's evaluations (L-BFGS's line search) are negated too.
#pragma once

#include <concepts>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "descent/optimizer.hpp"
#include "descent/schedule.hpp"

namespace descent {

template <std::floating_point T>
class Wrapped final : public Optimizer<T> {
 public:
  /// `schedule` may be null. Throws InputError for negative clip values.
  Wrapped(std::unique_ptr<Optimizer<T>> inner, const Preludes& preludes,
          std::shared_ptr<const Schedule> schedule);

  const OptimizerInfo& info() const override { return inner_->info(); }
  /// The inner optimizer's parameters, with the base rate as lr.
  ParamSet params() const override;
  /// The inner optimizer's spec, the prelude keys that are set, "@schedule".
  std::string spec() const override;
  /// The base rate the schedule scales.
  double lr() const override { return base_lr_; }
  void set_lr(double lr) override { base_lr_ = lr; }
  void reset(std::size_t n) override;
  void reset_shapes(std::span<const Shape> shapes) override;
  void restart() override;
  std::size_t size() const override { return inner_->size(); }
  void step(std::span<T> w, std::span<const T> g) override;
  void step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>& f) override;
  std::string converged() const override { return inner_->converged(); }
  bool reads_loss() const override {
    return (schedule_ && schedule_->stateful()) || inner_->reads_loss();
  }
  bool reads_hessian_diagonal() const override { return inner_->reads_hessian_diagonal(); }
  bool reads_hessian_diagonal_next() const override {
    return inner_->reads_hessian_diagonal_next();
  }
  /// With maximize the inner method minimizes -f, whose Hessian's diagonal is negated here.
  void set_hessian_diagonal(HessianDiagonal<T> oracle) override {
    if (preludes_.maximize && oracle)
      oracle = [f = std::move(oracle)](std::span<const T> w, std::span<T> h) {
        f(w, h);
        for (T& v : h) v = -v;
      };
    inner_->set_hessian_diagonal(std::move(oracle));
  }
  bool solution(std::span<const T> w, std::span<T> x) const override {
    return inner_->solution(w, x);
  }
  void visit_state(StateVisitor<T>& visitor) override;

  Optimizer<T>& inner() { return *inner_; }
  const Preludes& preludes() const { return preludes_; }
  const Schedule* schedule() const { return schedule_.get(); }
  /// Steps taken since reset.
  std::uint64_t steps() const { return t_; }

 private:
  void apply(std::span<T> w, std::span<const T> g, double loss, const Closure<T>* f);
  /// Its own state back to the start: the base rate, step 0, the schedule's state.
  void start();
  std::unique_ptr<Optimizer<T>> inner_;
  Preludes preludes_;
  std::shared_ptr<const Schedule> schedule_;
  ScheduleState schedule_state_;
  double base_lr_;
  std::uint64_t t_ = 0;
  std::vector<T> g_;
};

extern template class Wrapped<float>;
extern template class Wrapped<double>;

}  // namespace descent
