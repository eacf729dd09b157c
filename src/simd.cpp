#include "descent/simd.hpp"

#include <atomic>
#include <string>

#include "descent/detail/simd_map.hpp"
#include "descent/error.hpp"

namespace descent {
namespace {

std::atomic<Simd>& level() {
  static std::atomic<Simd> current{simd_supported().back()};
  return current;
}

}  // namespace

std::vector<Simd> simd_compiled() {
#if DESCENT_X86_64_KERNELS
  return {Simd::sse2, Simd::avx2, Simd::avx512};
#else
  return {Simd::generic};
#endif
}

std::vector<Simd> simd_supported() {
#if DESCENT_X86_64_KERNELS
  __builtin_cpu_init();
  std::vector<Simd> out{Simd::sse2};
  if (__builtin_cpu_supports("avx2")) out.push_back(Simd::avx2);
  if (__builtin_cpu_supports("avx512f")) out.push_back(Simd::avx512);
  return out;
#else
  return {Simd::generic};
#endif
}

Simd simd() { return level().load(std::memory_order_relaxed); }

void set_simd(Simd want) {
  for (Simd s : simd_supported()) {
    if (s == want) {
      level().store(want, std::memory_order_relaxed);
      return;
    }
  }
  throw InputError("simd: this CPU cannot run " + std::string(simd_name(want)));
}

Simd parse_simd(std::string_view name) {
  std::string valid;
  for (Simd s : simd_supported()) {
    if (simd_name(s) == name) return s;
    valid += (valid.empty() ? "" : ", ") + std::string(simd_name(s));
  }
  throw InputError("'" + std::string(name) + "' is not supported here; valid: " + valid);
}

std::string_view simd_name(Simd level) {
  switch (level) {
    case Simd::generic:
      return "generic";
    case Simd::sse2:
      return "sse2";
    case Simd::avx2:
      return "avx2";
    case Simd::avx512:
      return "avx512";
  }
  return "unknown";
}

}  // namespace descent
