#include "experiment.hpp"

#include <toml++/toml.h>
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "descent/distributed.hpp"
#include "descent/error.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "descent/schedule.hpp"
#include "descent/spec.hpp"
#include "util/input_file.hpp"
#include "util/text.hpp"

namespace descent::cli {
namespace {

// Where a TOML node is, for messages: "FILE:LINE".
std::string where(const std::string& path, const toml::node& node) {
  return path + ":" + std::to_string(node.source().begin.line);
}

// A TOML value written as it would be in a spec: numbers in shortest form, booleans, strings.
std::string spec_value(const std::string& path, const std::string& key, const toml::node& node) {
  if (auto v = node.as_integer()) return std::to_string(v->get());
  if (auto v = node.as_floating_point()) return format_double(v->get());
  if (auto v = node.as_boolean()) return v->get() ? "true" : "false";
  if (auto v = node.as_string()) return v->get();
  throw InputError(where(path, node) + ": '" + key + "' must be a number, a boolean or a string");
}

// An optimizer from a spec string or a table { name = "...", key = value, ...,
// schedule = "..." }: each value set as the key's own type, never pasted into spec text.
OptimizerConfig optimizer_from_node(const std::string& path, const toml::node& node) {
  try {
    if (auto s = node.as_string()) return OptimizerConfig::parse(s->get());
    const toml::table* t = node.as_table();
    if (!t) throw InputError("an optimizer must be a spec string or a table with a 'name'");
    const toml::node* name = t->get("name");
    if (!name || !name->is_string()) throw InputError("an optimizer table needs name = \"...\"");
    OptimizerConfig c(find_optimizer(name->as_string()->get()));
    for (auto&& [k, v] : *t) {
      const std::string key(k.str());
      if (key == "name") continue;
      if (key == "schedule") {
        if (!v.is_string()) throw InputError("'schedule' must be a schedule spec string");
        c.set_schedule(make_schedule(v.as_string()->get()));
      } else if (auto text = v.as_string()) {
        c.set_text(key, text->get());
      } else if (auto b = v.as_boolean()) {
        c.set(key, b->get() ? 1.0 : 0.0);
      } else if (auto i = v.as_integer()) {
        c.set(key, static_cast<double>(i->get()));
      } else if (auto f = v.as_floating_point()) {
        c.set(key, f->get());
      } else {
        throw InputError("'" + key + "' must be a number, a boolean or a string");
      }
    }
    return c;
  } catch (const InputError& e) {
    throw InputError(where(path, node) + ": " + e.what());
  }
}

// A function from a spec string or a table { name = "...", key = value, ... }. A table's name
// must be a catalog name and each value is read as its key's value alone (a string such as
// "4,angle=1" is a malformed number, not a second key); the result is the canonical spec.
std::string function_from_node(const std::string& path, const toml::node& node) {
  if (auto s = node.as_string()) return s->get();
  const toml::table* t = node.as_table();
  if (!t)
    throw InputError(where(path, node) +
                     ": function must be a spec string or a table with a 'name'");
  const toml::node* name = t->get("name");
  if (!name || !name->is_string())
    throw InputError(where(path, node) + ": function table needs name = \"...\"");
  const auto at = [&](const InputError& e) {
    return InputError(where(path, node) + ": " + e.what());
  };
  const FunctionInfo* info = nullptr;
  try {
    info = &find_function(name->as_string()->get());
  } catch (const InputError& e) {
    throw at(e);
  }
  Spec spec{info->name, {}};
  for (auto&& [k, v] : *t)
    if (k.str() != "name")
      spec.args.emplace_back(std::string(k.str()), spec_value(path, std::string(k.str()), v));
  try {
    return format_spec(info->name, info->params, resolve_params("function", spec, info->params));
  } catch (const InputError& e) {
    throw at(e);
  }
}

double number_of(const std::string& path, const std::string& key, const toml::node& node) {
  if (auto v = node.as_integer()) return static_cast<double>(v->get());
  if (auto v = node.as_floating_point()) return v->get();
  throw InputError(where(path, node) + ": '" + key + "' must be a number");
}

std::string string_of(const std::string& path, const std::string& key, const toml::node& node) {
  if (auto v = node.as_string()) return v->get();
  throw InputError(where(path, node) + ": '" + key + "' must be a string");
}

// An output path in an experiment file: relative to the current folder and inside it (no
// leading '/', no '..'), so that a file from elsewhere writes only where it is run. The command
// line takes any path.
std::string output_path_of(const std::string& path, const std::string& key,
                           const toml::node& node) {
  const std::string text = string_of(path, key, node);
  const std::string where_else =
      "; an experiment file names only paths under the folder it is run in: give this one on "
      "the command line (--" +
      key + ")";
  if (text.empty()) throw InputError(where(path, node) + ": '" + key + "' must not be empty");
  const std::filesystem::path p(text);
  if (p.has_root_path())
    throw InputError(where(path, node) + ": '" + key + "' must be a relative path, not '" + text +
                     "'" + where_else);
  for (const std::filesystem::path& part : p)
    if (part == "..")
      throw InputError(where(path, node) + ": '" + key +
                       "' must not climb out of the current folder with '..' ('" + text + "')" +
                       where_else);
  return text;
}

}  // namespace

std::vector<double> parse_point(std::string_view text, std::string_view what) {
  std::vector<double> point;
  for (const std::string_view piece : split_list(text, ',')) {
    const std::string_view item = trim(piece);
    auto v = parse_double(item);
    if (!v || !std::isfinite(*v))
      throw InputError(std::string(what) + ": '" + std::string(text) +
                       "' is not a list of finite numbers like 1,1 (bad item '" +
                       std::string(item) + "')");
    point.push_back(*v);
  }
  return point;
}

std::size_t parse_count(std::string_view text, std::string_view what, std::size_t max) {
  auto v = parse_double(trim(text));
  if (!v || *v != std::floor(*v) || *v < 0)
    throw InputError(std::string(what) + ": '" + std::string(text) +
                     "' is not a whole number >= 0");
  if (*v > static_cast<double>(max))
    throw InputError(std::string(what) + ": " + std::string(text) + " is above the limit of " +
                     std::to_string(max));
  return static_cast<std::size_t>(*v);
}

double parse_number(std::string_view text, std::string_view what) {
  auto v = parse_double(trim(text));
  if (!v || std::isnan(*v))
    throw InputError(std::string(what) + ": '" + std::string(text) + "' is not a number");
  return *v;
}

Experiment load_experiment(const std::string& path) {
  check_input_file(path, "experiment file", "a TOML file", kMaxExperimentBytes);
  {
    std::ifstream probe(path);
    if (!probe) throw InputError("experiment file '" + path + "' cannot be read");
  }
  toml::table doc;
  try {
    doc = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    throw InputError(path + ":" + std::to_string(e.source().begin.line) + ":" +
                     std::to_string(e.source().begin.column) +
                     ": invalid TOML: " + std::string(e.description()));
  }

  Experiment x;
  bool optimizers_given = false;
  // Each optimizer with where it starts in the file: the TOML table lists its keys by name, so
  // `optimizers = [...]` and `[[optimizer]]` tables are put back in the file's order afterwards.
  std::vector<std::pair<std::pair<toml::source_index, toml::source_index>, OptimizerConfig>>
      optimizers;
  const auto add_optimizer = [&](const toml::node& e) {
    optimizers.emplace_back(std::pair{e.source().begin.line, e.source().begin.column},
                            optimizer_from_node(path, e));
  };
  for (auto&& [k, node] : doc) {
    const std::string key(k.str());
    if (key == "function") {
      x.function = function_from_node(path, node);
    } else if (key == "start") {
      const toml::array* a = node.as_array();
      if (!a || a->empty())
        throw InputError(where(path, node) + ": 'start' must be an array of numbers");
      std::vector<double> p;
      for (const toml::node& e : *a) {
        const double v = number_of(path, "start", e);
        if (!std::isfinite(v))
          throw InputError(where(path, e) + ": 'start' coordinates must be finite");
        p.push_back(v);
      }
      x.start = p;
    } else if (key == "steps") {
      const auto* v = node.as_integer();
      if (!v || v->get() < 0)
        throw InputError(where(path, node) + ": 'steps' must be a whole number >= 0");
      if (static_cast<std::uint64_t>(v->get()) > kMaxSteps)
        throw InputError(where(path, node) + ": 'steps' is above the limit of " +
                         std::to_string(kMaxSteps));
      x.steps = static_cast<std::size_t>(v->get());
    } else if (key == "tol") {
      x.tol = number_of(path, "tol", node);
      if (std::isnan(x.tol)) throw InputError(where(path, node) + ": 'tol' must not be nan");
    } else if (key == "optimizers") {
      const toml::array* a = node.as_array();
      if (!a) throw InputError(where(path, node) + ": 'optimizers' must be an array of specs");
      for (const toml::node& e : *a) add_optimizer(e);
      optimizers_given = true;
    } else if (key == "optimizer") {
      const toml::array* a = node.as_array();
      if (!a || !a->is_array_of_tables())
        throw InputError(where(path, node) +
                         ": 'optimizer' must be a list of tables: [[optimizer]] name = \"...\"");
      for (const toml::node& e : *a) add_optimizer(e);
      optimizers_given = true;
    } else if (key == "noise") {
      x.noise = number_of(path, key, node);
      if (!(x.noise >= 0) || !std::isfinite(x.noise))
        throw InputError(where(path, node) + ": 'noise' must be a finite number >= 0");
    } else if (key == "seed" || key == "batch") {
      const auto* v = node.as_integer();
      if (!v || v->get() < 0)
        throw InputError(where(path, node) + ": '" + key + "' must be a whole number >= 0");
      if (key == "seed")
        x.seed = static_cast<std::uint64_t>(v->get());
      else
        x.batch = static_cast<std::size_t>(v->get());
    } else if (key == "schedule") {
      x.schedule = string_of(path, key, node);
    } else if (key == "out") {
      x.out = output_path_of(path, key, node);
    } else if (key == "trajectory") {
      x.trajectory = output_path_of(path, key, node);
    } else if (key == "json") {
      x.json = output_path_of(path, key, node);
    } else {
      static const std::vector<std::string> keys = {
          "function", "start", "steps", "tol", "optimizers", "optimizer", "schedule",
          "noise",    "seed",  "batch", "out", "trajectory", "json"};
      std::string valid;
      for (const std::string& k2 : keys) valid += (valid.empty() ? "" : ", ") + k2;
      throw InputError(where(path, node) + ": unknown key '" + key + "'" + did_you_mean(key, keys) +
                       "; valid keys: " + valid);
    }
  }
  if (optimizers_given) {
    if (optimizers.empty()) throw InputError(path + ": the experiment lists no optimizer");
    std::ranges::stable_sort(optimizers, {}, [](const auto& o) { return o.first; });
    x.optimizers.clear();
    for (auto& [at, c] : optimizers) x.optimizers.push_back(std::move(c));
  }
  return x;
}

}  // namespace descent::cli

namespace descent::cli {

std::string workers_text(unsigned threads) {
  const ProcessGroup* g = shared_group();
  const std::string own = std::to_string(threads) + " thread(s)";
  return g ? std::to_string(g->size()) + " rank(s) x " + own : own;
}

unsigned parse_thread_count(std::string_view text) {
  const std::size_t t = parse_count(text, "--threads", 1024);
  if (t == 0) throw InputError("--threads: must be at least 1");
  return static_cast<unsigned>(t);
}

}  // namespace descent::cli
