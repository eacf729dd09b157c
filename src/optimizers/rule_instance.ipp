// Included by the file the build generates for built-in rule DESCENT_RULE_INDEX (see
// src/CMakeLists.txt): that rule's optimizers, its kernels at every SIMD level, and its registry
// entry.
#include "descent/optimizers/catalog.hpp"
#include "optimizers/builtin.hpp"

namespace descent::detail {

template <>
const OptimizerInfo& builtin_rule_info<DESCENT_RULE_INDEX>() {
  return registry_info<BuiltinRules::At<DESCENT_RULE_INDEX>>();
}

}  // namespace descent::detail
