// descent: the Optimizer<T> of every elementwise method, written once.
//
// An elementwise method is described by a Rule: a struct naming its Params and State<T> and
// giving static functions for its registry entry, its parameter values, resetting the state,
// stepping a list of tensors, and visiting the state. RuleOptimizer<Rule, T> turns that into an
// Optimizer<T>, so each method's own header holds only its math: `template <class T> using Adam =
// RuleOptimizer<AdamRule, T>;`.
#pragma once

#include <concepts>
#include <span>
#include <string>

#include "descent/error.hpp"
#include "descent/optimizer.hpp"

namespace descent {

template <class Rule, std::floating_point T>
class RuleOptimizer final : public Optimizer<T> {
 public:
  using Params = typename Rule::Params;
  using State = typename Rule::template State<T>;

  /// Throws InputError if a parameter is out of range.
  explicit RuleOptimizer(const Params& params = {}) : p_(params) {
    const std::string owner = "optimizer '" + Rule::info().name + "'";
    check_params(owner, Rule::info().params, this->params());
    // Constraints between parameters (e.g. step_min <= step_max), where a rule has them.
    if constexpr (requires { Rule::validate(p_); }) {
      if (const std::string err = Rule::validate(p_); !err.empty())
        throw InputError(owner + ": " + err);
    }
  }

  const OptimizerInfo& info() const override { return Rule::info(); }
  ParamSet params() const override { return Rule::to_set(p_); }
  double lr() const override { return p_.lr; }
  void set_lr(double lr) override { p_.lr = lr; }
  void reset(std::size_t n) override {
    n_ = n;
    s_ = State{};
    Rule::reset(p_, s_, n);
  }
  std::size_t size() const override { return n_; }
  void step(std::span<T> w, std::span<const T> g) override {
    detail::check_step_sizes(n_, w.size(), g.size());
    const TensorRef<T> one{w, g};
    Rule::step(p_, s_, std::span<const TensorRef<T>>(&one, 1));
  }
  void step_tensors(std::span<const TensorRef<T>> tensors) override {
    detail::check_tensors(n_, tensors);
    Rule::step(p_, s_, tensors);
  }
  void visit_state(StateVisitor<T>& visitor) override { Rule::visit(s_, visitor); }

  /// The hyperparameters as a struct.
  const Params& settings() const { return p_; }
  /// The state, for inspection.
  const State& state() const { return s_; }

 private:
  Params p_;
  State s_;
  std::size_t n_ = 0;
};

}  // namespace descent
