// The built-in reducing rules' optimizers and registry entries (BuiltinReducingRules in
// include/descent/optimizers/catalog.hpp), compiled together: they have no sweep lanes.
#include "descent/optimizers/catalog.hpp"
#include "optimizers/builtin.hpp"

namespace descent::detail {

std::vector<const OptimizerInfo*> builtin_reducing_rule_infos() {
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::vector<const OptimizerInfo*>{&registry_info<BuiltinReducingRules::At<I>>()...};
  }
  (std::make_index_sequence<BuiltinReducingRules::size>{});
}

}  // namespace descent::detail
