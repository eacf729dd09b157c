// descent: a settings struct described once. Each field of a struct of settings (an optimizer's
// Params, its counters) is listed with its name, valid range, documentation and hints; its default
// and type come from the struct itself (double, bool, an integer, or an enumeration: a choice).
// From that one list follow the registry's ParamInfo rows, conversion to and from a ParamSet
// (which parsing, validation and canonical text work on) and checkpoints. docs/extending.md shows
// a rule's fields.
#pragma once

#include <concepts>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "descent/params.hpp"

namespace descent {

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

/// What a field means beyond its value, for the code that drives every optimizer alike: the rate
/// schedules scale, or an L2 penalty added to the gradient before the rule (g <- g + wd*w).
enum class FieldRole { plain, learning_rate, coupled_decay };

/// One field of a settings struct S whose member has type V.
template <class S, class V>
struct Field {
  V S::*member;
  std::string_view name, doc;
  double min = -kInfinity, max = kInfinity;
  bool min_inclusive = true, max_inclusive = true;
  bool log_scale = false;     ///< spans decades (a learning rate, an epsilon)
  bool always_shown = false;  ///< shown in short labels even at its default
  FieldRole role = FieldRole::plain;
  std::span<const std::string_view> choices = {};  ///< an enumeration's values' names, in order

  /// The same field, shown in short labels (tables, legends) even at its default.
  constexpr Field shown() const { return with(&Field::always_shown, true); }
  /// The same field with its lower end excluded from the valid range.
  constexpr Field above_min() const { return with(&Field::min_inclusive, false); }
  /// The same field, spread on a log scale by sweeps and sliders.
  constexpr Field log() const { return with(&Field::log_scale, true); }
  template <class M>
  constexpr Field with(M Field::*m, M value) const {
    Field f = *this;
    f.*m = value;
    return f;
  }

  /// The field's value in `s`, as the registry stores values (booleans 0 or 1, choices' indices).
  double get(const S& s) const {
    if constexpr (std::is_enum_v<V>)
      return static_cast<double>(static_cast<std::underlying_type_t<V>>(s.*member));
    else
      return static_cast<double>(s.*member);
  }
  void set(S& s, double v) const {
    if constexpr (std::is_same_v<V, bool>)
      s.*member = v != 0.0;
    else if constexpr (std::is_enum_v<V>)
      s.*member = static_cast<V>(static_cast<std::underlying_type_t<V>>(v));
    else
      s.*member = static_cast<V>(v);
  }
  /// The registry's description of the field.
  ParamInfo info() const {
    return {.name = std::string(name),
            .type = std::is_same_v<V, bool> ? ParamType::boolean
                    : std::is_enum_v<V>     ? ParamType::choice
                    : std::is_integral_v<V> ? ParamType::integer
                                            : ParamType::real,
            .default_value = get(S{}),
            .min = min,
            .max = max,
            .min_inclusive = min_inclusive,
            .max_inclusive = max_inclusive,
            .log_scale = log_scale,
            .always_shown = always_shown,
            .doc = std::string(doc),
            .choices = {choices.begin(), choices.end()}};
  }
};

/// A real in [min, max] (either end open with the flags).
template <class S>
constexpr Field<S, double> real(double S::*m, std::string_view name, double min, double max,
                                std::string_view doc, bool min_inclusive = true,
                                bool max_inclusive = true) {
  return {m, name, doc, min, max, min_inclusive, max_inclusive};
}
/// A real >= 0.
template <class S>
constexpr Field<S, double> nonnegative(double S::*m, std::string_view name, std::string_view doc) {
  return real(m, name, 0.0, kInfinity, doc, true, false);
}
/// A rate in [0, 1): a momentum coefficient, a moving-average factor.
template <class S>
constexpr Field<S, double> rate(double S::*m, std::string_view name, std::string_view doc) {
  return real(m, name, 0.0, 1.0, doc, true, false);
}
/// The learning rate: `lr`, >= 0, log scale, always shown, scaled by schedules.
template <class S>
constexpr Field<S, double> learning_rate(double S::*m, std::string_view doc = "learning rate") {
  return nonnegative(m, "lr", doc)
      .log()
      .shown()
      .with(&Field<S, double>::role, FieldRole::learning_rate);
}
/// A small constant added for numerical stability: `eps`, >= 0, log scale.
template <class S>
constexpr Field<S, double> epsilon(double S::*m, std::string_view doc) {
  return nonnegative(m, "eps", doc).log();
}
/// L2 weight decay added to the gradient before the rule, by the driver: g <- g + weight_decay*w.
template <class S>
constexpr Field<S, double> coupled_weight_decay(double S::*m) {
  return nonnegative(m, "weight_decay", "L2 penalty added to the gradient: g <- g + weight_decay*w")
      .with(&Field<S, double>::role, FieldRole::coupled_decay);
}
/// A boolean.
template <class S>
constexpr Field<S, bool> flag(bool S::*m, std::string_view name, std::string_view doc) {
  return {m, name, doc};
}
/// An integer in [min, max].
template <class S, std::integral I>
requires(!std::same_as<I, bool>) constexpr Field<S, I> integer(I S::*m, std::string_view name,
                                                               double min, double max,
                                                               std::string_view doc) {
  return {m, name, doc, min, max};
}
/// An enumeration, whose values 0, 1, ... are called choices[0], choices[1], ...
template <class S, class E>
requires std::is_enum_v<E>
constexpr Field<S, E> choice(E S::*m, std::string_view name,
                             std::span<const std::string_view> choices, std::string_view doc) {
  return Field<S, E>{m, name, doc}.with(&Field<S, E>::choices, choices);
}
/// A counter kept between steps, named for checkpoints.
template <class S, class V>
constexpr Field<S, V> counter(V S::*m, std::string_view name) {
  return {m, name, ""};
}

/// Calls fn(field) for every field of a tuple of fields, in order.
template <class Tuple, class Fn>
constexpr void for_each_field(const Tuple& fields, Fn&& fn) {
  std::apply([&](const auto&... f) { (fn(f), ...); }, fields);
}

/// The registry's description of the fields, in order.
template <class Tuple>
std::vector<ParamInfo> param_infos(const Tuple& fields) {
  return std::apply([](const auto&... f) { return std::vector<ParamInfo>{f.info()...}; }, fields);
}

/// The values of `s`, by the fields' names.
template <class S, class Tuple>
ParamSet to_param_set(const S& s, const Tuple& fields) {
  std::vector<std::pair<std::string, double>> values;
  for_each_field(fields, [&](const auto& f) { values.emplace_back(f.name, f.get(s)); });
  return ParamSet(std::move(values));
}

/// A struct whose fields take their values from `values` (which must hold every field's name;
/// std::logic_error otherwise, a bug in the caller).
template <class S, class Tuple>
S from_param_set(const ParamSet& values, const Tuple& fields) {
  S s{};
  for_each_field(fields, [&](const auto& f) { f.set(s, values.get(f.name)); });
  return s;
}

/// Sets the field called `name` of `s` to `value`; false when `s` has no such field.
template <class S, class Tuple>
bool set_field(S& s, const Tuple& fields, std::string_view name, double value) {
  return std::apply(
      [&](const auto&... f) { return ((f.name == name && (f.set(s, value), true)) || ...); },
      fields);
}

/// The first field with the given role, as a pointer to its double member, or nullptr.
template <class S, class Tuple>
constexpr double S::*member_with_role(const Tuple& fields, FieldRole role) {
  double S::*out = nullptr;
  for_each_field(fields, [&](const auto& f) {
    if constexpr (std::is_same_v<std::remove_cvref_t<decltype(f)>, Field<S, double>>)
      if (f.role == role && out == nullptr) out = f.member;
  });
  return out;
}

}  // namespace descent
