#include "descent/registry.hpp"

#include <algorithm>
#include <string>

#include "descent/error.hpp"
#include "descent/expression.hpp"
#include "descent/functions/anisotropic.hpp"
#include "descent/functions/catalog.hpp"
#include "descent/functions/isotropic.hpp"
#include "descent/functions/rosenbrock.hpp"
#include "descent/noise.hpp"
#include "descent/optimizers/adadelta.hpp"
#include "descent/optimizers/adagrad.hpp"
#include "descent/optimizers/adam.hpp"
#include "descent/optimizers/adamax.hpp"
#include "descent/optimizers/adamw.hpp"
#include "descent/optimizers/asgd.hpp"
#include "descent/optimizers/ftrl.hpp"
#include "descent/optimizers/lbfgs.hpp"
#include "descent/optimizers/lion.hpp"
#include "descent/optimizers/momentum.hpp"
#include "descent/optimizers/nadam.hpp"
#include "descent/optimizers/nesterov.hpp"
#include "descent/optimizers/radam.hpp"
#include "descent/optimizers/rmsprop.hpp"
#include "descent/optimizers/rprop.hpp"
#include "descent/optimizers/sgd.hpp"
#include "descent/schedule.hpp"
#include "descent/spec.hpp"
#include "descent/wrapped.hpp"

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
  static const std::vector<const OptimizerInfo*> catalog = {
      &sgd_info(),     &gd_info(),       &momentum_info(), &nesterov_info(), &rmsprop_info(),
      &adam_info(),    &adamw_info(),    &adamax_info(),   &nadam_info(),    &radam_info(),
      &adagrad_info(), &adadelta_info(), &rprop_info(),    &asgd_info(),     &ftrl_info(),
      &lion_info(),    &lbfgs_info()};
  return catalog;
}

const std::vector<const FunctionInfo*>& function_catalog() {
  static const std::vector<const FunctionInfo*> catalog = {
      &isotropic_info(),       &anisotropic_info(),      &quadratic_info(),
      &ill_conditioned_info(), &rosenbrock_info(),       &beale_info(),
      &booth_info(),           &himmelblau_info(),       &rastrigin_info(),
      &ackley_info(),          &goldstein_price_info(),  &styblinski_tang_info(),
      &matyas_info(),          &three_hump_camel_info(), &six_hump_camel_info(),
      &levi13_info(),          &saddle_info(),           &monkey_saddle_info(),
      &least_squares_info()};
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
  const auto at = spec_text.find('@');
  const Spec spec = parse_spec(spec_text.substr(0, at));
  const OptimizerInfo& info = find_optimizer(spec.name);
  // Checking against every key at once gives one message that lists them all.
  std::vector<ParamInfo> all = info.params;
  all.insert(all.end(), wrapper_params().begin(), wrapper_params().end());
  resolve_params("optimizer", spec, all);

  Spec own{spec.name, {}}, wrap{spec.name, {}};
  for (const auto& kv : spec.args) {
    const bool wrapper = std::any_of(wrapper_params().begin(), wrapper_params().end(),
                                     [&](const ParamInfo& p) { return p.name == kv.first; });
    (wrapper ? wrap : own).args.push_back(kv);
  }
  const ParamSet values = resolve_params("optimizer", own, info.params);
  std::unique_ptr<Optimizer<T>> opt;
  if constexpr (std::is_same_v<T, float>)
    opt = info.make_float(values);
  else
    opt = info.make_double(values);

  const ParamSet w = resolve_params("optimizer", wrap, wrapper_params());
  const WrapperOptions options{.maximize = w.get_bool("maximize"),
                               .clip_value = w.get("clip_value"),
                               .clip_norm = w.get("clip_norm")};
  std::unique_ptr<Schedule> schedule;
  if (at != std::string_view::npos) {
    const std::string_view rest = spec_text.substr(at + 1);
    if (rest.find_first_not_of(" \t") == std::string_view::npos)
      throw InputError("malformed spec '" + std::string(spec_text) +
                       "': nothing follows '@' (expected a schedule, e.g. @cosine:t_max=100)");
    schedule = make_schedule(rest);
  }
  if (options.any() || schedule)
    return std::make_unique<Wrapped<T>>(std::move(opt), options, std::move(schedule));
  return opt;
}

std::unique_ptr<Objective> make_function(std::string_view spec_text) {
  if (looks_like_expression(spec_text)) return std::make_unique<Expression>(spec_text);
  const Spec spec = parse_spec(spec_text);
  const FunctionInfo& info = find_function(spec.name);
  return info.make(resolve_params("function", spec, info.params));
}

std::string short_label(std::string_view text) {
  const auto at = text.find('@');
  try {
    const Spec spec = parse_spec(text.substr(0, at));
    const OptimizerInfo& info = find_optimizer(spec.name);
    std::vector<ParamInfo> all = info.params;
    all.insert(all.end(), wrapper_params().begin(), wrapper_params().end());
    const ParamSet values = resolve_params("optimizer", spec, all);
    std::string label = info.alias_of.empty() ? info.name : info.alias_of;
    char sep = ':';
    for (const ParamInfo& p : all) {
      if (p.is_list()) continue;
      const double v = values.get(p.name);
      if (!p.always_shown && v == p.default_value) continue;
      label += sep + p.name + "=" + p.format(v);
      sep = ',';
    }
    if (at != std::string_view::npos) label += std::string(text.substr(at));
    return label;
  } catch (const InputError&) {
    return std::string(text);
  }
}

template std::unique_ptr<Optimizer<float>> make_optimizer<float>(std::string_view);
template std::unique_ptr<Optimizer<double>> make_optimizer<double>(std::string_view);

}  // namespace descent
