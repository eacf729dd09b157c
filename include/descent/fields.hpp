// descent: a settings struct described once. Each field of a struct of settings (an optimizer's
// Params, its step counters) is listed with its name, valid range, documentation and hints; its
// default and its type come from the struct itself. From that one list follow the registry's
// ParamInfo rows, conversion to and from a ParamSet (parsing, validation and canonical text work
// on those), and checkpoint visiting:
//
//     struct Params {
//       double lr = 0.1;
//       double alpha = 0.9;
//     };
//     static constexpr auto fields = std::tuple{
//         learning_rate(&Params::lr),
//         rate(&Params::alpha, "alpha", "momentum coefficient").shown()};
//
// A field's member may be a double, a bool, an integer or an enumeration (a choice, with the
// names of its values in order).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
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

/// What a field means beyond its value, for the code that drives every optimizer alike.
enum class FieldRole {
  plain,
  learning_rate,  ///< the rate schedules scale
  coupled_decay,  ///< an L2 penalty added to the gradient before the rule (g <- g + wd*w)
};

/// One field of a settings struct S whose member has type V.
template <class S, class V>
struct Field {
  V S::*member;
  std::string_view name;
  std::string_view doc;
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_inclusive = true;
  bool max_inclusive = true;
  bool log_scale = false;  ///< spans decades (a learning rate, an epsilon)
  bool always_shown = false;  ///< shown in short labels even at its default
  FieldRole role = FieldRole::plain;
  std::span<const std::string_view> choices = {};  ///< for an enumeration, its values' names

  /// The same field, shown in short labels (tables, legends) even at its default.
  constexpr Field shown() const {
    Field f = *this;
    f.always_shown = true;
    return f;
  }
  /// The same field with its lower end excluded from the valid range.
  constexpr Field above_min() const {
    Field f = *this;
    f.min_inclusive = false;
    return f;
  }
  /// The same field, spread on a log scale by sweeps and sliders.
  constexpr Field log() const {
    Field f = *this;
    f.log_scale = true;
    return f;
  }
};

inline constexpr double kInfinity = std::numeric_limits<double>::infinity();

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
/// The learning rate: >= 0, log scale, always shown.
template <class S>
constexpr Field<S, double> learning_rate(double S::*m, std::string_view doc = "learning rate") {
  Field<S, double> f = nonnegative(m, "lr", doc).log().shown();
  f.role = FieldRole::learning_rate;
  return f;
}
/// A small constant added for numerical stability: `eps`, >= 0, log scale.
template <class S>
constexpr Field<S, double> epsilon(double S::*m, std::string_view doc) {
  return nonnegative(m, "eps", doc).log();
}
/// L2 weight decay coupled into the gradient before the rule: g <- g + weight_decay*w.
template <class S>
constexpr Field<S, double> coupled_weight_decay(double S::*m) {
  Field<S, double> f = nonnegative(
      m, "weight_decay", "L2 penalty added to the gradient: g <- g + weight_decay*w");
  f.role = FieldRole::coupled_decay;
  return f;
}
/// A boolean.
template <class S>
constexpr Field<S, bool> flag(bool S::*m, std::string_view name, std::string_view doc) {
  return {m, name, doc};
}
/// An integer in [min, max].
template <class S, std::integral I>
  requires(!std::same_as<I, bool>)
constexpr Field<S, I> integer(I S::*m, std::string_view name, double min, double max,
                              std::string_view doc) {
  return {m, name, doc, min, max};
}
/// An enumeration, whose values 0, 1, ... are called choices[0], choices[1], ...
template <class S, class E>
  requires std::is_enum_v<E>
constexpr Field<S, E> choice(E S::*m, std::string_view name,
                             std::span<const std::string_view> choices, std::string_view doc) {
  Field<S, E> f{m, name, doc};
  f.choices = choices;
  return f;
}
/// A counter kept between steps, for checkpoints (no range, no documentation needed).
template <class S, class V>
constexpr Field<S, V> counter(V S::*m, std::string_view name) {
  return {m, name, ""};
}

namespace detail {

template <class V>
constexpr ParamType param_type() {
  if constexpr (std::is_same_v<V, bool>)
    return ParamType::boolean;
  else if constexpr (std::is_enum_v<V>)
    return ParamType::choice;
  else if constexpr (std::is_integral_v<V>)
    return ParamType::integer;
  else
    return ParamType::real;
}

template <class V>
double to_double(V v) {
  if constexpr (std::is_enum_v<V>)
    return static_cast<double>(static_cast<std::underlying_type_t<V>>(v));
  else
    return static_cast<double>(v);
}

template <class V>
V from_double(double d) {
  if constexpr (std::is_same_v<V, bool>)
    return d != 0.0;
  else if constexpr (std::is_enum_v<V>)
    return static_cast<V>(static_cast<std::underlying_type_t<V>>(d));
  else
    return static_cast<V>(d);
}

template <class S, class V>
ParamInfo param_info(const Field<S, V>& f) {
  ParamInfo p;
  p.name = std::string(f.name);
  p.type = param_type<V>();
  p.default_value = to_double(S{}.*f.member);
  p.min = f.min;
  p.max = f.max;
  p.min_inclusive = f.min_inclusive;
  p.max_inclusive = f.max_inclusive;
  p.log_scale = f.log_scale;
  p.always_shown = f.always_shown;
  p.doc = std::string(f.doc);
  for (std::string_view c : f.choices) p.choices.emplace_back(c);
  return p;
}

}  // namespace detail

/// Calls fn(field) for every field of a tuple of fields, in order.
template <class Tuple, class Fn>
constexpr void for_each_field(const Tuple& fields, Fn&& fn) {
  std::apply([&](const auto&... f) { (fn(f), ...); }, fields);
}

/// The registry's description of the fields, in order.
template <class Tuple>
std::vector<ParamInfo> param_infos(const Tuple& fields) {
  std::vector<ParamInfo> out;
  for_each_field(fields, [&](const auto& f) { out.push_back(detail::param_info(f)); });
  return out;
}

/// The values of `s`, by the fields' names.
template <class S, class Tuple>
ParamSet to_param_set(const S& s, const Tuple& fields) {
  std::vector<std::pair<std::string, double>> values;
  for_each_field(fields, [&](const auto& f) {
    values.emplace_back(std::string(f.name), detail::to_double(s.*f.member));
  });
  return ParamSet(std::move(values));
}

/// A struct whose fields take their values from `values` (which must hold every field's name;
/// std::logic_error otherwise, a bug in the caller).
template <class S, class Tuple>
S from_param_set(const ParamSet& values, const Tuple& fields) {
  S s{};
  for_each_field(fields, [&](const auto& f) {
    using V = std::remove_reference_t<decltype(s.*f.member)>;
    s.*f.member = detail::from_double<V>(values.get(f.name));
  });
  return s;
}

/// Sets the field called `name` of `s` to `value`, converted to the field's type; false when `s`
/// has no such field.
template <class S, class Tuple>
bool set_field(S& s, const Tuple& fields, std::string_view name, double value) {
  bool found = false;
  for_each_field(fields, [&](const auto& f) {
    if (found || f.name != name) return;
    using V = std::remove_reference_t<decltype(s.*f.member)>;
    s.*f.member = detail::from_double<V>(value);
    found = true;
  });
  return found;
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
