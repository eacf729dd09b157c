// descent: what can be added to any optimizer without touching its math: maximization, gradient
// clipping and a learning-rate schedule. In a spec they are extra keys and an '@' suffix:
//     "adam:lr=0.01,clip_norm=1,maximize=true@cosine:t_max=100"
//
// Per step, in this order:
//     g <- clamp(g, -clip_value, clip_value)       (clip_value > 0; torch clip_grad_value_)
//     g <- g * clip_norm / ||g||  if ||g|| > clip_norm   (clip_norm > 0; torch clip_grad_norm_,
//                                                  without its 1e-6 added to the norm)
//     g <- -g, loss <- -loss                       (maximize; torch's maximize=True)
//     lr <- schedule(t, base lr)                   (a schedule; t = steps taken)
//     the optimizer's own step
//     the schedule sees the loss                   (reduce-on-plateau)
// For L-BFGS with maximize, the line search's evaluations are negated too.
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

struct WrapperOptions {
  bool maximize = false;    ///< ascend instead of descend
  double clip_value = 0.0;  ///< clamp each gradient component to [-clip_value, clip_value]; 0: off
  double clip_norm = 0.0;   ///< rescale the gradient to at most this Euclidean norm; 0: off

  bool any() const { return maximize || clip_value > 0 || clip_norm > 0; }
};

/// The wrapper keys every optimizer takes in a spec, with their defaults and ranges.
const std::vector<ParamInfo>& wrapper_params();

template <std::floating_point T>
class Wrapped final : public Optimizer<T> {
 public:
  /// `schedule` may be null. Throws InputError for negative clip values.
  Wrapped(std::unique_ptr<Optimizer<T>> inner, WrapperOptions options,
          std::unique_ptr<Schedule> schedule);

  const OptimizerInfo& info() const override { return inner_->info(); }
  /// The inner optimizer's parameters, with the base rate as lr.
  ParamSet params() const override;
  /// The inner optimizer's spec, the wrapper keys that differ from their defaults, "@schedule".
  std::string spec() const override;
  /// The base rate the schedule scales.
  double lr() const override { return base_lr_; }
  void set_lr(double lr) override { base_lr_ = lr; }
  void reset(std::size_t n) override;
  std::size_t size() const override { return inner_->size(); }
  void step(std::span<T> w, std::span<const T> g) override;
  void step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>& f) override;
  std::string converged() const override { return inner_->converged(); }
  void visit_state(StateVisitor<T>& visitor) override;

  Optimizer<T>& inner() { return *inner_; }
  const WrapperOptions& options() const { return options_; }
  const Schedule* schedule() const { return schedule_.get(); }
  /// Steps taken since reset.
  std::uint64_t steps() const { return t_; }

 private:
  void apply(std::span<T> w, std::span<const T> g, double loss, const Closure<T>* f);
  std::unique_ptr<Optimizer<T>> inner_;
  WrapperOptions options_;
  std::unique_ptr<Schedule> schedule_;
  double base_lr_;
  std::uint64_t t_ = 0;
  std::vector<T> g_;
};

extern template class Wrapped<float>;
extern template class Wrapped<double>;

}  // namespace descent
