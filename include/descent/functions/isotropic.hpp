// descent: the seed's isotropic bowl.
//
//     f(w) = w1^2 + w2^2,   grad f = (2 w1, 2 w2),   Hessian = 2 I
//
// Minimizer (0, 0), minimum 0. Condition number 1: every gradient points at the minimizer, so
// gradient descent walks straight in without zig-zag. Default start (1, 1), plotted on [-2, 2]^2.
#pragma once

#include "descent/objective.hpp"

namespace descent {

class Isotropic final : public Objective {
 public:
  std::size_t dim() const override { return 2; }
  double value(std::span<const double> x) const override;
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override;
  void value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                std::span<double> loss, std::span<double> g) const override;
  std::string spec() const override { return "isotropic"; }
  std::string formula() const override { return "w1^2 + w2^2"; }
  std::vector<std::vector<double>> minimizers() const override { return {{0.0, 0.0}}; }
  std::optional<double> minimum() const override { return 0.0; }
  std::vector<double> default_start() const override { return {1.0, 1.0}; }
  Box bounds() const override { return {{-2.0, -2.0}, {2.0, 2.0}}; }
  bool hessian(std::span<const double> x, std::span<double> h) const override;
};

/// The registry entry of `isotropic`.
const FunctionInfo& isotropic_info();

}  // namespace descent
