// The built-in tensor rules' optimizers and registry entries (BuiltinTensorRules in
// include/descent/optimizers/catalog.hpp): each tensor stepped whole, with no sweep lanes.
#include "descent/optimizers/catalog.hpp"
#include "optimizers/builtin.hpp"

namespace descent::detail {

std::vector<const OptimizerInfo*> builtin_tensor_rule_infos() {
  return entries_of<BuiltinTensorRules>([]<class M>() { return &tensor_rule_info<M>(); });
}

}  // namespace descent::detail
