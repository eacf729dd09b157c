// Private: the formulas of the 2-D functions whose evaluation the sweep engine fuses with an
// optimizer's step (fused_lanes.hpp). Each formula is written once here and used by its
// function's value_and_gradient, its lanes and the fused loop, so all three compute the same bits.
#pragma once

#include <cmath>
#include <numbers>
#include <optional>
#include <utility>
#include <variant>

#include "descent/objective.hpp"

namespace descent::detail {

/// The round bowl w1^2 + w2^2.
struct BowlFormula {
  double operator()(double x0, double x1, double& g0, double& g1) const {
    g0 = 2 * x0;
    g1 = 2 * x1;
    return x0 * x0 + x1 * x1;
  }
};

/// The valley w1^2 + r*w2^2 along the axes, in the seed's arithmetic.
struct AxisValleyFormula {
  double r;
  double value(double x0, double x1) const { return x0 * x0 + r * (x1 * x1); }
  double operator()(double x0, double x1, double& g0, double& g1) const {
    g0 = 2 * x0;
    g1 = (2 * r) * x1;
    return value(x0, x1);
  }
};

/// The valley turned by an angle with cosine c and sine s: u^2 + r*v^2 in the turned
/// coordinates u = c*x0 + s*x1, v = -s*x0 + c*x1.
struct TurnedValleyFormula {
  double r, c, s;
  double value(double x0, double x1) const {
    const double u = c * x0 + s * x1, v = -s * x0 + c * x1;
    return u * u + r * (v * v);
  }
  double operator()(double x0, double x1, double& g0, double& g1) const {
    const double u = c * x0 + s * x1, v = -s * x0 + c * x1;
    g0 = 2 * (c * u - r * s * v);
    g1 = 2 * (s * u + r * c * v);
    return u * u + r * (v * v);
  }
};

/// The cosine and sine of an angle in degrees, as the valley computes them.
inline std::pair<double, double> valley_turn(double degrees) {
  const double rad = degrees * std::numbers::pi / 180.0;
  return {std::cos(rad), std::sin(rad)};
}

/// A formula the fused loop knows.
using Formula2 = std::variant<BowlFormula, AxisValleyFormula, TurnedValleyFormula>;

/// The formula of `f` when it is one of the functions above, else nothing.
std::optional<Formula2> formula2_of(const Objective& f);

}  // namespace descent::detail
