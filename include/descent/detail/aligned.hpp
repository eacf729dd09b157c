// Vectors whose storage starts on a 64-byte boundary (a cache line, and one AVX-512
// register), so that rows of lane arrays never split a vector load across two cache lines.
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace descent::detail {

template <class T>
struct CacheAligned {
  using value_type = T;
  static constexpr std::align_val_t kAlignment{64};
  CacheAligned() = default;
  template <class U>
  CacheAligned(const CacheAligned<U>&) noexcept {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlignment)); }
  // The unsized form: clang does not declare sized deallocation unless asked to.
  void deallocate(T* p, std::size_t) noexcept { ::operator delete(p, kAlignment); }
  template <class U>
  bool operator==(const CacheAligned<U>&) const noexcept {
    return true;
  }
};

template <class T>
using AlignedVector = std::vector<T, CacheAligned<T>>;

}  // namespace descent::detail
