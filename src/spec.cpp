#include "descent/spec.hpp"

#include <algorithm>

#include "descent/error.hpp"
#include "util/text.hpp"

namespace descent {
namespace {

bool is_identifier(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

}  // namespace

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
  for (const std::string_view piece : split_list(rest, ',')) {
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
    if (it == infos.end()) {
      std::string valid;
      for (const auto& p : infos) valid += (valid.empty() ? "" : ", ") + p.name;
      throw InputError("unknown key '" + key + "' for " + owner + "; valid keys: " +
                       (valid.empty() ? "none (it takes no parameters)" : valid));
    }
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
