// descent: wrappers, methods that run around any optimizer (Lookahead, weight averages, SAM,
// Mechanic, ...). A wrapper W declares, as a rule does, its documentation (W::doc, of
// Family::wrapper), its settings once (W::Params and W::fields, optionally W::validate) and, in
// W::State<T>, what it keeps and what it does around the inner optimizer's step:
//
//     template <std::floating_point T>
//     struct State {
//       void reset(const Params& p, std::size_t n);                // before the first step
//       void step(const Params& p, Optimizer<T>& inner, std::span<T> w, std::span<const T> g,
//                 double loss, const Closure<T>& f);               // one step, w in place
//       bool solution(const Params& p, std::span<const T> w, std::span<T> x) const;  // optional
//       bool steps_inner_next(const Params& p) const;  // optional: false if the next step
//                                                      // leaves the inner optimizer alone
//       void visit(StateVisitor<T>& v);                            // for checkpoints
//     };
//
// Wrapper<W, T> is the Optimizer<T>: it owns the inner optimizer, forwards the rate, the size and
// convergence to it, visits both states (the inner's under "inner."), and reports W's answer
// where W has one, else the inner optimizer's. The preludes (clipping, maximize) act on the
// innermost optimizer's gradient; a wrapper sees the raw one, and one that reads it as the
// direction of descent declares `static constexpr bool reads_gradient = true` (maximize is then
// refused). In a spec a wrapper is written before what it
// wraps: "lookahead:sync_period=5/adam:lr=0.01" (optimizer_config.hpp).
#pragma once

#include <cmath>
#include <concepts>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "descent/error.hpp"
#include "descent/fields.hpp"
#include "descent/optimizer.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/rule.hpp"

namespace descent {

template <class W>
concept WrapperMethod = requires {
  { W::doc } -> std::convertible_to<OptimizerDoc>;
  W::fields;
  typename W::Params;
  typename W::template State<double>;
};

namespace detail {

/// Passes every piece of state on to another visitor with `prefix` before its name.
template <std::floating_point T>
class PrefixedVisitor final : public StateVisitor<T> {
 public:
  PrefixedVisitor(StateVisitor<T>& to, std::string prefix) : to_(to), prefix_(std::move(prefix)) {}
  void array(std::string_view name, std::vector<T>& values) override {
    to_.array(prefix_ + std::string(name), values);
  }
  void real(std::string_view name, double& value) override {
    to_.real(prefix_ + std::string(name), value);
  }
  void integer(std::string_view name, std::int64_t& value) override {
    to_.integer(prefix_ + std::string(name), value);
  }

 private:
  StateVisitor<T>& to_;
  std::string prefix_;
};

/// InputError for a wrapper asked to step without a second evaluation (SAM's).
[[noreturn]] void needs_closure(std::string_view wrapper);

}  // namespace detail

template <WrapperMethod W>
const OptimizerInfo& wrapper_info();

/// Wrapper W around an inner optimizer.
template <WrapperMethod W, std::floating_point T>
class Wrapper final : public Optimizer<T> {
 public:
  using Params = typename W::Params;
  using State = typename W::template State<T>;

  /// Throws InputError for settings out of range or breaking W's constraint.
  Wrapper(const Params& p, std::unique_ptr<Optimizer<T>> inner) : p_(p), inner_(std::move(inner)) {
    const std::string owner = "optimizer '" + std::string(W::doc.name) + "'";
    check_params(owner, wrapper_info<W>().params, params());
    if (const std::string err = validate_rule<W>(p_); !err.empty())
      throw InputError(owner + ": " + err);
  }

  const OptimizerInfo& info() const override { return wrapper_info<W>(); }
  ParamSet params() const override { return to_param_set(p_, W::fields); }
  std::string spec() const override {
    return format_spec(info().name, info().params, params()) + "/" + inner_->spec();
  }
  double lr() const override { return inner_->lr(); }
  void set_lr(double lr) override { inner_->set_lr(lr); }
  void reset(std::size_t n) override {
    inner_->reset(n);
    start();
  }
  void reset_shapes(std::span<const Shape> shapes) override {
    inner_->reset_shapes(shapes);
    start();
  }
  void restart() override {
    inner_->restart();
    start();
  }
  std::size_t size() const override { return inner_->size(); }
  void step(std::span<T> w, std::span<const T> g) override { step_with(w, g, NAN, {}); }
  void step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>& f) override {
    detail::check_step_sizes(size(), w.size(), g.size());
    s_.step(p_, *inner_, w, g, loss, f);
  }
  std::string converged() const override { return inner_->converged(); }
  bool reads_loss() const override { return inner_->reads_loss(); }
  bool reads_hessian_diagonal() const override { return inner_->reads_hessian_diagonal(); }
  bool reads_hessian_diagonal_next() const override {
    if constexpr (requires { s_.steps_inner_next(p_); })
      if (!s_.steps_inner_next(p_)) return false;
    return inner_->reads_hessian_diagonal_next();
  }
  void set_hessian_diagonal(HessianDiagonal<T> oracle) override {
    inner_->set_hessian_diagonal(std::move(oracle));
  }
  bool solution(std::span<const T> w, std::span<T> x) const override {
    if constexpr (requires { s_.solution(p_, w, x); })
      if (s_.solution(p_, w, x)) return true;
    return inner_->solution(w, x);
  }
  void visit_state(StateVisitor<T>& visitor) override {
    s_.visit(visitor);
    detail::PrefixedVisitor<T> inner(visitor, "inner.");
    inner_->visit_state(inner);
  }

  Optimizer<T>& inner() { return *inner_; }
  const State& state() const { return s_; }

 private:
  /// W's state back to the start, for the inner optimizer's size.
  void start() {
    s_ = State{};
    s_.reset(p_, inner_->size());
  }
  Params p_;
  std::unique_ptr<Optimizer<T>> inner_;
  State s_;
};

/// The one registry entry of wrapper W.
template <WrapperMethod W>
const OptimizerInfo& wrapper_info() {
  static const OptimizerInfo info = [] {
    OptimizerInfo i = rule_entry<W>();
    if constexpr (requires { W::evaluations_per_step; })
      i.evaluations_per_step = W::evaluations_per_step;
    const auto make = []<class T>(const OptimizerConfig& c) -> std::unique_ptr<Optimizer<T>> {
      if (c.inner() == nullptr)
        throw InputError("optimizer '" + std::string(W::doc.name) +
                         "' is a wrapper: write the optimizer it wraps after a '/'");
      // The preludes act on the innermost optimizer's gradient; a wrapper that reads the raw
      // gradient as the descent direction (SAM, Cautious, Mechanic) would ascend against it.
      if constexpr (requires { W::reads_gradient; })
        if (c.preludes().maximize)
          throw InputError("optimizer '" + std::string(W::doc.name) +
                           "' reads the gradient as the direction to descend, so maximize=true "
                           "cannot be used under it (negate the objective instead)");
      return std::make_unique<Wrapper<W, T>>(
          from_param_set<typename W::Params>(c.values(), W::fields), c.inner()->template make<T>());
    };
    i.make_double = [make](const OptimizerConfig& c) {
      return make.template operator()<double>(c);
    };
    i.make_float = [make](const OptimizerConfig& c) { return make.template operator()<float>(c); };
    return i;
  }();
  return info;
}

}  // namespace descent
