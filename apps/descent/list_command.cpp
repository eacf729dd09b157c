#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "commands.hpp"
#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "descent/schedule.hpp"
#include "util/text.hpp"

namespace descent::cli {
namespace {

// The type as the docs write it: "real (log scale)", "integer list".
std::string type_name(const ParamInfo& p) {
  std::string name = to_string(p.type);
  std::replace(name.begin(), name.end(), '_', ' ');
  return p.type == ParamType::real && p.log_scale ? name + " (log scale)" : name;
}

std::string default_text(const ParamInfo& p) {
  return p.is_list() ? p.format_list(p.default_list) : p.format(p.default_value);
}

// The widths of the text listing's columns: each as wide as its widest value in the whole
// listing, so that a long default (strong_wolfe) or range ([1, 1000], integer) never shifts the
// columns after it.
struct Columns {
  std::size_t name = 0, value = 0, range = 0;
  void fit(const std::vector<ParamInfo>& params) {
    for (const ParamInfo& p : params) {
      name = std::max(name, p.name.size());
      value = std::max(value, default_text(p).size());
      range = std::max(range, p.range_text().size());
    }
  }
};

void print_params_text(const std::vector<ParamInfo>& params, const Columns& w) {
  for (const ParamInfo& p : params)
    fmt::print("      {:<{}}  default {:<{}}  range {:<{}}  {}\n", p.name, w.name, default_text(p),
               w.value, p.range_text(), w.range, p.doc);
}

template <class Info>
void print_text(const char* heading, const std::vector<const Info*>& catalog, const Columns& w) {
  fmt::print("{}\n", heading);
  std::size_t name_w = 0;
  for (const Info* info : catalog) name_w = std::max(name_w, info->name.size());
  for (const Info* info : catalog) {
    fmt::print("  {:<{}}  {}\n", info->name, name_w, info->doc);
    print_params_text(info->params, w);
  }
}

template <class Info>
Columns columns_of(const std::vector<const Info*>& catalog, Columns w = {}) {
  for (const Info* info : catalog) w.fit(info->params);
  return w;
}

// One optimizer, schedule or function in full: its doc, source, rule, conventions and keys.
template <class Info>
void print_one(const char* kind, const Info& info, const std::vector<ParamInfo>& shared,
               const char* shared_heading) {
  fmt::print("{} {}: {}\n", kind, info.name, info.doc);
  if constexpr (requires { info.reference; }) {
    if (!info.reference.empty()) fmt::print("source: {}\n", info.reference);
  }
  if constexpr (requires { info.alias_of; }) {
    if (!info.alias_of.empty())
      fmt::print("an alias: it makes {} with the same keys\n", info.alias_of);
    if (!info.rule.empty()) {
      std::string rule = info.rule;
      for (std::size_t at = rule.find('\n'); at != std::string::npos; at = rule.find('\n', at + 3))
        rule.replace(at, 1, "\n  ");
      fmt::print("update, per element:\n  {}\n", rule);
    }
    if (!info.differs.empty()) fmt::print("where others differ: {}\n", info.differs);
  }
  Columns w;
  w.fit(info.params);
  w.fit(shared);
  if (info.params.empty())
    fmt::print("no keys of its own\n");
  else {
    fmt::print("keys:\n");
    print_params_text(info.params, w);
  }
  if (!shared.empty()) {
    fmt::print("{}:\n", shared_heading);
    print_params_text(shared, w);
  }
}

// Text for a cell of a Markdown table: a '|' (a choice's range, a norm |g|) escaped, so that it
// does not end the cell.
std::string cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
}

void print_params_markdown(const std::vector<ParamInfo>& params) {
  fmt::print("| key | default | range | type | meaning |\n|---|---|---|---|---|\n");
  for (const ParamInfo& p : params)
    fmt::print("| `{}` | {} | {} | {} | {} |\n", p.name, cell(default_text(p)),
               cell(p.range_text()), type_name(p), cell(p.doc));
  fmt::print("\n");
}

template <class Info>
void print_markdown(const std::vector<const Info*>& catalog) {
  for (const Info* info : catalog) {
    fmt::print("## `{}`\n\n{}\n\n", info->name, info->doc);
    if constexpr (requires { info->reference; }) {
      if (!info->reference.empty()) fmt::print("Source: {}.\n\n", info->reference);
    }
    if constexpr (requires { info->alias_of; }) {
      fmt::print("Family: {}; {}.\n\n", to_string(info->family), info->year);
      if (!info->alias_of.empty())
        fmt::print("An alias: it makes `{}` with the same keys.\n\n", info->alias_of);
      else if (!info->rule.empty())
        fmt::print("{}:\n\n```\n{}\n```\n\n",
                   info->family == Family::wrapper
                       ? "Around the optimizer it wraps, one step"
                       : "Update, per element, after the gradient preludes",
                   info->rule);
      if (info->alias_of.empty() && !info->differs.empty())
        fmt::print("Where others differ: {}\n\n", info->differs);
    }
    if (info->params.empty()) {
      fmt::print("No parameters.\n\n");
      continue;
    }
    print_params_markdown(info->params);
  }
}

// The optimizers in family order (the registry's order within a family), only those of
// `family` when one is given.
std::vector<const OptimizerInfo*> optimizers_by_family(const std::string& family) {
  std::vector<const OptimizerInfo*> out;
  for (Family f : kFamilies) {
    if (!family.empty() && to_string(f) != family) continue;
    for (const OptimizerInfo* info : optimizer_catalog())
      if (info->family == f) out.push_back(info);
  }
  return out;
}

// The text listing of optimizers, a heading per family.
void print_optimizers_text(const std::vector<const OptimizerInfo*>& catalog, const Columns& w) {
  fmt::print("optimizers (spec: name:key=value,...[@schedule])\n");
  std::size_t name_w = 0;
  for (const OptimizerInfo* info : catalog) name_w = std::max(name_w, info->name.size());
  for (std::size_t i = 0; i < catalog.size(); ++i) {
    const OptimizerInfo& info = *catalog[i];
    if (i == 0 || catalog[i - 1]->family != info.family)
      fmt::print(" {}{}:\n", to_string(info.family),
                 info.family == Family::wrapper
                     ? " (written before the optimizer it wraps: lookahead:sync_period=5/adam)"
                     : "");
    fmt::print("  {:<{}}  {} ({})\n", info.name, name_w, info.doc, info.year);
    print_params_text(info.params, w);
  }
}

// The docs' index: each family with its optimizers, linked to their sections.
void print_families_markdown(const std::vector<const OptimizerInfo*>& catalog) {
  fmt::print("| family | optimizers (year) |\n|---|---|\n");
  for (Family f : kFamilies) {
    std::string names;
    for (const OptimizerInfo* info : catalog)
      if (info->family == f)
        names += fmt::format("{}[`{}`](#{}) ({})", names.empty() ? "" : ", ", info->name,
                             info->name, info->year);
    if (!names.empty()) fmt::print("| {} | {} |\n", to_string(f), names);
  }
  fmt::print("\n");
}

void generated_note(const char* what) {
  fmt::print(
      "<!-- Generated by `descent list {} --markdown` from the registry; a test keeps it in "
      "step. -->\n\n",
      what);
}

}  // namespace

int list_command(const ListArgs& args) {
  // With --family, only optimizers are listed.
  const bool filtered = !args.family.empty();
  const bool all = args.what == "all";
  const bool opt = all || args.what == "optimizers";
  const bool sch = (all && !filtered) || args.what == "schedules";
  const bool fun = (all && !filtered) || args.what == "functions";
  if (filtered) {
    parse_family(args.family);  // an InputError naming the valid ones
    if (!opt)
      throw InputError("--family filters the optimizers: descent list --family " + args.family);
  }
  const std::vector<const OptimizerInfo*> optimizers = optimizers_by_family(args.family);
  if (!opt && !sch && !fun) {
    // One entry by its name.
    const auto named = [&](const auto& catalog) {
      const auto it = std::find_if(catalog.begin(), catalog.end(),
                                   [&](const auto* info) { return info->name == args.what; });
      return it == catalog.end() ? nullptr : *it;
    };
    if (args.markdown)
      throw InputError("--markdown lists a whole catalog: optimizers, schedules or functions");
    if (const auto* info = named(optimizer_catalog())) {
      print_one("optimizer", *info, prelude_params(), "keys every optimizer takes");
      return 0;
    }
    if (const auto* info = named(schedule_catalog())) {
      print_one("schedule", *info, warmup_params(), "keys every schedule takes");
      return 0;
    }
    if (const auto* info = named(function_catalog())) {
      print_one("function", *info, {}, "");
      return 0;
    }
    std::vector<std::string> names = {"optimizers", "schedules", "functions", "all"};
    for (const auto* i : optimizer_catalog()) names.push_back(i->name);
    for (const auto* i : schedule_catalog()) names.push_back(i->name);
    for (const auto* i : function_catalog()) names.push_back(i->name);
    throw InputError("unknown list '" + args.what + "'" + did_you_mean(args.what, names) +
                     "; valid: optimizers, schedules, functions, all, or the name of an "
                     "optimizer, schedule or function (descent list names them)");
  }
  if (args.markdown) {
    if (opt) {
      fmt::print("# Optimizers\n\n");
      generated_note("optimizers");
      fmt::print(
          "A spec names an optimizer with any of its keys: `name:key=value,...`. Each header in "
          "`include/descent/optimizers/` states the update rule, its source and where torch, "
          "keras and optax differ; [optimizer-conventions.md](optimizer-conventions.md) gathers "
          "those differences.\n\n");
      fmt::print(
          "## Keys every optimizer takes\n\nGradient preludes, applied before the optimizer's own "
          "rule (see `Preludes` in `include/descent/optimizer.hpp`), and written in the canonical "
          "spec only when set. A "
          "learning-rate schedule is attached with `@`: `adam:lr=0.01@cosine:t_max=100` (see "
          "[schedules.md](schedules.md)).\n\n");
      print_params_markdown(prelude_params());
      fmt::print(
          "## Wrappers\n\nA wrapper (the family `wrapper`) runs around any optimizer, written "
          "before it with a `/`: `lookahead:sync_period=5/adam:lr=0.01@cosine:t_max=100`, or "
          "`ema/lookahead/adam` for two. The preludes and the schedule belong to the optimizer "
          "at the bottom. A key given alone (to a sweep's axis, to tuning) is looked up from the "
          "outermost level inward; `adam.eps` names the level where two share a key. A wrapper "
          "whose answer is not the last point (an average, Lookahead's slow weights) reports it "
          "beside the trajectory, as Schedule-Free does.\n\n");
      fmt::print("## Families\n\n");
      print_families_markdown(optimizers);
      print_markdown(optimizers);
    }
    if (sch) {
      fmt::print("# Schedules\n\n");
      generated_note("schedules");
      fmt::print(
          "A schedule sets the learning rate of update t from the optimizer's base rate. Attach "
          "one with `@`: `-o sgd:lr=0.1@step:step_size=30,gamma=0.1`.\n\n## Keys every schedule "
          "takes\n\n");
      print_params_markdown(warmup_params());
      print_markdown(schedule_catalog());
    }
    if (fun) {
      fmt::print("# Functions\n\n");
      generated_note("functions");
      print_markdown(function_catalog());
    }
    return 0;
  }
  // One set of columns for the whole listing.
  Columns w;
  w.fit(prelude_params());
  w.fit(warmup_params());
  w = columns_of(function_catalog(),
                 columns_of(schedule_catalog(), columns_of(optimizer_catalog(), w)));
  if (opt) {
    print_optimizers_text(optimizers, w);
    fmt::print("  keys every optimizer takes:\n");
    print_params_text(prelude_params(), w);
  }
  if (sch) {
    if (opt) fmt::print("\n");
    print_text("schedules (spec: name:key=value,...)", schedule_catalog(), w);
    fmt::print("  keys every schedule takes:\n");
    print_params_text(warmup_params(), w);
  }
  if (fun) {
    if (opt || sch) fmt::print("\n");
    print_text("functions (spec: name:key=value,...)", function_catalog(), w);
  }
  return 0;
}

}  // namespace descent::cli
