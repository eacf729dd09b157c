// One point at a time: the value pass, the value and gradient (a forward pass that keeps each
// operation's partials, then a reverse pass of adjoints), and the explanation of a non-finite
// value.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/expression.hpp"
#include "expression/ops.hpp"
#include "expression/tape.hpp"

namespace descent::detail::expression {

namespace {

// Small tapes (the common case) keep their slots on the stack.
constexpr std::size_t kStack = 64;

// v[i] = the value of node i, for every node.
void values(const Tape& t, std::span<const double> x, double* v) {
  v[0] = 0.0;  // operands default to slot 0, which constants and variables read and ignore
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    const Node& n = t.nodes[i];
    // A unary operation's b is slot 0, already computed, which apply() ignores.
    v[i] = n.op == Op::variable ? x[var_index(n)] : apply(n.op, v[n.a], v[n.b], n.c);
  }
}

double value(const Tape& t, std::span<const double> x) {
  if (t.nodes.empty()) return 0.0;  // never: parsing leaves at least one node
  double stack[kStack];
  std::vector<double> heap;
  double* v = stack;
  if (t.nodes.size() > kStack) {
    heap.resize(t.nodes.size());
    v = heap.data();
  }
  values(t, x, v);
  return v[t.nodes.size() - 1];
}

// Forward: each node's value and its partial derivatives with respect to its operands a and b.
// Backward: adjoints flow through those partials with no second dispatch on the operation.
double value_and_gradient(const Tape& t, std::span<const double> x, std::span<double> g) {
  double stack[4 * kStack];
  std::vector<double> heap;
  const std::size_t n = t.nodes.size();
  if (n == 0) return 0.0;  // never: parsing leaves at least one node
  double* v = stack;
  if (n > kStack) {
    heap.resize(4 * n);
    v = heap.data();
  }
  double* pa = v + n;
  double* pb = pa + n;
  double* adj = pb + n;
  // Leaves first (constants and variables), then only the operations are dispatched. Only the
  // operations' partials are written and read.
  for (std::size_t i = 0; i < n; ++i) adj[i] = 0.0;
  for (const auto& [slot, c] : t.constants) v[slot] = c;
  for (const auto& [slot, k] : t.variables) v[slot] = x[k];
  for (const std::uint32_t i : t.operations) {
    const Node& nd = t.nodes[i];
    double da = 0, db = 0;
    const double r = evaluate(nd.op, v[nd.a], v[nd.b], nd.c, da, db);
    v[i] = r;
    pa[i] = da;
    pb[i] = db;
  }
  adj[n - 1] = 1.0;
  for (std::size_t k = t.operations.size(); k-- > 0;) {
    const std::uint32_t i = t.operations[k];
    const double w = adj[i];
    if (w == 0.0) continue;
    const Node& nd = t.nodes[i];
    if (pa[i] != 0.0) adj[nd.a] += w * pa[i];
    if (pb[i] != 0.0) adj[nd.b] += w * pb[i];
  }
  std::fill(g.begin(), g.end(), 0.0);
  for (std::size_t k = t.variables.size(); k-- > 0;)
    g[t.variables[k].second] += adj[t.variables[k].first];
  return v[n - 1];
}

// The first operation whose value is not finite though its operands are, and why.
std::string explain_non_finite(const Tape& t, std::span<const double> x) {
  std::vector<double> v(t.nodes.size());
  values(t, x, v.data());
  for (std::size_t i = 0; i < t.nodes.size(); ++i) {
    const Node& n = t.nodes[i];
    if (std::isfinite(v[i]) || n.op == Op::constant || n.op == Op::variable) continue;
    const double a = v[n.a], b = binary(n.op) ? v[n.b] : 0.0;
    if (!std::isfinite(a) || !std::isfinite(b)) continue;  // an operand already failed
    const std::string at = " at column " + std::to_string(n.column);
    if (n.op == Op::log && a <= 0) return (a == 0 ? "log of 0" : "log of a negative number") + at;
    if (n.op == Op::sqrt && a < 0) return "sqrt of a negative number" + at;
    if (n.op == Op::div && b == 0) return "division by zero" + at;
    // a^b, b an operand (pow) or the node's constant (pow_const).
    const bool power = n.op == Op::pow || n.op == Op::pow_const;
    const double exponent = n.op == Op::pow_const ? n.c : b;
    if (power && a < 0 && exponent != std::floor(exponent))
      return "a negative number to a fractional power" + at;
    if (power && a == 0 && exponent < 0) return "0 to a negative power" + at;
    return std::string(info(n.op).noun) + " overflowed" + at;
  }
  return {};
}

}  // namespace

}  // namespace descent::detail::expression

namespace descent {

double Expression::value(std::span<const double> x) const {
  return detail::expression::value(*tape_, x);
}

double Expression::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  return detail::expression::value_and_gradient(*tape_, x, g);
}

std::string Expression::explain_non_finite(std::span<const double> x) const {
  return detail::expression::explain_non_finite(*tape_, x);
}

}  // namespace descent
