// descent: parsing of specs, the short text form that names an optimizer or a function with
// parameters: "name" or "name:key=value,key=value" (e.g. "momentum:lr=0.1,alpha=0.99").
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/error.hpp"
#include "descent/params.hpp"

namespace descent {

/// A spec split into its name and raw key=value pairs, in the order written.
struct Spec {
  std::string name;
  std::vector<std::pair<std::string, std::string>> args;
};

/// Splits a spec. Throws InputError for an empty name, a pair without '=', an empty key or a
/// repeated key. White space around names, keys and values is ignored.
Spec parse_spec(std::string_view text);

/// The error for `key`, which none of `infos` (the keys of `kind` `name`) is: it lists the valid
/// keys, names the closest one ("did you mean 'alpha'?"), and for an optimizer's key in the words
/// of torch.optim, optax or keras, says what descent calls it ("torch's alpha is descent's beta").
InputError unknown_key_error(std::string_view kind, std::string_view name, std::string_view key,
                             const std::vector<ParamInfo>& infos);

/// Gives every parameter of `infos` its value: the spec's where it sets one, else the default.
/// Throws InputError for an unknown key (listing the valid ones), a malformed value or a value out
/// of range. `kind` ("optimizer", "function") is used in messages.
ParamSet resolve_params(std::string_view kind, const Spec& spec,
                        const std::vector<ParamInfo>& infos);

}  // namespace descent
