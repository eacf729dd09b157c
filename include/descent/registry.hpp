// descent: the registry, the one list of every optimizer and function descent knows. The
// command-line program, the documentation and the tests are all driven from it.
#pragma once

#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "descent/objective.hpp"
#include "descent/optimizer.hpp"

namespace descent {

/// Every optimizer, in the order they are listed to users.
const std::vector<const OptimizerInfo*>& optimizer_catalog();
/// Every function, in the order they are listed to users.
const std::vector<const FunctionInfo*>& function_catalog();

/// Adds an optimizer to the catalog (a project's own; see register_rule in elementwise.hpp for an
/// elementwise rule). `info` must outlive every use of the registry. Throws std::invalid_argument
/// for an entry without a name or factories, or a name already taken. Register at start-up,
/// before the registry is used from several threads.
void register_optimizer(const OptimizerInfo& info);

/// The optimizer called `name`. Throws InputError listing the valid names if there is none.
const OptimizerInfo& find_optimizer(std::string_view name);
/// The function called `name`. Throws InputError listing the valid names if there is none.
const FunctionInfo& find_function(std::string_view name);

/// Makes an optimizer from a spec such as "momentum:lr=0.1,alpha=0.99"
/// (OptimizerConfig::parse(spec).make<T>()). Throws InputError for an unknown name or key, a
/// malformed value or a value out of range.
template <std::floating_point T = double>
std::unique_ptr<Optimizer<T>> make_optimizer(std::string_view spec);

/// Makes a function from a spec such as "anisotropic:ratio=8", or from an expression such as
/// "w1^2 + 8*w2^2" (any text that is not a spec naming a catalog function; see expression.hpp).
/// Throws InputError as above, or with the column of a malformed expression.
std::unique_ptr<Objective> make_function(std::string_view spec);

/// What make_function(spec) would cost, found without building the function (an expression is
/// parsed, which is cheap: its text is at most 2,000 characters). Throws InputError for a spec
/// that make_function refuses before building.
FunctionCost function_cost(std::string_view spec);

/// A short label for an optimizer spec, for tables and legends: the name, the keys marked
/// always_shown (lr, and momentum's alpha, RMSProp's beta), the keys that differ from their
/// defaults, and any "@schedule". "momentum:lr=0.1,alpha=0.9,dampening=0,weight_decay=0" gives
/// "momentum:lr=0.1,alpha=0.9"; a grouped spec gives each group's label ("hidden=muon:lr=0.02
/// rest=adamw:lr=0.001"). A spec that does not parse is returned as it is.
std::string short_label(std::string_view spec);

extern template std::unique_ptr<Optimizer<float>> make_optimizer<float>(std::string_view);
extern template std::unique_ptr<Optimizer<double>> make_optimizer<double>(std::string_view);

}  // namespace descent
