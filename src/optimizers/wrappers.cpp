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
  return [&]<std::size_t... I>(std::index_sequence<I...>) {
    return std::vector<const OptimizerInfo*>{&wrapper_info<BuiltinWrappers::At<I>>()...};
  }
  (std::make_index_sequence<BuiltinWrappers::size>{});
}

}  // namespace descent::detail
