// Included by the file the build generates for built-in rule DESCENT_RULE_INDEX (see
// src/CMakeLists.txt): that rule's lanes and fused loops, at every SIMD level.
#include "descent/optimizers/catalog.hpp"
#include "engine/lane_rule.hpp"

namespace descent::detail {

template <>
std::unique_ptr<LaneOptimizer> builtin_rule_lanes<DESCENT_RULE_INDEX>(
    const OptimizerConfig& base, std::span<const std::string> keys, std::span<const double> values,
    std::size_t lanes, std::size_t dim) {
  return rule_lanes<BuiltinRules::At<DESCENT_RULE_INDEX>>(base, keys, values, lanes, dim);
}

}  // namespace descent::detail
