// descent (implementation detail): the fields of a plain aggregate of numbers, such as a rule's
// step scalars `template <class T> struct Scalars { T alpha, c; };`, counted and read by position,
// so that code written once can round them to float, lay them out per lane, or load them into
// vector registers without each rule listing its scalars again.
#pragma once

#include <array>
#include <cstddef>
#include <utility>

namespace descent::detail {

/// Converts to any type: a stand-in for one field when probing how many an aggregate has.
struct AnyField {
  template <class T>
  constexpr operator T() const noexcept {
    return T{};
  }
};

/// The number of fields of aggregate S (at most 12).
template <class S, class... A>
constexpr std::size_t field_count() {
  if constexpr (sizeof...(A) < 12 && requires { S{A{}..., AnyField{}}; })
    return field_count<S, A..., AnyField>();
  else
    return sizeof...(A);
}

/// The fields of `s`, in order, as an array (every field must have the type of the first).
template <class S>
constexpr auto fields_of(const S& s) {
  constexpr std::size_t n = field_count<S>();
  static_assert(n >= 1 && n <= 12, "an aggregate of 1 to 12 fields");
  // clang-format off
  if constexpr (n == 1) { const auto& [a] = s; return std::array{a}; }
  else if constexpr (n == 2) { const auto& [a, b] = s; return std::array{a, b}; }
  else if constexpr (n == 3) { const auto& [a, b, c] = s; return std::array{a, b, c}; }
  else if constexpr (n == 4) { const auto& [a, b, c, d] = s; return std::array{a, b, c, d}; }
  else if constexpr (n == 5) { const auto& [a, b, c, d, e] = s; return std::array{a, b, c, d, e}; }
  else if constexpr (n == 6) { const auto& [a, b, c, d, e, f] = s; return std::array{a, b, c, d, e, f}; }
  else if constexpr (n == 7) { const auto& [a, b, c, d, e, f, g] = s; return std::array{a, b, c, d, e, f, g}; }
  else if constexpr (n == 8) { const auto& [a, b, c, d, e, f, g, h] = s; return std::array{a, b, c, d, e, f, g, h}; }
  else if constexpr (n == 9) { const auto& [a, b, c, d, e, f, g, h, i] = s; return std::array{a, b, c, d, e, f, g, h, i}; }
  else if constexpr (n == 10) { const auto& [a, b, c, d, e, f, g, h, i, j] = s; return std::array{a, b, c, d, e, f, g, h, i, j}; }
  else if constexpr (n == 11) { const auto& [a, b, c, d, e, f, g, h, i, j, k] = s; return std::array{a, b, c, d, e, f, g, h, i, j, k}; }
  else { const auto& [a, b, c, d, e, f, g, h, i, j, k, l] = s; return std::array{a, b, c, d, e, f, g, h, i, j, k, l}; }
  // clang-format on
}

/// An aggregate K<U> whose fields are those of `k` converted to U, in order.
template <class U, template <class> class K, class T>
constexpr K<U> convert_fields(const K<T>& k) {
  const auto values = fields_of(k);
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return K<U>{static_cast<U>(values[I])...};
  }
  (std::make_index_sequence<values.size()>{});
}

}  // namespace descent::detail
