// libFuzzer target for the expression parser and its evaluation: any input must either be
// refused with InputError or give an expression whose value, gradient and Hessian can be
// computed without a crash, a leak or undefined behaviour. scripts/fuzz.sh runs it.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "descent/error.hpp"
#include "descent/expression.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const descent::Expression e(text);
    const std::size_t n = e.dim();
    if (n > 8) return 0;  // keep the Hessian cheap
    std::vector<double> x(n), g(n), h(n * n);
    for (std::size_t i = 0; i < n; ++i) x[i] = 0.5 + 0.25 * static_cast<double>(i);
    const double v = e.value(x);
    const double vg = e.value_and_gradient(x, g);
    if (!(v == vg || (v != v && vg != vg))) __builtin_trap();  // value and gradient pass agree
    e.hessian(x, h);
    (void)e.explain_non_finite(x);
  } catch (const descent::InputError&) {
  }
  return 0;
}
