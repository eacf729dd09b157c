#include "descent/spec.hpp"

#include <algorithm>

#include "descent/error.hpp"
#include "key_hints.hpp"
#include "util/text.hpp"

namespace descent {
namespace {

bool is_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// The key=value pairs of a spec, split at the commas outside brackets, so that a value written
// as a tuple, such as torch's betas=(0.9, 0.999), reaches the key check whole.
std::vector<std::string_view> split_pairs(std::string_view text) {
  std::vector<std::string_view> out;
  int depth = 0;
  std::size_t begin = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '(' || c == '[') ++depth;
    if ((c == ')' || c == ']') && depth > 0) --depth;
    if (c == ',' && depth == 0) {
      out.push_back(text.substr(begin, i - begin));
      begin = i + 1;
    }
  }
  out.push_back(text.substr(begin));
  return out;
}

}  // namespace

InputError unknown_key_error(std::string_view kind, std::string_view name, std::string_view key,
                             const std::vector<ParamInfo>& infos) {
  std::string valid;
  std::vector<std::string> names;
  for (const auto& p : infos) {
    valid += (valid.empty() ? "" : ", ") + p.name;
    names.push_back(p.name);
  }
  std::string message = "unknown key '" + std::string(key) + "' for " + std::string(kind) + " '" +
                        std::string(name) + "'";
  const std::string hint = kind == "optimizer" ? foreign_key_hint(name, key, names) : std::string();
  message += hint.empty() ? did_you_mean(key, names) : ": " + hint;
  return InputError(message +
                    "; valid keys: " + (valid.empty() ? "none (it takes no parameters)" : valid));
}

Spec parse_spec(std::string_view text) {
  const std::string whole(text);
  const auto fail = [&](const std::string& why) {
    return InputError("malformed spec '" + whole + "': " + why +
                      " (expected name or name:key=value,key=value)");
  };
  Spec spec;
  const auto colon = text.find(':');
  spec.name = std::string(trim(text.substr(0, colon)));
  if (spec.name.empty()) throw fail("the name is empty");
  if (!is_identifier(spec.name)) throw fail("the name '" + spec.name + "' has invalid characters");
  if (colon == std::string_view::npos) return spec;
  std::string_view rest = text.substr(colon + 1);
  if (trim(rest).empty()) throw fail("nothing follows ':'");
  for (const std::string_view piece : split_pairs(rest)) {
    const std::string_view pair = trim(piece);
    const auto eq = pair.find('=');
    if (pair.empty()) throw fail("an empty key=value pair");
    if (eq == std::string_view::npos) throw fail("'" + std::string(pair) + "' has no '='");
    std::string key(trim(pair.substr(0, eq)));
    std::string value(trim(pair.substr(eq + 1)));
    if (!is_identifier(key)) throw fail("'" + std::string(pair) + "' has no valid key");
    if (value.empty()) throw fail("'" + key + "' has no value");
    for (const auto& [k, v] : spec.args)
      if (k == key) throw fail("'" + key + "' is given twice");
    spec.args.emplace_back(std::move(key), std::move(value));
  }
  return spec;
}

ParamSet resolve_params(std::string_view kind, const Spec& spec,
                        const std::vector<ParamInfo>& infos) {
  const std::string owner = std::string(kind) + " '" + spec.name + "'";
  ParamSet values = default_params(infos);
  for (const auto& arg : spec.args) {
    const std::string& key = arg.first;
    const std::string& text = arg.second;
    auto it =
        std::find_if(infos.begin(), infos.end(), [&](const auto& p) { return p.name == key; });
    if (it == infos.end()) throw unknown_key_error(kind, spec.name, key, infos);
    try {
      if (it->is_list()) {
        std::vector<double> list = it->parse_list(text);
        if (auto err = it->check_list(list)) throw InputError(*err);
        values.set_list(key, std::move(list));
      } else {
        const double v = it->parse(text);
        if (auto err = it->check(v)) throw InputError(*err);
        values.set(key, v);
      }
    } catch (const InputError& e) {
      throw InputError(owner + ": " + e.what());
    }
  }
  return values;
}

}  // namespace descent
