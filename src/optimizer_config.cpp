#include "descent/optimizer_config.hpp"

#include <algorithm>

#include "descent/error.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "descent/spec.hpp"

namespace descent {
namespace {

const ParamInfo* find_param(const std::vector<ParamInfo>& infos, std::string_view key) {
  const auto it =
      std::find_if(infos.begin(), infos.end(), [&](const ParamInfo& p) { return p.name == key; });
  return it == infos.end() ? nullptr : &*it;
}

std::string owner_of(const OptimizerInfo& method) { return "optimizer '" + method.name + "'"; }

[[noreturn]] void unknown_key(const OptimizerInfo& method, std::string_view key) {
  std::vector<ParamInfo> all = method.params;
  all.insert(all.end(), prelude_params().begin(), prelude_params().end());
  throw unknown_key_error("optimizer", method.name, key, all);
}

void check_constraints(const OptimizerInfo& method, const ParamSet& values) {
  if (!method.validate) return;
  if (const std::string err = method.validate(values); !err.empty())
    throw InputError(owner_of(method) + ": " + err);
}

Preludes preludes_of(const ParamSet& p) {
  return {.maximize = p.get_bool("maximize"),
          .clip_value = p.get("clip_value"),
          .clip_norm = p.get("clip_norm")};
}

ParamSet prelude_values(const Preludes& p) {
  return ParamSet({{"maximize", p.maximize ? 1.0 : 0.0},
                   {"clip_value", p.clip_value},
                   {"clip_norm", p.clip_norm}});
}

// Throws InputError for a real key whose value is not 0 but is 0 in float32: an epsilon of 1e-50
// would divide by zero, a clipping threshold of 1e-60 would switch clipping off. (A value that
// is infinite in float32 is left alone: thresholds such as clip_value=1e300 mean the same there.)
void check_float32(const OptimizerInfo& method, const std::vector<ParamInfo>& infos,
                   const ParamSet& values) {
  const auto check = [&](const ParamInfo& p, double v) {
    if (v != 0 && static_cast<float>(v) == 0)
      throw InputError(owner_of(method) + ": " + p.name + "=" + p.format(v) +
                       " is 0 in float32, whose smallest positive value is 1.4e-45");
  };
  for (const ParamInfo& p : infos) {
    if (p.type == ParamType::real) check(p, values.get(p.name));
    if (p.type == ParamType::real_list)
      for (double v : values.get_list(p.name)) check(p, v);
  }
}

const OptimizerInfo& resolve_alias(const OptimizerInfo& info) {
  return info.alias_of.empty() ? info : find_optimizer(info.alias_of);
}

}  // namespace

OptimizerConfig::OptimizerConfig(const OptimizerInfo& method)
    : method_(&resolve_alias(method)),
      values_(default_params(method_->params)),
      given_(method_->params.size(), false) {}

OptimizerConfig OptimizerConfig::parse(std::string_view text) {
  const auto at = text.find('@');
  const Spec spec = parse_spec(text.substr(0, at));
  const OptimizerInfo& info = find_optimizer(spec.name);
  // Checking against every key at once gives one message that lists them all.
  std::vector<ParamInfo> all = info.params;
  all.insert(all.end(), prelude_params().begin(), prelude_params().end());
  const ParamSet values = resolve_params("optimizer", spec, all);
  OptimizerConfig c(info);
  for (const ParamInfo& p : info.params) c.values_.set(p.name, values.get(p.name));
  for (const auto& arg : spec.args)
    for (std::size_t i = 0; i < info.params.size(); ++i)
      if (info.params[i].name == arg.first) c.given_[i] = true;
  check_constraints(c.method(), c.values_);
  c.preludes_ = preludes_of(values);
  if (at != std::string_view::npos) {
    const std::string_view rest = text.substr(at + 1);
    if (rest.find_first_not_of(" \t") == std::string_view::npos)
      throw InputError("malformed spec '" + std::string(text) +
                       "': nothing follows '@' (expected a schedule, e.g. @cosine:t_max=100)");
    c.schedule_ = make_schedule(rest);
  }
  return c;
}

double OptimizerConfig::get(std::string_view key) const {
  if (find_param(method_->params, key)) return values_.get(key);
  if (find_param(prelude_params(), key)) return prelude_values(preludes_).get(key);
  unknown_key(*method_, key);
}

bool OptimizerConfig::given(std::string_view key) const {
  for (std::size_t i = 0; i < method_->params.size(); ++i)
    if (method_->params[i].name == key) return given_[i];
  if (find_param(prelude_params(), key)) return get(key) != 0.0;
  unknown_key(*method_, key);
}

void OptimizerConfig::set(std::string_view key, double value) {
  set(std::vector<std::pair<std::string, double>>{{std::string(key), value}});
}

void OptimizerConfig::set(const std::vector<std::pair<std::string, double>>& values) {
  ParamSet own = values_;
  ParamSet pre = prelude_values(preludes_);
  for (const auto& [key, value] : values) {
    const ParamInfo* p = find_param(method_->params, key);
    ParamSet* target = &own;
    if (p == nullptr) {
      p = find_param(prelude_params(), key);
      target = &pre;
    }
    if (p == nullptr) unknown_key(*method_, key);
    if (auto err = p->check(value)) throw InputError(owner_of(*method_) + ": " + *err);
    target->set(key, value);
  }
  check_constraints(*method_, own);
  values_ = std::move(own);
  preludes_ = preludes_of(pre);
  for (const auto& [key, value] : values)
    for (std::size_t i = 0; i < method_->params.size(); ++i)
      if (method_->params[i].name == key) given_[i] = true;
}

void OptimizerConfig::set_text(std::string_view key, std::string_view text) {
  const ParamInfo* p = find_param(method_->params, key);
  if (p == nullptr) p = find_param(prelude_params(), key);
  if (p == nullptr) unknown_key(*method_, key);
  try {
    set(key, p->parse(text));
  } catch (const InputError& e) {
    const std::string what = e.what();
    throw InputError(what.rfind(owner_of(*method_), 0) == 0 ? what
                                                            : owner_of(*method_) + ": " + what);
  }
}

OptimizerConfig OptimizerConfig::with(std::string_view key, double value) const {
  OptimizerConfig c = *this;
  c.set(key, value);
  return c;
}

void OptimizerConfig::set_preludes(const Preludes& p) {
  check_params(owner_of(*method_), prelude_params(), prelude_values(p));
  preludes_ = p;
}

std::string OptimizerConfig::spec() const {
  return optimizer_spec(*method_, values_, preludes_, schedule_.get());
}

std::string OptimizerConfig::label() const {
  std::string label = method_->name;
  char sep = ':';
  const auto add = [&](const std::vector<ParamInfo>& infos, const ParamSet& values) {
    for (const ParamInfo& p : infos) {
      if (p.is_list()) continue;
      const double v = values.get(p.name);
      if (!p.always_shown && v == p.default_value) continue;
      label += sep + p.name + "=" + p.format(v);
      sep = ',';
    }
  };
  add(method_->params, values_);
  add(prelude_params(), prelude_values(preludes_));
  if (schedule_) label += "@" + schedule_->spec();
  return label;
}

template <std::floating_point T>
std::unique_ptr<Optimizer<T>> OptimizerConfig::make() const {
  if constexpr (std::is_same_v<T, float>) {
    check_float32(*method_, method_->params, values_);
    check_float32(*method_, prelude_params(), prelude_values(preludes_));
    return method_->make_float(*this);
  } else
    return method_->make_double(*this);
}

template std::unique_ptr<Optimizer<float>> OptimizerConfig::make<float>() const;
template std::unique_ptr<Optimizer<double>> OptimizerConfig::make<double>() const;

}  // namespace descent
