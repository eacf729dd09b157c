// Private: how a run words a non-finite value, shared by run() and the lane engine.
#pragma once

#include <optional>
#include <span>
#include <string>

#include "descent/objective.hpp"

namespace descent::detail {

/// Names the first non-finite number among the point, the loss and the gradient, with the
/// function's explanation when it has one ("loss is inf (log of 0 at column 5)"); nothing if all
/// are finite.
std::optional<std::string> non_finite(const Objective& f, std::span<const double> w, double loss,
                                      std::span<const double> g);

/// The message of the InputError for a start point where the function is not finite.
std::string not_finite_at_start(const Objective& f, std::span<const double> w,
                                const std::string& what);

}  // namespace descent::detail
