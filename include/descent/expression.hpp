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
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "descent/objective.hpp"

namespace descent {

namespace detail::expression {
struct Tape;
}

/// A typed expression as an objective. Its copies share the parsed tape, which never changes after
/// parsing: copying is cheap, and copies may be evaluated on different threads.
class Expression final : public Objective {
 public:
  static constexpr std::size_t kMaxLength = 2000;
  static constexpr std::size_t kMaxDepth = 64;
  static constexpr std::size_t kMaxVariables = 1000;

  /// Parses `text`. Throws InputError with the column of the problem.
  explicit Expression(std::string_view text);
  // Copies only: a move copies too, so that no Expression is ever left without a tape.
  Expression(const Expression&) = default;
  Expression& operator=(const Expression&) = default;

  std::size_t dim() const override;
  double value(std::span<const double> x) const override;
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override;
  /// The tape walked once for all lanes, each operation's loop vectorized across the points.
  void value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                std::span<double> loss, std::span<double> g) const override;
  bool hessian(std::span<const double> x, std::span<double> h) const override;
  std::string spec() const override;
  std::string formula() const override;
  std::vector<double> default_start() const override;
  Box bounds() const override;
  std::string explain_non_finite(std::span<const double> x) const override;

  /// Nodes on the tape (after constant folding).
  std::size_t size() const;

 private:
  std::shared_ptr<const detail::expression::Tape> tape_;
};

/// True if `text` should be read as an expression rather than a catalog spec: it is not shaped
/// like a spec ("name" or "name:key=value,..." with a name of letters, digits and '_' that starts
/// with a letter or '_'), or it is a lone variable or constant ("x", "w3"). So "x-y", "-x", "x-1"
/// and "0" are expressions; "rosenbrock:n=3" is a spec.
bool looks_like_expression(std::string_view text);

}  // namespace descent
