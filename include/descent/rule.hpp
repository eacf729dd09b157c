// descent: how an elementwise optimizer is declared. An elementwise optimizer updates each
// parameter from its own gradient and state alone; it is written as a rule, one struct holding
// its documentation (`doc`), its settings with their defaults (`Params`) and their names, ranges
// and docs (`fields`, fields.hpp), its state arrays (`arrays`), optional counters kept between
// steps (`Counters`), the scalars a step computes once in double (`Scalars`, `scalars()`) and its
// per-element update (`update()`). elementwise.hpp turns a rule into an optimizer and gives it
// everything else. docs/extending.md describes each part; optimizers/signum.hpp is a whole rule.
//
// `update(k, w, g, s...)` takes the step's scalars, one element of each state array and the
// gradient after the preludes. It runs with T = float, double and the sweep engine's vectors of
// doubles, so it is written with + - * /, the functions of descent::math below, `T{}` for zero
// and `a < b ? x : y` for a choice per element: every path then computes the same bits.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>

#include "descent/fields.hpp"
#include "descent/optimizer.hpp"

namespace descent {

/// The documentation of an optimizer, in its own header; the registry, `descent list`,
/// docs/optimizers.md and the page show it.
struct OptimizerDoc {
  std::string_view name;     ///< in specs, e.g. "momentum"
  std::string_view summary;  ///< one line
  std::string_view rule;     ///< the update rule, per element, one step per line
  std::string_view source;   ///< the paper (with its arXiv id where it has one), and equivalents
  std::string_view differs;  ///< where torch.optim, optax and keras differ
  Family family = Family::classic;
  int year = 0;  ///< of the paper that introduced the method
};

/// A registry entry with the documentation `d` (its name, summary, source, rule and differences).
inline OptimizerInfo documented(const OptimizerDoc& d) {
  OptimizerInfo info;
  info.name = std::string(d.name);
  info.doc = std::string(d.summary);
  info.reference = std::string(d.source);
  info.rule = std::string(d.rule);
  info.differs = std::string(d.differs);
  info.family = d.family;
  info.year = d.year;
  return info;
}

/// One state array of a rule: an element per parameter, named for checkpoints.
template <class Params>
struct StateArray {
  std::string_view name;
  /// The variant bits it needs (0: always there).
  unsigned when = 0;
  /// Its initial value, from the settings (nullptr: 0).
  double (*init)(const Params&) = nullptr;
};

/// The counters of a rule that only counts its steps (visited as "step" in checkpoints).
struct StepCounter {
  std::int64_t step = 0;  ///< steps taken
  static constexpr auto fields = std::tuple{counter(&StepCounter::step, "step")};
};

/// The counters of a rule that keeps none.
struct NoCounters {
  static constexpr auto fields = std::tuple{};
};

/// Per-element math that works alike on float, double and the sweep engine's vectors of doubles
/// (GCC vector extensions), with the same result bits on each element.
namespace math {

template <class T>
concept Vector = !std::is_arithmetic_v<T> && requires(T v) {
  v[0] + v[0];
};

/// f(x, y...), or with vectors f of their elements, element by element.
template <class T, class F, class... U>
[[gnu::always_inline]] inline T each(F f, T x, U... y) {
  if constexpr (Vector<T>) {
    for (std::size_t i = 0; i < sizeof(T) / sizeof(x[0]); ++i) x[i] = f(x[i], y[i]...);
    return x;
  } else {
    return f(x, y...);
  }
}
template <class T>
[[gnu::always_inline]] inline T sqrt(T x) {
  return each([](auto e) { return std::sqrt(e); }, x);
}
template <class T>
[[gnu::always_inline]] inline T cbrt(T x) {
  return each([](auto e) { return std::cbrt(e); }, x);
}
template <class T>
[[gnu::always_inline]] inline T abs(T x) {
  return each([](auto e) { return std::abs(e); }, x);
}
/// x^y.
template <class T>
[[gnu::always_inline]] inline T pow(T x, T y) {
  return each([](auto a, auto b) { return std::pow(a, b); }, x, y);
}
/// std::max's result: b if a < b, else a.
template <class T>
[[gnu::always_inline]] inline T max(T a, T b) {
  return a < b ? b : a;
}
/// 1, 0 or -1 (0 for a NaN), both comparisons made and selected so that loops vectorize.
template <class T>
[[gnu::always_inline]] inline T sign(T x) {
  const T zero{}, one = zero + 1;
  return (x > zero ? one : zero) - (x < zero ? one : zero);
}

}  // namespace math

namespace detail {

template <class R>
struct CountersOfRule : std::type_identity<NoCounters> {};
template <class R>
requires requires { typename R::Counters; }
struct CountersOfRule<R> : std::type_identity<typename R::Counters> {};

}  // namespace detail

/// What an elementwise rule declares (see the header comment).
template <class R>
concept ElementwiseRule = requires(const typename R::Params& p) {
  { R::doc } -> std::convertible_to<OptimizerDoc>;
  R::fields;
  R::arrays;
  typename R::template Scalars<double>;
};

/// A rule whose step needs sums over every element first (DoG's distance from the start,
/// Prodigy's and D-Adaptation's estimates of it): it declares
///   - `Before<T>`, the scalars the measuring pass needs, from `before(p, counters)`;
///   - `Sums`, an aggregate of doubles that the pass adds to;
///   - `measure(before, sums, w, g, s...)`, per element, in order: it may update the state;
///   - `scalars(p, counters, before, sums)`, the update's scalars, which advances the counters;
/// and `update` as every rule. It steps one run at a time (no sweep lanes) and has no variants.
template <class R>
concept ReducingRule = ElementwiseRule<R> && requires {
  typename R::Sums;
  typename R::template Before<double>;
} &&(!requires { R::variant_bits; });

/// The rule's counters (NoCounters when it declares none).
template <class R>
using CountersOf = typename detail::CountersOfRule<R>::type;

/// Whether a reducing rule's scalars read the loss at the step's point: it declares
/// `before(p, counters, loss)` (Polyak's step size), and is then given the loss at every step.
template <class R>
inline constexpr bool kRuleReadsLoss = requires(const typename R::Params& p, CountersOf<R>& c,
                                                double loss) {
  R::before(p, c, loss);
};

/// The number of state arrays of a rule.
template <class R>
inline constexpr std::size_t kArrayCount = std::size(R::arrays);

/// The number of variant bits of a rule (0 when it has no variants).
template <class R>
constexpr unsigned variant_bits() {
  if constexpr (requires { R::variant_bits; })
    return R::variant_bits;
  else
    return 0;
}

/// The variant of a rule for its settings.
template <class R>
unsigned variant_of(const typename R::Params& p) {
  if constexpr (variant_bits<R>() > 0)
    return R::variant(p);
  else
    return 0;
}

/// Bit i set when state array i exists in variant `v`.
template <class R>
constexpr unsigned live_arrays(unsigned v) {
  unsigned live = 0;
  for (std::size_t i = 0; i < kArrayCount<R>; ++i)
    if ((R::arrays[i].when & ~v) == 0) live |= 1u << i;
  return live;
}

/// The counters before the first step: R::start(p) where the rule has it (ASGD's eta starts at
/// lr), else value-initialized.
template <class R>
CountersOf<R> initial_counters(const typename R::Params& p) {
  if constexpr (requires { R::start(p); })
    return R::start(p);
  else
    return {};
}

/// The step's scalars in double: scalars(p, counters), or scalars(p) for a rule without counters.
template <class R>
typename R::template Scalars<double> step_scalars(const typename R::Params& p,
                                                  CountersOf<R>& counters) {
  if constexpr (requires { R::scalars(p, counters); })
    return R::scalars(p, counters);
  else
    return R::scalars(p);
}

/// The rule's own constraint between its fields, or "" (also for a rule without one).
template <class R>
std::string validate_rule(const typename R::Params& p) {
  if constexpr (requires { R::validate(p); })
    return std::string(R::validate(p));
  else
    return {};
}

/// A registry entry with R's documentation, parameters and constraint between them (R a rule, a
/// tensor rule or a wrapper); the caller adds the factories.
template <class R>
OptimizerInfo rule_entry() {
  OptimizerInfo i = documented(R::doc);
  i.params = param_infos(R::fields);
  if constexpr (requires(const typename R::Params& p) { R::validate(p); })
    i.validate = [](const ParamSet& values) {
      return validate_rule<R>(from_param_set<typename R::Params>(values, R::fields));
    };
  return i;
}

/// The step index from which the rule's scalars stop changing: R::steady_after, else 0 for a rule
/// without counters (its scalars depend on its settings alone), else a large number (never).
template <class R>
constexpr std::int64_t steady_after() {
  if constexpr (requires { R::steady_after; })
    return R::steady_after;
  else
    return std::is_same_v<CountersOf<R>, NoCounters> ? 0 : INT64_MAX;
}

}  // namespace descent
