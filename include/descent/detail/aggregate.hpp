// descent (implementation detail): the fields of a plain aggregate of numbers of one type, such as
// a rule's step scalars `template <class T> struct Scalars { T alpha, c; };`, counted and read by
// position, so that code written once can round them to float, lay them out per lane, or load
// them into vector registers without each rule listing its scalars again.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <utility>

namespace descent::detail {

/// The number of fields of K<T>, whose fields must all have type T (checked: it has the size of
/// that many T, and that many T initialize it).
template <template <class> class K, class T>
constexpr std::size_t field_count() {
  constexpr std::size_t n = sizeof(K<T>) / sizeof(T);
  static_assert(
      []<std::size_t... I>(std::index_sequence<I...>) {
        return sizeof(K<T>) == n * sizeof(T) && requires(std::array<T, n> a) { K<T>{a[I]...}; };
      }(std::make_index_sequence<n>{}),
      "an aggregate whose fields all have type T");
  return n;
}

/// The fields of `k`, in order, as an array.
template <template <class> class K, class T>
constexpr auto fields_of(const K<T>& k) {
  return std::bit_cast<std::array<T, field_count<K, T>()>>(k);
}

/// The aggregate K whose fields are `values`, in order (a base's fields first: a rule's scalars
/// may extend another rule's, as AdamW's extend Adam's).
template <class K, class... T>
[[gnu::always_inline]] constexpr K from_fields(T... values) {
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-braces"  // a base's fields are given flat, on purpose
  return K{values...};
#pragma GCC diagnostic pop
}

/// An aggregate K<U> whose fields are those of `k` converted to U, in order.
template <class U, template <class> class K, class T>
constexpr K<U> convert_fields(const K<T>& k) {
  const auto values = fields_of(k);
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return from_fields<K<U>>(static_cast<U>(values[I])...);
  }
  (std::make_index_sequence<values.size()>{});
}

}  // namespace descent::detail
