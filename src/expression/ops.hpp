// Private: the operations of an expression's tape and their math on doubles.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>

namespace descent::detail::expression {

enum class Op : std::uint8_t {
  constant,
  variable,
  neg,
  add,
  sub,
  mul,
  div,
  square,
  pow_const,
  pow,
  sin,
  cos,
  tan,
  exp,
  log,
  sqrt,
  abs,
  tanh,
  sinh,
  cosh,
  atan,
  min,
  max
};
inline constexpr std::size_t kOpCount = static_cast<std::size_t>(Op::max) + 1;

struct Node {
  Op op;
  std::uint32_t a = 0, b = 0;  ///< operand slots (earlier nodes); 0 when unused
  double c = 0;                ///< constant value, exponent, or variable index
  std::uint32_t column = 0;    ///< where the operation was written, for messages
};

inline std::size_t var_index(const Node& n) { return static_cast<std::size_t>(n.c); }

/// The operations written as functions in the text, in the order error messages list them.
struct FunctionName {
  const char* name;
  Op op;
  int arity;
};

inline constexpr std::array<FunctionName, 13> kFunctions = {{{"sin", Op::sin, 1},
                                                             {"cos", Op::cos, 1},
                                                             {"tan", Op::tan, 1},
                                                             {"exp", Op::exp, 1},
                                                             {"log", Op::log, 1},
                                                             {"sqrt", Op::sqrt, 1},
                                                             {"abs", Op::abs, 1},
                                                             {"tanh", Op::tanh, 1},
                                                             {"sinh", Op::sinh, 1},
                                                             {"cosh", Op::cosh, 1},
                                                             {"atan", Op::atan, 1},
                                                             {"min", Op::min, 2},
                                                             {"max", Op::max, 2}}};

inline const char* op_name(Op op) {
  switch (op) {
    case Op::div:
      return "division";
    case Op::pow:
    case Op::pow_const:
      return "power";
    case Op::log:
      return "log";
    case Op::sqrt:
      return "sqrt";
    default:
      for (const auto& f : kFunctions)
        if (f.op == op) return f.name;
      return "operation";
  }
}

// One operation's value and, with Partials, its derivatives with respect to its operands a and
// b: the single place each operation's math is written (the value pass, the gradient pass and
// the constant folder all use it).
template <bool Partials>
inline double eval_op(Op op, double a, double b, double c, double& da, double& db) {
  double r = c;
  switch (op) {
    case Op::constant:
    case Op::variable:
      break;
    case Op::neg:
      r = -a;
      if constexpr (Partials) da = -1;
      break;
    case Op::add:
      r = a + b;
      if constexpr (Partials) da = db = 1;
      break;
    case Op::sub:
      r = a - b;
      if constexpr (Partials) da = 1, db = -1;
      break;
    case Op::mul:
      r = a * b;
      if constexpr (Partials) da = b, db = a;
      break;
    case Op::div:
      r = a / b;
      if constexpr (Partials) da = 1 / b, db = -r / b;
      break;
    case Op::square:
      r = a * a;
      if constexpr (Partials) da = 2 * a;
      break;
    case Op::pow_const:
      r = std::pow(a, c);
      if constexpr (Partials) da = c * std::pow(a, c - 1);
      break;
    case Op::pow:
      r = std::pow(a, b);
      if constexpr (Partials) da = b * std::pow(a, b - 1), db = r * std::log(a);
      break;
    case Op::sin:
      r = std::sin(a);
      if constexpr (Partials) da = std::cos(a);
      break;
    case Op::cos:
      r = std::cos(a);
      if constexpr (Partials) da = -std::sin(a);
      break;
    case Op::tan:
      r = std::tan(a);
      if constexpr (Partials) da = 1 + r * r;
      break;
    case Op::exp:
      r = std::exp(a);
      if constexpr (Partials) da = r;
      break;
    case Op::log:
      r = std::log(a);
      if constexpr (Partials) da = 1 / a;
      break;
    case Op::sqrt:
      r = std::sqrt(a);
      if constexpr (Partials) da = 0.5 / r;
      break;
    case Op::abs:
      r = std::abs(a);
      if constexpr (Partials) da = a > 0 ? 1.0 : (a < 0 ? -1.0 : 0.0);
      break;
    case Op::tanh:
      r = std::tanh(a);
      if constexpr (Partials) da = 1 - r * r;
      break;
    case Op::sinh:
      r = std::sinh(a);
      if constexpr (Partials) da = std::cosh(a);
      break;
    case Op::cosh:
      r = std::cosh(a);
      if constexpr (Partials) da = std::sinh(a);
      break;
    case Op::atan:
      r = std::atan(a);
      if constexpr (Partials) da = 1 / (1 + a * a);
      break;
    case Op::min:
      r = std::min(a, b);
      if constexpr (Partials) (b < a ? db : da) = 1;
      break;
    case Op::max:
      r = std::max(a, b);
      if constexpr (Partials) (b > a ? db : da) = 1;
      break;
  }
  return r;
}

/// The value of `op`.
inline double apply(Op op, double a, double b, double c) {
  double da = 0, db = 0;
  return eval_op<false>(op, a, b, c, da, db);
}

/// Whether `op` reads its operand b.
inline bool binary(Op op) {
  return op == Op::add || op == Op::sub || op == Op::mul || op == Op::div || op == Op::pow ||
         op == Op::min || op == Op::max;
}

}  // namespace descent::detail::expression
