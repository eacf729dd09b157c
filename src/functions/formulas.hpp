// Private: the formulas of the 2-D functions whose evaluation the sweep engine fuses with an
// optimizer's step (engine/fused.hpp). Each formula is written once here and used by its
// function's value_and_gradient, its lanes and the fused loop, so all three compute the same bits.
// The fused loop calls them with T a vector of doubles (engine/fused.hpp), whose arithmetic is the
// same IEEE operations on every element; elsewhere T is double.
#pragma once

#include <cmath>
#include <numbers>
#include <optional>
#include <utility>
#include <variant>

#include "descent/objective.hpp"

namespace descent::detail {

/// The valley w1^2 + r*w2^2 along the axes, in the seed's arithmetic. With r = 1 it is the round
/// bowl w1^2 + w2^2, bit for bit (1*(w2*w2) and (2*1)*w2 are exact).
struct AxisValleyFormula {
  double r;
  template <class T>
  [[gnu::always_inline]] T value(T x0, T x1) const {
    return x0 * x0 + r * (x1 * x1);
  }
  template <class T>
  [[gnu::always_inline]] T operator()(T x0, T x1, T& g0, T& g1) const {
    g0 = 2.0 * x0;
    g1 = (2 * r) * x1;
    return value(x0, x1);
  }
};

/// The valley turned by an angle with cosine c and sine s: u^2 + r*v^2 in the turned
/// coordinates u = c*x0 + s*x1, v = -s*x0 + c*x1.
struct TurnedValleyFormula {
  double r, c, s;
  template <class T>
  [[gnu::always_inline]] T value(T x0, T x1) const {
    const T u = c * x0 + s * x1, v = -s * x0 + c * x1;
    return u * u + r * (v * v);
  }
  template <class T>
  [[gnu::always_inline]] T operator()(T x0, T x1, T& g0, T& g1) const {
    const T u = c * x0 + s * x1, v = -s * x0 + c * x1;
    g0 = 2.0 * (c * u - r * s * v);
    g1 = 2.0 * (s * u + r * c * v);
    return u * u + r * (v * v);
  }
};

/// The cosine and sine of an angle in degrees, as the valley computes them.
inline std::pair<double, double> valley_turn(double degrees) {
  const double rad = degrees * std::numbers::pi / 180.0;
  return {std::cos(rad), std::sin(rad)};
}

/// A formula the fused loop knows.
using Formula2 = std::variant<AxisValleyFormula, TurnedValleyFormula>;

/// The formula of `f` when it is one of the functions above, else nothing.
std::optional<Formula2> formula2_of(const Objective& f);

}  // namespace descent::detail
