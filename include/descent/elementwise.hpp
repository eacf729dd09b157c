// descent: every elementwise optimizer, driven by one piece of code. A rule (rule.hpp) states its
// settings, state and per-element update; this header makes it
//   - RuleState<R, T> with init_state(params, n) and step(params, state, tensors, preludes): one
//     update in place over a list of (parameter, gradient) spans, the plain functional form;
//   - Elementwise<R, T>, an Optimizer<T> holding settings, preludes, a schedule and the state;
//   - its registry entry (registry_info<R>(), register_rule<R>()).
// T is float or double; step scalars are computed once per step in double and rounded to T.
//
// One step: the schedule gives the step's rate; for clip_norm, one pass computes the gradient's
// norm (after clip_value); then one fused pass over every element runs the preludes (clip_value,
// clip_norm's scale, maximize's sign, the coupled weight decay) and the rule's update, compiled
// for each SIMD level, variant and set of preludes, split across threads for large vectors
// (detail/elementwise_loop.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "descent/detail/aggregate.hpp"
#include "descent/detail/elementwise_loop.hpp"
#include "descent/error.hpp"
#include "descent/optimizer.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/registry.hpp"
#include "descent/rule.hpp"
#include "descent/schedule.hpp"

namespace descent {

/// The state of rule R for a parameter vector: its counters and its arrays (one element per
/// parameter; empty for an array the settings' variant does not use).
template <ElementwiseRule R, std::floating_point T>
struct RuleState {
  CountersOf<R> counters{};
  std::array<std::vector<T>, kArrayCount<R>> arrays;
  std::size_t size = 0;  ///< parameters
  /// The loss at the point of the step about to be taken, for a rule whose scalars use it
  /// (Polyak's step size); NaN when the caller gave none. Elementwise::step_with sets it.
  double loss = NAN;

  /// The array called `name` (std::invalid_argument if the rule has none).
  const std::vector<T>& array(std::string_view name) const {
    for (std::size_t i = 0; i < kArrayCount<R>; ++i)
      if (R::arrays[i].name == name) return arrays[i];
    throw std::invalid_argument("no state array '" + std::string(name) + "'");
  }
};

/// The state before the first step, for n parameters.
template <ElementwiseRule R, std::floating_point T>
RuleState<R, T> init_state(const typename R::Params& p, std::size_t n) {
  RuleState<R, T> s{initial_counters<R>(p), {}, n};
  const unsigned live = live_arrays<R>(variant_of<R>(p));
  for (std::size_t i = 0; i < kArrayCount<R>; ++i) {
    const double init = R::arrays[i].init ? R::arrays[i].init(p) : 0.0;
    s.arrays[i].assign(live >> i & 1 ? n : 0, static_cast<T>(init));
  }
  return s;
}

namespace detail {

/// What the preludes need per element. `negate` and `scaled` are 0 or 1.
template <class T>
struct PreludeScalars {
  T clip, scaled, scale, negate, decay;
};

/// Which preludes a pass runs: none, the coupled weight decay only, or all of them.
enum PreludeMode : int { kNoPrelude = 0, kDecayOnly = 1, kAllPreludes = 2 };

/// The gradient after the preludes, per element; with T a vector, per lane.
template <int Mode, class T>
[[gnu::always_inline]] inline T prelude(T g, T w, const PreludeScalars<T>& p) {
  const T zero{};
  if constexpr (Mode == kAllPreludes) {
    const T lo = -p.clip;
    g = p.clip > zero ? (g < lo ? lo : (p.clip < g ? p.clip : g)) : g;
    g = p.scaled != zero ? g * p.scale : g;
    g = p.negate != zero ? -g : g;
  }
  if constexpr (Mode != kNoPrelude) g = p.decay != zero ? g + p.decay * w : g;
  return g;
}

/// Element I of the rule's state arguments: the matching live element, or a stand-in for an
/// array the variant does not use.
template <std::size_t I, unsigned Live, class Refs, class T>
[[gnu::always_inline]] inline T& state_arg(Refs& live, T* unused) {
  if constexpr ((Live >> I & 1) != 0)
    return std::get<std::popcount(Live & ((1u << I) - 1))>(live);
  else
    return unused[I];
}

/// The rule's update of one element, given the live state elements only.
template <ElementwiseRule R, unsigned V, class K, class T, class... S>
[[gnu::always_inline]] inline void update_element(const K& k, T& w, T g, S&... live) {
  constexpr unsigned mask = live_arrays<R>(V);
  T unused[kArrayCount<R> + 1] = {};
  auto refs = std::tie(live...);
  [&]<std::size_t... I>(std::index_sequence<I...>) {
    if constexpr (variant_bits<R>() > 0)
      R::template update<V>(k, w, g, state_arg<I, mask>(refs, unused)...);
    else
      R::update(k, w, g, state_arg<I, mask>(refs, unused)...);
  }
  (std::make_index_sequence<kArrayCount<R>>{});
}

/// The indices of the arrays live in variant V.
template <ElementwiseRule R, unsigned V>
constexpr auto live_indices() {
  constexpr unsigned mask = live_arrays<R>(V);
  std::array<std::size_t, std::popcount(mask)> out{};
  std::size_t j = 0;
  for (std::size_t i = 0; i < kArrayCount<R>; ++i)
    if (mask >> i & 1) out[j++] = i;
  return out;
}

/// Calls fn.template operator()<V>() with V = v, for v < 2^bits.
template <unsigned Bits, class Fn>
void with_variant(unsigned v, Fn&& fn) {
  [&]<unsigned... V>(std::integer_sequence<unsigned, V...>) {
    ((v == V ? (fn.template operator()<V>(), 0) : 0), ...);
  }
  (std::make_integer_sequence<unsigned, 1u << Bits>{});
}

/// One fused pass: preludes and update over every element of `tensors`.
template <ElementwiseRule R, unsigned V, int Mode, class T>
void rule_pass(RuleState<R, T>& s, std::span<const TensorRef<T>> tensors,
               const typename R::template Scalars<T>& k, const PreludeScalars<T>& pk) {
  constexpr auto idx = live_indices<R, V>();
  [&]<std::size_t... J>(std::index_sequence<J...>) {
    elementwise(
        s.size, tensors,
        [k, pk](T& w, T g, auto&... live) {
          update_element<R, V>(k, w, prelude<Mode>(g, w, pk), live...);
        },
        s.arrays[idx[J]].data()...);
  }
  (std::make_index_sequence<idx.size()>{});
}

/// The step scalars of a reducing rule (rule.hpp): one pass over every element, in order, runs
/// the rule's measure() on the gradient after the preludes, which may advance the state and adds
/// to the step's sums; scalars() then takes the sums.
template <ReducingRule R, int Mode, class T>
typename R::template Scalars<double> measured_scalars(const typename R::Params& p,
                                                      RuleState<R, T>& s,
                                                      std::span<const TensorRef<T>> tensors,
                                                      const PreludeScalars<T>& pk) {
  const auto before = [&] {
    if constexpr (kRuleReadsLoss<R>)
      return R::before(p, s.counters, s.loss);
    else
      return R::before(p, s.counters);
  }();
  const auto k0 = convert_fields<T>(before);
  typename R::Sums sums{};
  std::size_t at = 0;
  for (const TensorRef<T>& t : tensors)
    for (std::size_t i = 0; i < t.param.size(); ++i, ++at)
      [&]<std::size_t... I>(std::index_sequence<I...>) {
        R::measure(k0, sums, t.param[i], prelude<Mode>(t.grad[i], t.param[i], pk),
                   s.arrays[I][at]...);
      }
  (std::make_index_sequence<kArrayCount<R>>{});
  return R::scalars(p, s.counters, before, sums);
}

/// The norm of the gradient after clip_value, in double (clip_norm's reduction).
template <class T>
double clipped_norm(std::span<const TensorRef<T>> tensors, double clip_value) {
  const T c = static_cast<T>(clip_value);
  double sum = 0.0;
  for (const TensorRef<T>& t : tensors)
    for (T x : t.grad) {
      const T y = clip_value > 0 ? std::clamp(x, -c, c) : x;
      sum += static_cast<double>(y) * y;
    }
  return std::sqrt(sum);
}

/// The field of R marked as coupled weight decay, or nullptr.
template <ElementwiseRule R>
inline constexpr auto kCoupledDecay =
    member_with_role<typename R::Params>(R::fields, FieldRole::coupled_decay);

/// The field of R that schedules scale.
template <ElementwiseRule R>
inline constexpr auto kLearningRate =
    member_with_role<typename R::Params>(R::fields, FieldRole::learning_rate);

}  // namespace detail

/// One update of rule R with settings `p`: the parameters of `tensors` and the state change in
/// place. Each tensor's param and grad must have the same length and the lengths must sum to
/// `s.size` (else std::invalid_argument, and nothing changes); the state is laid out as the
/// tensors' concatenation.
template <ElementwiseRule R, std::floating_point T>
void step(const typename R::Params& p, RuleState<R, T>& s, std::span<const TensorRef<T>> tensors,
          const Preludes& preludes = {}) {
  detail::check_tensors(s.size, tensors);
  const unsigned v = variant_of<R>(p);
  const unsigned live = live_arrays<R>(v);
  for (std::size_t i = 0; i < kArrayCount<R>; ++i)
    if (s.arrays[i].size() != (live >> i & 1 ? s.size : 0))
      throw std::invalid_argument("optimizer '" + std::string(R::doc.name) +
                                  "' step: state not reset for these settings");
  // The pass runs the weight decay of a rule that has one (skipped per element when it is 0), or
  // every prelude when any is set.
  constexpr int base_mode =
      detail::kCoupledDecay<R> != nullptr ? detail::kDecayOnly : detail::kNoPrelude;
  detail::PreludeScalars<T> pk{};
  if constexpr (detail::kCoupledDecay<R> != nullptr)
    pk.decay = static_cast<T>(p.*detail::kCoupledDecay<R>);
  if (preludes.any()) {
    pk.clip = static_cast<T>(preludes.clip_value);
    pk.negate = preludes.maximize ? T(1) : T(0);
    if (preludes.clip_norm > 0) {
      const double norm = detail::clipped_norm(tensors, preludes.clip_value);
      if (norm > preludes.clip_norm) {
        pk.scaled = T(1);
        pk.scale = static_cast<T>(preludes.clip_norm / norm);
      }
    }
  }
  const auto k = [&] {
    if constexpr (ReducingRule<R>)
      return detail::convert_fields<T>(
          preludes.any() ? detail::measured_scalars<R, detail::kAllPreludes>(p, s, tensors, pk)
                         : detail::measured_scalars<R, base_mode>(p, s, tensors, pk));
    else
      return detail::convert_fields<T>(step_scalars<R>(p, s.counters));
  }();
  detail::with_variant<variant_bits<R>()>(v, [&]<unsigned V>() {
    if (preludes.any())
      detail::rule_pass<R, V, detail::kAllPreludes>(s, tensors, k, pk);
    else
      detail::rule_pass<R, V, base_mode>(s, tensors, k, pk);
  });
}

template <ElementwiseRule R>
const OptimizerInfo& registry_info();

/// A rule as an Optimizer<T>: settings, gradient preludes, an optional schedule and the state.
template <ElementwiseRule R, std::floating_point T>
class Elementwise final : public Optimizer<T> {
  static_assert(detail::kLearningRate<R> != nullptr,
                "a rule declares its learning rate with learning_rate()");

 public:
  using Params = typename R::Params;
  using State = RuleState<R, T>;

  /// Throws InputError if a setting is out of range or a constraint between them is broken.
  explicit Elementwise(const Params& params = {}, const Preludes& preludes = {},
                       std::shared_ptr<const Schedule> schedule = nullptr)
      : p_(params), preludes_(preludes), schedule_(std::move(schedule)) {
    OptimizerConfig c(info());
    c.set_preludes(preludes);
    c.set(this->params().values());
  }
  /// An optimizer of a configuration of this rule (whose values are checked already). Throws
  /// InputError for a configuration of another method.
  explicit Elementwise(const OptimizerConfig& c)
      : p_(from_param_set<Params>(of_rule(c).values(), R::fields)),
        preludes_(c.preludes()),
        schedule_(c.schedule()) {}

  const OptimizerInfo& info() const override { return registry_info<R>(); }
  ParamSet params() const override { return to_param_set(p_, R::fields); }
  std::string spec() const override {
    return optimizer_spec(info(), params(), preludes_, schedule_.get());
  }
  double lr() const override { return p_.*detail::kLearningRate<R>; }
  void set_lr(double lr) override { p_.*detail::kLearningRate<R> = lr; }
  void reset(std::size_t n) override {
    s_ = init_state<R, T>(p_, n);
    t_ = 0;
    schedule_state_ = {};
  }
  std::size_t size() const override { return s_.size; }
  void step(std::span<T> w, std::span<const T> g) override {
    detail::check_step_sizes(s_.size, w.size(), g.size());
    const TensorRef<T> one{w, g};
    step_tensors(std::span<const TensorRef<T>>(&one, 1));
  }
  void step_tensors(std::span<const TensorRef<T>> tensors) override {
    Params q = p_;
    if (schedule_) q.*detail::kLearningRate<R> = schedule_->lr(t_, lr(), schedule_state_);
    descent::step<R>(q, s_, tensors, preludes_);
    ++t_;
  }
  void step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>&) override {
    detail::check_step_sizes(s_.size, w.size(), g.size());
    const TensorRef<T> one{w, g};
    step_tensors_with(std::span<const TensorRef<T>>(&one, 1), loss);
  }
  void step_tensors_with(std::span<const TensorRef<T>> tensors, double loss) override {
    struct Forget {  // the loss is this step's only, even if the step throws
      double& loss;
      ~Forget() { loss = NAN; }
    } forget{s_.loss};
    s_.loss = preludes_.maximize ? -loss : loss;
    step_tensors(tensors);
    if (schedule_ && !std::isnan(loss))
      schedule_->observe(t_ - 1, preludes_.maximize ? -loss : loss, lr(), schedule_state_);
  }
  bool reads_loss() const override {
    return kRuleReadsLoss<R> || (schedule_ && schedule_->stateful());
  }
  void visit_state(StateVisitor<T>& v) override {
    if (preludes_.any() || schedule_)
      visit_schedule(v, t_, p_.*detail::kLearningRate<R>, schedule_.get(), schedule_state_);
    for_each_field(CountersOf<R>::fields, [&](const auto& f) {  // std::int64_t or double
      if constexpr (std::is_same_v<std::remove_cvref_t<decltype(s_.counters.*f.member)>, double>)
        v.real(f.name, s_.counters.*f.member);
      else
        v.integer(f.name, s_.counters.*f.member);
    });
    for (std::size_t i = 0; i < kArrayCount<R>; ++i) v.array(R::arrays[i].name, s_.arrays[i]);
  }

  bool solution(std::span<const T> w, std::span<T> x) const override {
    if constexpr (requires { &R::template solution<T>; }) {
      detail::check_step_sizes(s_.size, w.size(), x.size());
      for (std::size_t i = 0; i < w.size(); ++i)
        x[i] = [&]<std::size_t... I>(std::index_sequence<I...>) {
          return R::solution(p_, s_.counters, w[i], s_.arrays[I][i]...);
        }
      (std::make_index_sequence<kArrayCount<R>>{});
      return true;
    } else {
      return Optimizer<T>::solution(w, x);
    }
  }

  const Params& settings() const { return p_; }
  /// The state, for inspection.
  const State& state() const { return s_; }

 private:
  static const OptimizerConfig& of_rule(const OptimizerConfig& c) {
    if (c.method().name != R::doc.name)
      throw InputError("a configuration of '" + c.method().name + "' given to optimizer '" +
                       std::string(R::doc.name) + "'");
    return c;
  }

  Params p_;
  Preludes preludes_;
  std::shared_ptr<const Schedule> schedule_;
  ScheduleState schedule_state_;
  State s_;
  std::uint64_t t_ = 0;  ///< steps since reset
};

/// The one registry entry of rule R (its documentation, parameters and factories), which its
/// optimizers report as their info().
template <ElementwiseRule R>
const OptimizerInfo& registry_info() {
  static const OptimizerInfo info = [] {
    OptimizerInfo i = rule_entry<R>();
    i.elementwise = !ReducingRule<R>;
    i.make_double = [](const OptimizerConfig& c) -> std::unique_ptr<Optimizer<double>> {
      return std::make_unique<Elementwise<R, double>>(c);
    };
    i.make_float = [](const OptimizerConfig& c) -> std::unique_ptr<Optimizer<float>> {
      return std::make_unique<Elementwise<R, float>>(c);
    };
    return i;
  }();
  return info;
}

/// Adds rule R (a project's own optimizer) to the registry, so that specs, runs, sweeps, tuning
/// and the program find it by name. Throws std::invalid_argument if the name is taken.
template <ElementwiseRule R>
void register_rule() {
  register_optimizer(registry_info<R>());
}

}  // namespace descent
