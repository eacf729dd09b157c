// The built-in wrappers' registry entries (BuiltinWrappers in
// include/descent/optimizers/catalog.hpp) and what they share.
#include <string>

#include "descent/error.hpp"
#include "descent/optimizers/catalog.hpp"
#include "optimizers/builtin.hpp"

namespace descent::detail {

void needs_closure(std::string_view wrapper) {
  throw InputError("optimizer '" + std::string(wrapper) +
                   "' evaluates the objective a second time in each step, and this caller gave "
                   "no way to (use a run, sweep, tune or train, or Optimizer::step_with with a "
                   "closure)");
}

std::vector<const OptimizerInfo*> builtin_wrapper_infos() {
  return entries_of<BuiltinWrappers>([]<class M>() { return &wrapper_info<M>(); });
}

}  // namespace descent::detail
