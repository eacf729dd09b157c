#include "descent/registry.hpp"

#include <algorithm>
#include <string>

#include "descent/error.hpp"
#include "descent/functions/anisotropic.hpp"
#include "descent/functions/isotropic.hpp"
#include "descent/optimizers/momentum.hpp"
#include "descent/optimizers/rmsprop.hpp"
#include "descent/optimizers/sgd.hpp"
#include "descent/spec.hpp"

namespace descent {
namespace {

template <class Info>
const Info& find(const std::vector<const Info*>& catalog, std::string_view kind,
                 std::string_view name) {
  auto it = std::find_if(catalog.begin(), catalog.end(),
                         [&](const Info* info) { return info->name == name; });
  if (it != catalog.end()) return **it;
  std::string valid;
  for (const Info* info : catalog) valid += (valid.empty() ? "" : ", ") + info->name;
  throw InputError("unknown " + std::string(kind) + " '" + std::string(name) +
                   "'; valid: " + valid);
}

}  // namespace

const std::vector<const OptimizerInfo*>& optimizer_catalog() {
  static const std::vector<const OptimizerInfo*> catalog = {&sgd_info(), &momentum_info(),
                                                            &rmsprop_info()};
  return catalog;
}

const std::vector<const FunctionInfo*>& function_catalog() {
  static const std::vector<const FunctionInfo*> catalog = {&isotropic_info(), &anisotropic_info()};
  return catalog;
}

const OptimizerInfo& find_optimizer(std::string_view name) {
  return find(optimizer_catalog(), "optimizer", name);
}

const FunctionInfo& find_function(std::string_view name) {
  return find(function_catalog(), "function", name);
}

template <std::floating_point T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view spec_text) {
  const Spec spec = parse_spec(spec_text);
  const OptimizerInfo& info = find_optimizer(spec.name);
  const ParamSet values = resolve_params("optimizer", spec, info.params);
  if constexpr (std::is_same_v<T, float>)
    return info.make_float(values);
  else
    return info.make_double(values);
}

std::unique_ptr<Objective> make_function(std::string_view spec_text) {
  const Spec spec = parse_spec(spec_text);
  const FunctionInfo& info = find_function(spec.name);
  return info.make(resolve_params("function", spec, info.params));
}

template std::unique_ptr<Optimizer<float>> make_optimizer<float>(std::string_view);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(std::string_view);

}  // namespace descent
