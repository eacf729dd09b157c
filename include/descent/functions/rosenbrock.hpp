// descent: the Rosenbrock function, 2-D and chained n-D.
//
//     f(x) = sum_{i=1}^{n-1} 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2
//
// Parameter n (default 2). For n = 2 this is the classic banana valley 100 (y - x^2)^2 + (1 - x)^2.
// Minimizer (1, ..., 1), minimum 0 (for 4 <= n <= 7 there is also a local minimizer near
// (-1, 1, ..., 1), not listed). Gradient:
//     df/dx_i += -400 x_i (x_{i+1} - x_i^2) - 2 (1 - x_i),   df/dx_{i+1} += 200 (x_{i+1} - x_i^2)
// Default start (-1.2, 1, -1.2, 1, ...), plotted on [-2, 2] x [-1, 3].
// Source: Rosenbrock, "An automatic method for finding the greatest or least value of a
// function" (1960); the chained form of Dixon & Mills (1994).
#pragma once

#include "descent/objective.hpp"

namespace descent {

struct RosenbrockParams {
  int n = 2;  ///< dimension, >= 2
};

class Rosenbrock final : public Objective {
 public:
  /// Throws InputError if n < 2.
  explicit Rosenbrock(const RosenbrockParams& params = {});
  std::size_t dim() const override { return static_cast<std::size_t>(p_.n); }
  double value(std::span<const double> x) const override;
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override;
  void value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                std::span<double> loss, std::span<double> g) const override;
  std::string spec() const override;
  std::string formula() const override;
  std::vector<std::vector<double>> minimizers() const override;
  std::optional<double> minimum() const override { return 0.0; }
  std::vector<double> default_start() const override;
  Box bounds() const override;
  bool hessian(std::span<const double> x, std::span<double> h) const override;

 private:
  RosenbrockParams p_;
};

/// The registry entry of `rosenbrock`.
const FunctionInfo& rosenbrock_info();

}  // namespace descent
