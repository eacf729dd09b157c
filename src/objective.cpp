#include "descent/objective.hpp"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "descent/error.hpp"

namespace descent {

FunctionObjective::FunctionObjective(GradientFunction fn, std::size_t dim, ObjectiveInfo info)
    : fn_(std::move(fn)), dim_(dim), info_(std::move(info)) {
  if (!fn_) throw InputError("objective: the function is empty");
  if (dim_ == 0) throw InputError("objective: the dimension must be at least 1");
  const auto check = [this](std::size_t n, const char* what) {
    if (n != dim_)
      throw InputError(std::string("objective: the ") + what + " has " + std::to_string(n) +
                       " coordinates, the function " + std::to_string(dim_));
  };
  if (info_.start.empty()) info_.start.assign(dim_, 0.0);
  check(info_.start.size(), "start");
  if (info_.bounds.lower.empty() && info_.bounds.upper.empty()) {
    for (double x : info_.start) {
      info_.bounds.lower.push_back(x - 1);
      info_.bounds.upper.push_back(x + 1);
    }
  }
  check(info_.bounds.lower.size(), "lower bound");
  check(info_.bounds.upper.size(), "upper bound");
  for (const auto& m : info_.minimizers) check(m.size(), "minimizer");
}

FunctionObjective objective(GradientFunction fn, std::size_t dim, ObjectiveInfo info) {
  return FunctionObjective(std::move(fn), dim, std::move(info));
}

void Objective::set_random_state(std::string_view state) const {
  if (!state.empty())
    throw InputError("the checkpoint was written by a run with random gradients (" +
                     std::string(state) + "), and the gradients of '" + spec() +
                     "' are exact here");
}

double Objective::value(std::span<const double> x) const {
  std::vector<double> g(dim());
  return value_and_gradient(x, g);
}

namespace detail {

void check_lanes(std::size_t dim, std::size_t lanes, std::size_t x, std::size_t loss,
                 std::size_t g) {
  if (x != dim * lanes || g != dim * lanes || loss != lanes)
    throw std::invalid_argument("value_and_gradient_lanes: " + std::to_string(lanes) +
                                " lanes of dimension " + std::to_string(dim) + " need " +
                                std::to_string(dim * lanes) + " coordinates and gradients and " +
                                std::to_string(lanes) + " losses, got " + std::to_string(x) + ", " +
                                std::to_string(g) + " and " + std::to_string(loss));
}

}  // namespace detail

void Objective::value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                         std::span<double> loss, std::span<double> g) const {
  const std::size_t n = dim();
  detail::check_lanes(n, lanes, x.size(), loss.size(), g.size());
  std::vector<double> xj(n), gj(n);
  for (std::size_t j = 0; j < lanes; ++j) {
    for (std::size_t i = 0; i < n; ++i) xj[i] = x[i * lanes + j];
    loss[j] = value_and_gradient(xj, gj);
    for (std::size_t i = 0; i < n; ++i) g[i * lanes + j] = gj[i];
  }
}

}  // namespace descent
