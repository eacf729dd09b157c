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

OptimizerConfig::OptimizerConfig(const OptimizerInfo& wrapper, OptimizerConfig inner)
    : OptimizerConfig(wrapper) {
  if (method_->family != Family::wrapper)
    throw InputError(owner_of(*method_) + " is not a wrapper; it cannot wrap '" +
                     inner.method().name + "'");
  inner_ = std::make_shared<const OptimizerConfig>(std::move(inner));
}

namespace {

std::string wrapper_names() {
  std::string out;
  for (const OptimizerInfo* info : optimizer_catalog())
    if (info->family == Family::wrapper) out += (out.empty() ? "" : ", ") + info->name;
  return out.empty() ? "none" : out;
}

// The pieces of "a/b/c" between the slashes.
std::vector<std::string_view> split_levels(std::string_view text) {
  std::vector<std::string_view> out;
  while (true) {
    const auto slash = text.find('/');
    out.push_back(text.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    text.remove_prefix(slash + 1);
  }
}

}  // namespace

OptimizerConfig OptimizerConfig::parse(std::string_view text) {
  const auto at = text.find('@');
  const std::vector<std::string_view> levels = split_levels(text.substr(0, at));
  if (levels.size() > 1) {
    if (levels.size() - 1 > kMaxWrappers)
      throw InputError(
          "spec '" + std::string(text.substr(0, std::min<std::size_t>(text.size(), 60))) +
          (text.size() > 60 ? "...'" : "'") + " has " + std::to_string(levels.size() - 1) +
          " wrappers around its optimizer; at most " + std::to_string(kMaxWrappers) +
          " are allowed");
    for (const std::string_view level : levels)
      if (level.find_first_not_of(" \t") == std::string_view::npos)
        throw InputError("malformed spec '" + std::string(text) +
                         "': nothing on one side of a '/' (expected wrapper/optimizer, e.g. "
                         "lookahead/adam)");
    // The innermost optimizer takes the schedule; each wrapper, outward, wraps what follows it.
    std::string last(levels.back());
    if (at != std::string_view::npos) last += text.substr(at);
    OptimizerConfig c = parse(last);
    for (std::size_t i = levels.size() - 1; i-- > 0;) {
      const Spec spec = parse_spec(levels[i]);
      const OptimizerInfo& info = find_optimizer(spec.name);
      if (info.family != Family::wrapper)
        throw InputError("optimizer '" + spec.name + "' is not a wrapper, so nothing can follow " +
                         "it after '/' (wrappers: " + wrapper_names() + ")");
      const ParamSet values = resolve_params("optimizer", spec, info.params);
      OptimizerConfig w(info, std::move(c));
      w.values_ = values;
      for (const auto& arg : spec.args)
        for (std::size_t k = 0; k < info.params.size(); ++k)
          if (info.params[k].name == arg.first) w.given_[k] = true;
      check_constraints(info, w.values_);
      c = std::move(w);
    }
    return c;
  }
  const Spec spec = parse_spec(text.substr(0, at));
  const OptimizerInfo& info = find_optimizer(spec.name);
  if (info.family == Family::wrapper)
    throw InputError("optimizer '" + spec.name + "' is a wrapper: write the optimizer it wraps " +
                     "after a '/', e.g. '" + spec.name + "/adam'");
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

std::vector<ParamInfo> OptimizerConfig::keys() const {
  std::vector<ParamInfo> out;
  std::vector<std::string> level;  // the name of each key's level
  for (const OptimizerConfig* c = this; c != nullptr; c = c->inner_.get())
    for (const ParamInfo& p : c->method_->params) {
      out.push_back(p);
      level.push_back(c->method_->name);
    }
  // A key that two levels share is named through its level ("mechanic.eps", "adam.eps").
  std::vector<bool> shared(out.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    const auto same = [&](const ParamInfo& q) { return q.name == out[i].name; };
    shared[i] = std::count_if(out.begin(), out.end(), same) > 1;
  }
  for (std::size_t i = 0; i < out.size(); ++i)
    if (shared[i]) out[i].name = level[i] + "." + out[i].name;
  return out;
}

std::size_t OptimizerConfig::evaluations_per_step() const {
  return method_->evaluations_per_step * (inner_ ? inner_->evaluations_per_step() : 1);
}

OptimizerConfig::Owner OptimizerConfig::owner(std::string_view key) const {
  std::string_view level_name;
  if (const auto dot = key.find('.'); dot != std::string_view::npos) {
    level_name = key.substr(0, dot);
    key.remove_prefix(dot + 1);
  }
  for (const OptimizerConfig* c = this; c != nullptr; c = c->inner_.get()) {
    if (!level_name.empty() && c->method_->name != level_name) continue;
    if (find_param(c->method_->params, key)) return {c, key};
    // The prelude keys are the innermost level's, found after every level's own keys.
    if (!c->inner_ && find_param(prelude_params(), key)) return {c, key};
  }
  return {nullptr, key};
}

template <class F>
void OptimizerConfig::change_level(const OptimizerConfig* level, F&& change) {
  if (level == this) {
    change(*this);
    return;
  }
  auto copy = std::make_shared<OptimizerConfig>(*inner_);
  // `level` is inside the old inner configuration: find the same depth in the copy.
  const OptimizerConfig* in_copy = copy.get();
  for (const OptimizerConfig* c = inner_.get(); c != level; c = c->inner_.get())
    in_copy = in_copy->inner_.get();
  copy->change_level(in_copy, std::forward<F>(change));
  inner_ = std::move(copy);
}

[[noreturn]] void OptimizerConfig::unknown(std::string_view key) const {
  if (!inner_) unknown_key(*method_, key);
  std::vector<ParamInfo> all = keys();
  all.insert(all.end(), prelude_params().begin(), prelude_params().end());
  std::string name;
  for (const OptimizerConfig* c = this; c != nullptr; c = c->inner_.get())
    name += (name.empty() ? "" : "/") + c->method_->name;
  throw unknown_key_error("optimizer", name, key, all);
}

double OptimizerConfig::get(std::string_view key) const {
  const Owner o = owner(key);
  if (o.level == nullptr) unknown(key);
  if (find_param(o.level->method_->params, o.key)) return o.level->values_.get(o.key);
  return prelude_values(o.level->preludes_).get(o.key);
}

bool OptimizerConfig::given(std::string_view key) const {
  const Owner o = owner(key);
  if (o.level == nullptr) unknown(key);
  const std::vector<ParamInfo>& params = o.level->method_->params;
  for (std::size_t i = 0; i < params.size(); ++i)
    if (params[i].name == o.key) return o.level->given_[i];
  return o.level->get(o.key) != 0.0;
}

void OptimizerConfig::set(std::string_view key, double value) {
  set(std::vector<std::pair<std::string, double>>{{std::string(key), value}});
}

void OptimizerConfig::set(const std::vector<std::pair<std::string, double>>& values) {
  if (!inner_) {
    // A key may still name this level ("adam.lr").
    std::vector<std::pair<std::string, double>> own;
    for (const auto& [key, value] : values) {
      const Owner o = owner(key);
      if (o.level == nullptr) unknown(key);
      own.emplace_back(std::string(o.key), value);
    }
    set_own(own);
    return;
  }
  // Each level's keys are set together, on a copy, so that nothing changes on an error.
  OptimizerConfig out = *this;
  std::vector<std::pair<const OptimizerConfig*, std::vector<std::pair<std::string, double>>>> by;
  for (const auto& [key, value] : values) {
    const Owner o = owner(key);
    if (o.level == nullptr) unknown(key);
    auto it = std::ranges::find(by, o.level, &decltype(by)::value_type::first);
    if (it == by.end()) it = by.insert(by.end(), {o.level, {}});
    it->second.emplace_back(std::string(o.key), value);
  }
  for (const auto& entry : by) {
    // The same depth in `out` as the entry's level in this one.
    const OptimizerConfig* target = &out;
    for (const OptimizerConfig* c = this; c != entry.first; c = c->inner_.get())
      target = target->inner_.get();
    const std::vector<std::pair<std::string, double>>& own = entry.second;
    out.change_level(target, [&](OptimizerConfig& c) { c.set_own(own); });
  }
  *this = std::move(out);
}

void OptimizerConfig::set_own(const std::vector<std::pair<std::string, double>>& values) {
  ParamSet own = values_;
  ParamSet pre = prelude_values(preludes_);
  for (const auto& [key, value] : values) {
    const ParamInfo* p = find_param(method_->params, key);
    ParamSet* target = &own;
    if (p == nullptr && !inner_) {
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
  const Owner o = owner(key);
  if (o.level == nullptr) unknown(key);
  const OptimizerInfo& method = *o.level->method_;
  const ParamInfo* p = find_param(method.params, o.key);
  if (p == nullptr) p = find_param(prelude_params(), o.key);
  try {
    set(key, p->parse(text));
  } catch (const InputError& e) {
    const std::string what = e.what();
    throw InputError(what.rfind(owner_of(method), 0) == 0 ? what : owner_of(method) + ": " + what);
  }
}

OptimizerConfig OptimizerConfig::with(std::string_view key, double value) const {
  OptimizerConfig c = *this;
  c.set(key, value);
  return c;
}

void OptimizerConfig::set_preludes(const Preludes& p) {
  check_params(owner_of(innermost().method()), prelude_params(), prelude_values(p));
  change_level(&innermost(), [&](OptimizerConfig& c) { c.preludes_ = p; });
}

void OptimizerConfig::set_schedule(std::shared_ptr<const Schedule> schedule) {
  change_level(&innermost(), [&](OptimizerConfig& c) { c.schedule_ = std::move(schedule); });
}

std::string OptimizerConfig::spec() const {
  if (inner_) return optimizer_spec(*method_, values_, {}, nullptr) + "/" + inner_->spec();
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
  if (inner_) return label + "/" + inner_->label();
  add(prelude_params(), prelude_values(preludes_));
  if (schedule_) label += "@" + schedule_->spec();
  return label;
}

template <std::floating_point T>
std::unique_ptr<Optimizer<T>> OptimizerConfig::make() const {
  if (method_->family == Family::wrapper && !inner_)
    throw InputError(owner_of(*method_) + " is a wrapper: write the optimizer it wraps after a " +
                     "'/', e.g. '" + method_->name + "/adam'");
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
