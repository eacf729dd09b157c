// The built-in reducing rules' optimizers and registry entries (BuiltinReducingRules in
// include/descent/optimizers/catalog.hpp), compiled together: they have no sweep lanes.
#include "descent/optimizers/catalog.hpp"
#include "optimizers/builtin.hpp"

namespace descent::detail {

std::vector<const OptimizerInfo*> builtin_reducing_rule_infos() {
  return entries_of<BuiltinReducingRules>([]<class M>() { return &registry_info<M>(); });
}

}  // namespace descent::detail
