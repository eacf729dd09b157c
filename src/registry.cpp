#include "descent/registry.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "descent/error.hpp"
#include "descent/expression.hpp"
#include "descent/functions/anisotropic.hpp"
#include "descent/functions/catalog.hpp"
#include "descent/functions/isotropic.hpp"
#include "descent/functions/rosenbrock.hpp"
#include "descent/noise.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/optimizers/catalog.hpp"
#include "descent/param_groups.hpp"
#include "descent/schedule.hpp"
#include "descent/spec.hpp"
#include "optimizers/builtin.hpp"
#include "util/text.hpp"

namespace descent {

// The build compiles each rule of the list in a file of its own; it counts them from the list.
static_assert(BuiltinRules::size == DESCENT_RULE_COUNT,
              "src/CMakeLists.txt counted another number of rules in catalog.hpp");
// Each list holds what its driver steps, so that a misplaced entry is named here.
static_assert(
    []<class... R>(TypeList<R...>*) {
      return ((ElementwiseRule<R> && !ReducingRule<R>)&&...);
    }(static_cast<BuiltinRules*>(nullptr)),
    "BuiltinRules holds elementwise rules, not reducing ones (they have no lanes)");
static_assert([]<class... R>(TypeList<R...>*) { return (ReducingRule<R> && ...); }(
                  static_cast<BuiltinReducingRules*>(nullptr)),
              "BuiltinReducingRules holds reducing rules");
static_assert([]<class... R>(TypeList<R...>*) { return (TensorRule<R> && ...); }(
                  static_cast<BuiltinTensorRules*>(nullptr)),
              "BuiltinTensorRules holds tensor rules");
static_assert([]<class... W>(TypeList<W...>*) { return (WrapperMethod<W> && ...); }(
                  static_cast<BuiltinWrappers*>(nullptr)),
              "BuiltinWrappers holds wrappers");

namespace {

template <class Info>
const Info& find(const std::vector<const Info*>& catalog, std::string_view kind,
                 std::string_view name) {
  auto it = std::find_if(catalog.begin(), catalog.end(),
                         [&](const Info* info) { return info->name == name; });
  if (it != catalog.end()) return **it;
  std::string valid;
  std::vector<std::string> names;
  for (const Info* info : catalog) {
    valid += (valid.empty() ? "" : ", ") + info->name;
    names.push_back(info->name);
  }
  throw InputError("unknown " + std::string(kind) + " '" + std::string(name) + "'" +
                   did_you_mean(name, names) + "; valid: " + valid);
}

// `gd`: sgd under the name that reads naturally for full-batch gradient descent.
const OptimizerInfo& gd_info() {
  static_assert(std::is_same_v<BuiltinRules::At<0>, SgdRule>, "sgd comes first");
  static const OptimizerInfo info = [] {
    OptimizerInfo i = detail::builtin_rule_info<0>();
    i.name = "gd";
    i.doc = "full-batch gradient descent: sgd under the name that reads naturally in the lab";
    i.reference = "Cauchy 1847; an alias of sgd";
    i.year = 1847;
    i.alias_of = "sgd";
    return i;
  }();
  return info;
}

std::vector<const OptimizerInfo*>& catalog_of_optimizers() {
  static std::vector<const OptimizerInfo*> catalog = [] {
    std::vector<const OptimizerInfo*> out;
    [&]<std::size_t... I>(std::index_sequence<I...>) {
      (out.push_back(&detail::builtin_rule_info<I>()), ...);
    }
    (std::make_index_sequence<BuiltinRules::size>{});
    out.insert(out.begin() + 1, &gd_info());
    for (const OptimizerInfo* info : detail::builtin_reducing_rule_infos()) out.push_back(info);
    out.push_back(&lbfgs_info());
    for (const OptimizerInfo* info : detail::builtin_tensor_rule_infos()) out.push_back(info);
    for (const OptimizerInfo* info : detail::builtin_wrapper_infos()) out.push_back(info);
    return out;
  }();
  return catalog;
}

}  // namespace

const std::vector<const OptimizerInfo*>& optimizer_catalog() { return catalog_of_optimizers(); }

void register_optimizer(const OptimizerInfo& info) {
  if (info.name.empty() || !info.make_double || !info.make_float)
    throw std::invalid_argument("register_optimizer: an entry needs a name and both factories");
  for (const OptimizerInfo* known : optimizer_catalog())
    if (known->name == info.name)
      throw std::invalid_argument("register_optimizer: '" + info.name + "' is already registered");
  catalog_of_optimizers().push_back(&info);
}

const std::vector<const FunctionInfo*>& function_catalog() {
  static const std::vector<const FunctionInfo*> catalog = {
      &isotropic_info(),       &anisotropic_info(),
      &quadratic_info(),       &ill_conditioned_info(),
      &rosenbrock_info(),      &beale_info(),
      &booth_info(),           &himmelblau_info(),
      &rastrigin_info(),       &ackley_info(),
      &goldstein_price_info(), &styblinski_tang_info(),
      &matyas_info(),          &three_hump_camel_info(),
      &six_hump_camel_info(),  &levi13_info(),
      &saddle_info(),          &monkey_saddle_info(),
      &least_squares_info(),   &matrix_least_squares_info()};
  return catalog;
}

const OptimizerInfo& find_optimizer(std::string_view name) {
  return find(optimizer_catalog(), "optimizer", name);
}

const FunctionInfo& find_function(std::string_view name) {
  return find(function_catalog(), "function", name);
}

template <std::floating_point T>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view spec) {
  if (is_grouped_spec(spec)) return std::make_unique<Grouped<T>>(spec);
  return OptimizerConfig::parse(spec).make<T>();
}

std::unique_ptr<Objective> make_function(std::string_view spec_text) {
  if (looks_like_expression(spec_text)) return std::make_unique<Expression>(spec_text);
  const Spec spec = parse_spec(spec_text);
  const FunctionInfo& info = find_function(spec.name);
  return info.make(resolve_params("function", spec, info.params));
}

FunctionCost function_cost(std::string_view spec_text) {
  if (looks_like_expression(spec_text)) {
    const Expression e(spec_text);
    // An evaluation walks the formula's tape forward and back: a few operations per character.
    return {.dim = e.dim(), .evaluation = 8.0 * static_cast<double>(spec_text.size())};
  }
  const Spec spec = parse_spec(spec_text);
  const FunctionInfo& info = find_function(spec.name);
  if (!info.cost) return {};
  return info.cost(resolve_params("function", spec, info.params));
}

std::string short_label(std::string_view spec) {
  try {
    if (is_grouped_spec(spec)) {  // each group's label: "hidden=muon:lr=0.02 rest=adamw"
      std::string out, part;
      for (std::istringstream in{std::string(spec)}; in >> part;) {
        const std::size_t eq = part.find('=');
        out += (out.empty() ? "" : " ") + part.substr(0, eq + 1) + short_label(part.substr(eq + 1));
      }
      return out;
    }
    return OptimizerConfig::parse(spec).label();
  } catch (const InputError&) {
    return std::string(spec);
  }
}

template std::unique_ptr<Optimizer<float>> make_optimizer<float>(std::string_view);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(std::string_view);

}  // namespace descent
