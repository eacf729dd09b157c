#include "descent/expression.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <cmath>
#include <numbers>
#include <optional>
#include <utility>
#include <vector>

#include "descent/error.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "descent/spec.hpp"
#include "descent/detail/simd_map.hpp"

namespace descent {

namespace {

using Op = Expression::Op;
using Node = Expression::Node;

struct FunctionName {
  const char* name;
  Op op;
  int arity;
};

constexpr std::array<FunctionName, 13> kFunctions = {{{"sin", Op::sin, 1},
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

const char* op_name(Op op) {
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

double apply(Op op, double a, double b, double c) {
  double da = 0, db = 0;
  return eval_op<false>(op, a, b, c, da, db);
}

std::size_t var_index(const Node& n) { return static_cast<std::size_t>(n.c); }

bool binary(Op op) {
  return op == Op::add || op == Op::sub || op == Op::mul || op == Op::div || op == Op::pow ||
         op == Op::min || op == Op::max;
}

}  // namespace

// Recursive descent over the grammar in the header, emitting tape nodes as it goes.
class ExpressionParser {
 public:
  ExpressionParser(std::string_view text, Expression& out) : s_(text), out_(out) {}

  void parse() {
    if (s_.size() > Expression::kMaxLength)
      throw InputError("expression is " + std::to_string(s_.size()) + " characters long; at most " +
                       std::to_string(Expression::kMaxLength) + " are allowed");
    skip();
    if (pos_ >= s_.size()) throw InputError("the expression is empty");
    expr(0);
    skip();
    if (pos_ < s_.size()) fail_unexpected("an operator");
    std::size_t dim = 1;
    for (std::size_t i = 0; i < out_.tape_.size(); ++i) {
      const Node& n = out_.tape_[i];
      if (n.op == Op::variable) dim = std::max(dim, var_index(n) + 1);
      const auto slot = static_cast<std::uint32_t>(i);
      if (n.op == Op::variable)
        out_.variables_.emplace_back(slot, static_cast<std::uint32_t>(var_index(n)));
      else if (n.op == Op::constant)
        out_.constants_.emplace_back(slot, n.c);
      else
        out_.operations_.push_back(slot);
    }
    out_.dim_ = dim;
    out_.plan_lanes();
  }

 private:
  std::uint32_t column() const { return static_cast<std::uint32_t>(pos_ + 1); }

  [[noreturn]] void fail(const std::string& what, std::size_t at,
                         const std::string& more = "") const {
    throw InputError(what + " at column " + std::to_string(at + 1) + more);
  }
  [[noreturn]] void fail_unexpected(const char* expected) const {
    if (pos_ >= s_.size())
      throw InputError(std::string("unexpected end of expression (expected ") + expected + ")");
    fail("unexpected '" + std::string(1, s_[pos_]) + "'", pos_);
  }

  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }

  std::uint32_t emit(Node n) {
    // Fold operations on constants.
    const auto is_const = [&](std::uint32_t i) { return out_.tape_[i].op == Op::constant; };
    if (n.op != Op::constant && n.op != Op::variable) {
      const bool two = binary(n.op);
      if (is_const(n.a) && (!two || is_const(n.b))) {
        const double v = apply(n.op, out_.tape_[n.a].c, two ? out_.tape_[n.b].c : 0.0, n.c);
        n = Node{Op::constant, 0, 0, v, n.column};
      }
    }
    out_.tape_.push_back(n);
    return static_cast<std::uint32_t>(out_.tape_.size() - 1);
  }

  void enter() {
    if (++depth_ > Expression::kMaxDepth)
      fail("the expression is nested more than " + std::to_string(Expression::kMaxDepth) +
               " levels deep",
           pos_);
  }

  std::uint32_t expr(int) {
    enter();
    std::uint32_t left = term();
    for (skip(); pos_ < s_.size() && (s_[pos_] == '+' || s_[pos_] == '-'); skip()) {
      const char op = s_[pos_];
      const std::uint32_t col = column();
      ++pos_;
      const std::uint32_t right = term();
      left = emit({op == '+' ? Op::add : Op::sub, left, right, 0, col});
    }
    --depth_;
    return left;
  }

  std::uint32_t term() {
    std::uint32_t left = unary();
    for (skip(); pos_ < s_.size() && (s_[pos_] == '*' || s_[pos_] == '/'); skip()) {
      const char op = s_[pos_];
      const std::uint32_t col = column();
      ++pos_;
      const std::uint32_t right = unary();
      left = emit({op == '*' ? Op::mul : Op::div, left, right, 0, col});
    }
    return left;
  }

  std::uint32_t unary() {
    enter();
    skip();
    std::uint32_t r;
    if (pos_ < s_.size() && (s_[pos_] == '-' || s_[pos_] == '+')) {
      const bool minus = s_[pos_] == '-';
      const std::uint32_t col = column();
      ++pos_;
      r = unary();
      if (minus) r = emit({Op::neg, r, 0, 0, col});
    } else {
      r = power();
    }
    --depth_;
    return r;
  }

  std::uint32_t power() {
    const std::uint32_t base = primary();
    skip();
    if (pos_ < s_.size() && s_[pos_] == '^') {
      const std::uint32_t col = column();
      ++pos_;
      const std::uint32_t exponent = unary();
      const Node e = out_.tape_[exponent];
      if (e.op == Op::constant) {
        // The exponent becomes part of the operation: drop its node (the last one emitted).
        if (exponent + 1 == out_.tape_.size() && exponent != base) out_.tape_.pop_back();
        if (e.c == 2.0) return emit({Op::square, base, 0, 0, col});
        return emit({Op::pow_const, base, 0, e.c, col});
      }
      return emit({Op::pow, base, exponent, 0, col});
    }
    return base;
  }

  std::uint32_t primary() {
    skip();
    if (pos_ >= s_.size()) fail_unexpected("a number, a variable or '('");
    const char ch = s_[pos_];
    const std::uint32_t col = column();
    if (ch == '(') {
      const std::size_t open = pos_;
      ++pos_;
      const std::uint32_t inner = expr(0);
      skip();
      if (pos_ >= s_.size() || s_[pos_] != ')') {
        if (pos_ >= s_.size()) fail("missing ')' for the '('", open);
        fail_unexpected("')'");
      }
      ++pos_;
      return inner;
    }
    if ((ch >= '0' && ch <= '9') || ch == '.') return number();
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_') {
      const std::size_t start = pos_;
      while (pos_ < s_.size() &&
             (std::isalnum(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '_'))
        ++pos_;
      const std::string name(s_.substr(start, pos_ - start));
      if (name == "pi") return emit({Op::constant, 0, 0, std::numbers::pi, col});
      if (name == "e") return emit({Op::constant, 0, 0, std::numbers::e, col});
      if (name == "x" || name == "y" || name == "z")
        return emit({Op::variable, 0, 0, static_cast<double>(name[0] - 'x'), col});
      if (name.size() > 1 && name[0] == 'w' &&
          std::all_of(name.begin() + 1, name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        std::size_t k = 0;
        const auto [p, ec] = std::from_chars(name.data() + 1, name.data() + name.size(), k);
        if (ec != std::errc() || k < 1 || k > Expression::kMaxVariables)
          fail("variable '" + name + "' is out of range w1..w" +
                   std::to_string(Expression::kMaxVariables),
               start);
        return emit({Op::variable, 0, 0, static_cast<double>(k - 1), col});
      }
      for (const auto& f : kFunctions) {
        if (name != f.name) continue;
        skip();
        if (pos_ >= s_.size() || s_[pos_] != '(')
          fail(std::string("'") + f.name + "' needs its argument in parentheses", start);
        const std::size_t open = pos_;
        ++pos_;
        const std::uint32_t a = expr(0);
        std::uint32_t b = 0;
        skip();
        if (f.arity == 2) {
          if (pos_ >= s_.size() || s_[pos_] != ',')
            fail(std::string("'") + f.name + "' takes 2 arguments", start);
          ++pos_;
          b = expr(0);
          skip();
        }
        if (pos_ < s_.size() && s_[pos_] == ',')
          fail(std::string("'") + f.name + "' takes " + std::to_string(f.arity) + " argument" +
                   (f.arity == 1 ? "" : "s"),
               start);
        if (pos_ >= s_.size()) fail("missing ')' for the '('", open);
        if (s_[pos_] != ')') fail_unexpected("')'");
        ++pos_;
        return emit({f.op, a, b, 0, static_cast<std::uint32_t>(start + 1)});
      }
      std::string functions;
      for (const auto& f : kFunctions)
        functions += (functions.empty() ? "" : ", ") + std::string(f.name);
      fail("unknown name '" + name + "'", start,
           " (variables: w1..wn or x, y, z; constants: pi, e; functions: " + functions + ")");
    }
    fail_unexpected("a number, a variable or '('");
  }

  std::uint32_t number() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && ((s_[pos_] >= '0' && s_[pos_] <= '9') || s_[pos_] == '.')) ++pos_;
    if (pos_ < s_.size() && (s_[pos_] == 'e' || s_[pos_] == 'E')) {
      std::size_t q = pos_ + 1;
      if (q < s_.size() && (s_[q] == '+' || s_[q] == '-')) ++q;
      if (q < s_.size() && s_[q] >= '0' && s_[q] <= '9') {
        pos_ = q;
        while (pos_ < s_.size() && s_[pos_] >= '0' && s_[pos_] <= '9') ++pos_;
      }
    }
    const auto v = parse_double(s_.substr(start, pos_ - start));
    if (!v) fail("malformed number '" + std::string(s_.substr(start, pos_ - start)) + "'", start);
    return emit({Op::constant, 0, 0, *v, static_cast<std::uint32_t>(start + 1)});
  }

  std::string_view s_;
  Expression& out_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
};

namespace {

// A hyper-dual number: value, two first derivatives along directions 1 and 2, and the mixed
// second derivative. Evaluating with seeds (e_i, e_j) gives d2f/dxi dxj.
struct Hyper {
  double v = 0, d1 = 0, d2 = 0, d12 = 0;
};

// f(x) with f', f'' at x.value, lifted to hyper-duals.
Hyper chain(const Hyper& x, double f, double df, double ddf) {
  return {f, df * x.d1, df * x.d2, df * x.d12 + ddf * x.d1 * x.d2};
}

Hyper operator+(const Hyper& a, const Hyper& b) {
  return {a.v + b.v, a.d1 + b.d1, a.d2 + b.d2, a.d12 + b.d12};
}
Hyper operator-(const Hyper& a, const Hyper& b) {
  return {a.v - b.v, a.d1 - b.d1, a.d2 - b.d2, a.d12 - b.d12};
}
Hyper operator*(const Hyper& a, const Hyper& b) {
  return {a.v * b.v, a.d1 * b.v + a.v * b.d1, a.d2 * b.v + a.v * b.d2,
          a.d12 * b.v + a.d1 * b.d2 + a.d2 * b.d1 + a.v * b.d12};
}
Hyper inverse(const Hyper& b) {
  const double i = 1 / b.v;
  return chain(b, i, -i * i, 2 * i * i * i);
}

Hyper apply_hyper(Op op, const Hyper& a, const Hyper& b, double c) {
  switch (op) {
    case Op::neg:
      return {-a.v, -a.d1, -a.d2, -a.d12};
    case Op::add:
      return a + b;
    case Op::sub:
      return a - b;
    case Op::mul:
      return a * b;
    case Op::div:
      return a * inverse(b);
    case Op::square:
      return a * a;
    case Op::pow_const:
      return chain(a, std::pow(a.v, c), c * std::pow(a.v, c - 1),
                   c * (c - 1) * std::pow(a.v, c - 2));
    case Op::pow: {
      // a^b = exp(b log a)
      const Hyper la = chain(a, std::log(a.v), 1 / a.v, -1 / (a.v * a.v));
      const Hyper p = b * la;
      const double e = std::exp(p.v);
      return chain(p, e, e, e);
    }
    case Op::sin:
      return chain(a, std::sin(a.v), std::cos(a.v), -std::sin(a.v));
    case Op::cos:
      return chain(a, std::cos(a.v), -std::sin(a.v), -std::cos(a.v));
    case Op::tan: {
      const double t = std::tan(a.v), s = 1 + t * t;
      return chain(a, t, s, 2 * t * s);
    }
    case Op::exp: {
      const double e = std::exp(a.v);
      return chain(a, e, e, e);
    }
    case Op::log:
      return chain(a, std::log(a.v), 1 / a.v, -1 / (a.v * a.v));
    case Op::sqrt: {
      const double r = std::sqrt(a.v);
      return chain(a, r, 0.5 / r, -0.25 / (r * a.v));
    }
    case Op::abs: {
      const double s = a.v > 0 ? 1.0 : (a.v < 0 ? -1.0 : 0.0);
      return chain(a, std::abs(a.v), s, 0.0);
    }
    case Op::tanh: {
      const double t = std::tanh(a.v), s = 1 - t * t;
      return chain(a, t, s, -2 * t * s);
    }
    case Op::sinh:
      return chain(a, std::sinh(a.v), std::cosh(a.v), std::sinh(a.v));
    case Op::cosh:
      return chain(a, std::cosh(a.v), std::sinh(a.v), std::cosh(a.v));
    case Op::atan: {
      const double q = 1 + a.v * a.v;
      return chain(a, std::atan(a.v), 1 / q, -2 * a.v / (q * q));
    }
    case Op::min:
      return b.v < a.v ? b : a;
    case Op::max:
      return b.v > a.v ? b : a;
    case Op::constant:
    case Op::variable:
      break;
  }
  return {c, 0, 0, 0};
}

}  // namespace

Expression::Expression(std::string_view text) {
  // Trim surrounding blanks; the spec is the text as written otherwise.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  text_ = std::string(text);
  ExpressionParser(text_, *this).parse();
}

double Expression::value(std::span<const double> x) const {
  if (tape_.empty()) return 0.0;  // never: parsing leaves at least one node
  // Small tapes (the common case) keep their slots on the stack.
  constexpr std::size_t kStack = 64;
  double stack[kStack];
  std::vector<double> heap;
  double* v = stack;
  if (tape_.size() > kStack) {
    heap.resize(tape_.size());
    v = heap.data();
  }
  v[0] = 0.0;  // operands default to slot 0, which constants and variables read and ignore
  for (std::size_t i = 0; i < tape_.size(); ++i) {
    const Node& n = tape_[i];
    // A unary operation's b is slot 0, already computed, which apply() ignores.
    v[i] = n.op == Op::variable ? x[var_index(n)] : apply(n.op, v[n.a], v[n.b], n.c);
  }
  return v[tape_.size() - 1];
}

double Expression::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  // Forward: each node's value and its partial derivatives with respect to its operands a and b.
  // Backward: adjoints flow through those partials with no second dispatch on the operation.
  constexpr std::size_t kStack = 64;
  double stack[4 * kStack];
  std::vector<double> heap;
  const std::size_t n = tape_.size();
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
  for (const auto& [slot, c] : constants_) v[slot] = c;
  for (const auto& [slot, k] : variables_) v[slot] = x[k];
  for (const std::uint32_t i : operations_) {
    const Node& nd = tape_[i];
    double da = 0, db = 0;
    const double r = eval_op<true>(nd.op, v[nd.a], v[nd.b], nd.c, da, db);
    v[i] = r;
    pa[i] = da;
    pb[i] = db;
  }
  adj[n - 1] = 1.0;
  for (std::size_t k = operations_.size(); k-- > 0;) {
    const std::uint32_t i = operations_[k];
    const double w = adj[i];
    if (w == 0.0) continue;
    const Node& nd = tape_[i];
    if (pa[i] != 0.0) adj[nd.a] += w * pa[i];
    if (pb[i] != 0.0) adj[nd.b] += w * pb[i];
  }
  std::fill(g.begin(), g.end(), 0.0);
  for (std::size_t k = variables_.size(); k-- > 0;)
    g[variables_[k].second] += adj[variables_[k].first];
  return v[n - 1];
}

namespace {

// Operations whose partials are cheap to get again from the operands (arithmetic, comparisons):
// the lanes' forward pass stores only their values and the backward pass recomputes the
// partials with the same eval_op, which gives the same numbers. The others (powers and
// transcendental functions) store their partials in the forward pass.
constexpr bool recomputed(Op op) {
  return op == Op::neg || op == Op::add || op == Op::sub || op == Op::mul || op == Op::div ||
         op == Op::square || op == Op::abs || op == Op::min || op == Op::max;
}

template <Op O>
void forward_lanes(Simd level, std::size_t lanes, const double* a, const double* b, double c,
                   double* r, double* pa, double* pb) {
  if constexpr (recomputed(O)) {
    (void)pa;
    (void)pb;
    detail::simd_map(
        level, lanes,
        [c](const double& x, const double& y, double& out) {
          double ta = 0, tb = 0;
          out = eval_op<false>(O, x, y, c, ta, tb);
        },
        a, b, r);
  } else {
    detail::simd_map(
        level, lanes,
        [c](const double& x, const double& y, double& out, double& da, double& db) {
          double ta = 0, tb = 0;
          out = eval_op<true>(O, x, y, c, ta, tb);
          da = ta;
          db = tb;
        },
        a, b, r, pa, pb);
  }
}

// to += w * partial where the one-point pass adds it (w != 0 and partial != 0), else unchanged:
// adding a zero would turn -0 into +0, and 0 * inf would add a NaN. `Which` is 0 for operand a,
// 1 for operand b. With `first`, `to` has not been written yet and stands for the one-point
// pass's zero: it becomes 0 + w*partial or 0.
template <Op O, int Which, bool First>
void backward_lanes(Simd level, std::size_t lanes, const double* w, const double* a,
                    const double* b, double c, const double* stored, double* to) {
  if constexpr (recomputed(O)) {
    (void)stored;
    detail::simd_map(
        level, lanes,
        [c](const double& wj, const double& x, const double& y, double& t) {
          double da = 0, db = 0;
          (void)eval_op<true>(O, x, y, c, da, db);
          const double p = Which == 0 ? da : db;
          const double old = First ? 0.0 : t;
          t = (wj != 0.0 && p != 0.0) ? old + wj * p : old;
        },
        w, a, b, to);
  } else {
    (void)a;
    (void)b;
    (void)c;
    detail::simd_map(
        level, lanes,
        [](const double& wj, const double& p, double& t) {
          const double old = First ? 0.0 : t;
          t = (wj != 0.0 && p != 0.0) ? old + wj * p : old;
        },
        w, stored, to);
  }
}

using ForwardLanes = void (*)(Simd, std::size_t, const double*, const double*, double, double*,
                              double*, double*);
using BackwardLanes = void (*)(Simd, std::size_t, const double*, const double*, const double*,
                               double, const double*, double*);

template <std::size_t... I>
constexpr std::array<ForwardLanes, sizeof...(I)> forward_table(std::index_sequence<I...>) {
  return {&forward_lanes<static_cast<Op>(I)>...};
}
template <int Which, bool First, std::size_t... I>
constexpr std::array<BackwardLanes, sizeof...(I)> backward_table(std::index_sequence<I...>) {
  return {&backward_lanes<static_cast<Op>(I), Which, First>...};
}

constexpr auto kOps = std::make_index_sequence<static_cast<std::size_t>(Op::max) + 1>();
constexpr auto kForwardLanes = forward_table(kOps);
// Indexed by [first][op].
constexpr std::array<std::array<BackwardLanes, kOps.size()>, 2> kBackwardA = {
    backward_table<0, false>(kOps), backward_table<0, true>(kOps)};
constexpr std::array<std::array<BackwardLanes, kOps.size()>, 2> kBackwardB = {
    backward_table<1, false>(kOps), backward_table<1, true>(kOps)};

}  // namespace

void Expression::plan_lanes() {
  static std::atomic<std::uint64_t> next_id{1};
  lane_id_ = next_id.fetch_add(1);
  const std::size_t n = tape_.size();
  lane_slots_.assign(n, LaneSlot{});
  std::int32_t rows = 0;
  for (std::size_t i = 0; i < n; ++i) {
    LaneSlot& s = lane_slots_[i];
    const Op op = tape_[i].op;
    if (op != Op::variable) s.value = rows++;
    if (op != Op::constant) s.adjoint = rows++;
    if (op != Op::constant && op != Op::variable && !recomputed(op)) {
      s.partials = rows;
      rows += 2;
    }
  }
  lane_rows_ = static_cast<std::size_t>(rows);
  // The backward pass visits the operations in reverse; the output's adjoint is seeded first.
  std::vector<bool> written(n, false);
  written[n - 1] = true;
  for (std::size_t k = operations_.size(); k-- > 0;) {
    const std::uint32_t i = operations_[k];
    const Node& nd = tape_[i];
    if (lane_slots_[nd.a].adjoint >= 0) {
      lane_slots_[i].first_a = !written[nd.a];
      written[nd.a] = true;
    }
    if (binary(nd.op) && lane_slots_[nd.b].adjoint >= 0) {
      lane_slots_[i].first_b = !written[nd.b];
      written[nd.b] = true;
    }
  }
  // The gradient adds the variables' adjoints in reverse order, as value_and_gradient() does.
  std::vector<bool> used(dim_, false);
  gradient_first_.assign(variables_.size(), false);
  for (std::size_t k = variables_.size(); k-- > 0;) {
    gradient_first_[k] = !used[variables_[k].second];
    used[variables_[k].second] = true;
  }
  unused_variables_.clear();
  for (std::uint32_t v = 0; v < dim_; ++v)
    if (!used[v]) unused_variables_.push_back(v);
}

void Expression::value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                          std::span<double> loss, std::span<double> g) const {
  detail::check_lanes(dim_, lanes, x.size(), loss.size(), g.size());
  const std::size_t n = tape_.size();
  if (n == 0 || lanes == 0) return;
  // The rows, shared by the tapes run on this thread. The rows of constants and the output's
  // seed (1) are never written by the passes, so they stay filled until another tape, or another
  // number of lanes, uses the rows.
  struct Rows {
    std::vector<double> values;
    std::uint64_t filled_for = 0;
    std::size_t lanes = 0;
  };
  thread_local Rows storage;
  if (storage.values.size() < lane_rows_ * lanes) {
    storage.values.resize(lane_rows_ * lanes);
    storage.filled_for = 0;
  }
  const auto row = [&](std::int32_t r) {
    return storage.values.data() + static_cast<std::size_t>(r) * lanes;
  };
  const auto value = [&](std::uint32_t slot) -> const double* {
    const LaneSlot& s = lane_slots_[slot];
    return s.value >= 0 ? row(s.value) : x.data() + var_index(tape_[slot]) * lanes;
  };
  const LaneSlot& out = lane_slots_[n - 1];
  if (storage.filled_for != lane_id_ || storage.lanes != lanes) {
    for (const auto& [slot, c] : constants_) std::fill_n(row(lane_slots_[slot].value), lanes, c);
    if (out.adjoint >= 0) std::fill_n(row(out.adjoint), lanes, 1.0);
    storage.filled_for = lane_id_;
    storage.lanes = lanes;
  }
  const Simd level = simd();
  // The last operation is the output, which no other reads: it writes the loss directly.
  for (const std::uint32_t i : operations_) {
    const Node& nd = tape_[i];
    const LaneSlot& s = lane_slots_[i];
    double* pa = s.partials >= 0 ? row(s.partials) : nullptr;
    double* pb = s.partials >= 0 ? row(s.partials + 1) : nullptr;
    kForwardLanes[static_cast<std::size_t>(nd.op)](level, lanes, value(nd.a), value(nd.b), nd.c,
                                                   i == n - 1 ? loss.data() : row(s.value), pa, pb);
  }
  if (tape_[n - 1].op == Op::constant || tape_[n - 1].op == Op::variable)
    std::copy_n(value(static_cast<std::uint32_t>(n - 1)), lanes, loss.data());
  for (const std::uint32_t v : unused_variables_) std::fill_n(g.data() + v * lanes, lanes, 0.0);
  // The whole tape is one constant: it uses no variable, so every row of g was zeroed above.
  if (out.adjoint < 0) return;
  for (std::size_t k = operations_.size(); k-- > 0;) {
    const std::uint32_t i = operations_[k];
    const Node& nd = tape_[i];
    const LaneSlot& s = lane_slots_[i];
    const auto op = static_cast<std::size_t>(nd.op);
    const double* pa = s.partials >= 0 ? row(s.partials) : nullptr;
    const double* pb = s.partials >= 0 ? row(s.partials + 1) : nullptr;
    // Constants' adjoints are never read: their contributions are skipped.
    if (const std::int32_t to = lane_slots_[nd.a].adjoint; to >= 0)
      kBackwardA[s.first_a][op](level, lanes, row(s.adjoint), value(nd.a), value(nd.b), nd.c, pa,
                                row(to));
    if (const std::int32_t to = lane_slots_[nd.b].adjoint; binary(nd.op) && to >= 0)
      kBackwardB[s.first_b][op](level, lanes, row(s.adjoint), value(nd.a), value(nd.b), nd.c, pb,
                                row(to));
  }
  // g = 0 + the variable's adjoints, added in value_and_gradient()'s order.
  for (std::size_t k = variables_.size(); k-- > 0;) {
    const double* from = row(lane_slots_[variables_[k].first].adjoint);
    double* to = g.data() + variables_[k].second * lanes;
    if (gradient_first_[k])
      detail::simd_map(
          level, lanes, [](const double& a, double& t) { t = 0.0 + a; }, from, to);
    else
      detail::simd_map(
          level, lanes, [](const double& a, double& t) { t += a; }, from, to);
  }
}

bool Expression::hessian(std::span<const double> x, std::span<double> h) const {
  const std::size_t d = dim_;
  std::vector<Hyper> v(tape_.size());
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i; j < d; ++j) {
      for (std::size_t k = 0; k < tape_.size(); ++k) {
        const Node& nd = tape_[k];
        if (nd.op == Op::variable) {
          const std::size_t var = var_index(nd);
          v[k] = {x[var], var == i ? 1.0 : 0.0, var == j ? 1.0 : 0.0, 0.0};
        } else {
          v[k] = apply_hyper(nd.op, v[nd.a], binary(nd.op) ? v[nd.b] : Hyper{}, nd.c);
        }
      }
      h[i * d + j] = h[j * d + i] = v.back().d12;
    }
  return true;
}

std::string Expression::explain_non_finite(std::span<const double> x) const {
  std::vector<double> v(tape_.size());
  v[0] = 0.0;  // operands default to slot 0, which constants and variables read and ignore
  for (std::size_t i = 0; i < tape_.size(); ++i) {
    const Node& n = tape_[i];
    // A unary operation's b is slot 0, already computed, which apply() ignores.
    v[i] = n.op == Op::variable ? x[var_index(n)] : apply(n.op, v[n.a], v[n.b], n.c);
    if (std::isfinite(v[i]) || n.op == Op::constant || n.op == Op::variable) continue;
    const double a = v[n.a], b = binary(n.op) ? v[n.b] : 0.0;
    if (!std::isfinite(a) || !std::isfinite(b)) continue;  // an operand already failed
    const std::string at = " at column " + std::to_string(n.column);
    if (n.op == Op::log && a <= 0) return (a == 0 ? "log of 0" : "log of a negative number") + at;
    if (n.op == Op::sqrt && a < 0) return "sqrt of a negative number" + at;
    if (n.op == Op::div && b == 0) return "division by zero" + at;
    return std::string(op_name(n.op)) + " overflowed" + at;
  }
  return {};
}

bool looks_like_expression(std::string_view text) {
  // Anything shaped like a spec ("name" or "name:key=value,...") is a spec unless its name is a
  // variable or constant of the expression language; the registry then says if it is unknown.
  try {
    const Spec spec = parse_spec(text);
    const std::string& n = spec.name;
    const bool variable =
        n == "x" || n == "y" || n == "z" || n == "pi" || n == "e" ||
        (n.size() > 1 && n[0] == 'w' &&
         std::all_of(n.begin() + 1, n.end(), [](char c) { return c >= '0' && c <= '9'; }));
    return variable && spec.args.empty();
  } catch (const InputError&) {
    return true;
  }
}

}  // namespace descent
