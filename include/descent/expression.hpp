// descent: functions typed as text, e.g. "w1^2 + 8*w2^2" or "(1 - x)^2 + 100*(y - x^2)^2".
//
// Grammar (usual precedence; ^ binds tighter than unary minus and is right-associative, so
// -x^2 = -(x^2) and 2^3^2 = 2^9):
//     expr    := term (('+' | '-') term)*
//     term    := unary (('*' | '/') unary)*
//     unary   := ('-' | '+') unary | power
//     power   := primary ('^' unary)?
//     primary := number | variable | constant | function '(' expr [',' expr] ')' | '(' expr ')'
// Variables w1, w2, ..., wn (or x, y, z for w1, w2, w3); constants pi and e; functions sin cos tan
// exp log sqrt abs tanh sinh cosh atan (one argument) and min max (two). The dimension is the
// highest variable index used.
//
// The text is parsed once into a tape (constants folded). The value comes from one pass over it,
// the exact gradient from a reverse (adjoint) pass, the exact Hessian from forward passes with
// hyper-dual numbers. x^2 is evaluated as x*x, so "w1^2 + 8*w2^2" computes exactly what
// `anisotropic` does, bit for bit.
//
// Errors name the column: "unexpected ')' at column 7". Texts longer than 2000 characters or
// nested deeper than 64 levels are refused (the length bounds the tape: at most one node per
// character). A value outside a function's
// domain (log of a negative number, division by zero) makes the value non-finite; the runner
// then ends that run and explain_non_finite() says which operation failed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/objective.hpp"

namespace descent {

class Expression final : public Objective {
 public:
  static constexpr std::size_t kMaxLength = 2000;
  static constexpr std::size_t kMaxDepth = 64;
  static constexpr std::size_t kMaxVariables = 1000;

  /// Parses `text`. Throws InputError with the column of the problem.
  explicit Expression(std::string_view text);

  std::size_t dim() const override { return dim_; }
  double value(std::span<const double> x) const override;
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override;
  /// The tape walked once for all lanes, each operation's loop vectorized across the points.
  void value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                std::span<double> loss, std::span<double> g) const override;
  bool hessian(std::span<const double> x, std::span<double> h) const override;
  std::string spec() const override { return text_; }
  std::string formula() const override { return text_; }
  std::vector<double> default_start() const override { return std::vector<double>(dim_, 1.0); }
  Box bounds() const override {
    return {std::vector<double>(dim_, -2.0), std::vector<double>(dim_, 2.0)};
  }
  std::string explain_non_finite(std::span<const double> x) const override;

  /// Nodes on the tape (after constant folding).
  std::size_t size() const { return tape_.size(); }

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
  struct Node {
    Op op;
    std::uint32_t a = 0, b = 0;  ///< operand slots (earlier nodes); 0 when unused
    double c = 0;                ///< constant value, exponent, or variable index
    std::uint32_t column = 0;    ///< where the operation was written, for messages
  };

 private:
  std::string text_;
  std::vector<Node> tape_;
  std::vector<std::uint32_t> operations_;  ///< the nodes that are neither constants nor variables
  std::vector<std::pair<std::uint32_t, double>> constants_;         ///< (slot, value)
  std::vector<std::pair<std::uint32_t, std::uint32_t>> variables_;  ///< (slot, variable index)
  std::size_t dim_ = 1;
  // The layout of value_and_gradient_lanes' rows, planned once after parsing: per slot, the row
  // of its values (constants and operations), of its adjoints (variables and operations) and of
  // its stored partials (a, then b at +1), or -1; and for each contribution the backward pass
  // makes, whether it is the first to reach its target (then it initializes the row).
  struct LaneSlot {
    std::int32_t value = -1, adjoint = -1, partials = -1;
    bool first_a = false, first_b = false;
  };
  std::vector<LaneSlot> lane_slots_;
  std::size_t lane_rows_ = 0;
  // Per entry of variables_: whether it is the first, in the backward order, to add to its
  // variable's gradient (then it sets it). And the variables the text does not use (gradient 0).
  std::vector<bool> gradient_first_;
  std::vector<std::uint32_t> unused_variables_;
  // Names this tape for the rows of constants and the output's seed, which stay filled between
  // calls on one thread (copies share it: they hold the same constants).
  std::uint64_t lane_id_ = 0;
  void plan_lanes();
  friend class ExpressionParser;
};

/// True if `text` should be read as an expression rather than a catalog spec: it is not shaped
/// like a spec ("name" or "name:key=value,..."), or it is a lone variable or constant ("x", "w3").
bool looks_like_expression(std::string_view text);

}  // namespace descent
