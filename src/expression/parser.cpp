// The expression parser: recursive descent over the grammar in descent/expression.hpp, emitting
// tape nodes as it goes and folding operations on constants.
#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <numbers>
#include <string>
#include <string_view>
#include <system_error>

#include "descent/error.hpp"
#include "descent/expression.hpp"
#include "descent/params.hpp"
#include "expression/ops.hpp"
#include "expression/tape.hpp"

namespace descent::detail::expression {

namespace {

// Reads the text into `out`: each rule of the grammar is a function returning its node's slot.
class Parser {
 public:
  Parser(std::string_view text, Tape& out) : s_(text), out_(out) {}

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
    for (std::size_t i = 0; i < out_.nodes.size(); ++i) {
      const Node& n = out_.nodes[i];
      if (n.op == Op::variable) dim = std::max(dim, var_index(n) + 1);
      const auto slot = static_cast<std::uint32_t>(i);
      if (n.op == Op::variable)
        out_.variables.emplace_back(slot, static_cast<std::uint32_t>(var_index(n)));
      else if (n.op == Op::constant)
        out_.constants.emplace_back(slot, n.c);
      else
        out_.operations.push_back(slot);
    }
    out_.dim = dim;
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
    const auto lead = static_cast<unsigned char>(s_[pos_]);
    if (lead < 0x80) fail("unexpected '" + std::string(1, s_[pos_]) + "'", pos_);
    // Not ASCII: the whole UTF-8 character, or the byte in hex where the text is not UTF-8.
    const std::size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC0 ? 2 : 1;
    bool utf8 = length > 1 && lead < 0xF8 && pos_ + length <= s_.size();
    for (std::size_t i = 1; utf8 && i < length; ++i)
      utf8 = (static_cast<unsigned char>(s_[pos_ + i]) & 0xC0) == 0x80;
    char hex[8];
    std::snprintf(hex, sizeof hex, "\\x%02X", lead);
    fail("unexpected '" + (utf8 ? std::string(s_.substr(pos_, length)) : std::string(hex)) + "'",
         pos_, " (an expression is ASCII: write x^2, sqrt(x), pi)");
  }

  void skip() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }

  std::uint32_t emit(Node n) {
    // Fold operations on constants.
    const auto is_const = [&](std::uint32_t i) { return out_.nodes[i].op == Op::constant; };
    if (n.op != Op::constant && n.op != Op::variable) {
      const bool two = binary(n.op);
      if (is_const(n.a) && (!two || is_const(n.b))) {
        const double v = apply(n.op, out_.nodes[n.a].c, two ? out_.nodes[n.b].c : 0.0, n.c);
        n = Node{Op::constant, 0, 0, v, n.column};
      }
    }
    out_.nodes.push_back(n);
    return static_cast<std::uint32_t>(out_.nodes.size() - 1);
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
      const Node e = out_.nodes[exponent];
      if (e.op == Op::constant) {
        // The exponent becomes part of the operation: drop its node (the last one emitted).
        if (exponent + 1 == out_.nodes.size() && exponent != base) out_.nodes.pop_back();
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
      for (std::size_t k = 0; k < kOpCount; ++k) {
        const OpInfo& f = kOpInfo[k];
        if (f.spelling == nullptr || name != f.spelling) continue;
        skip();
        if (pos_ >= s_.size() || s_[pos_] != '(')
          fail(std::string("'") + f.spelling + "' needs its argument in parentheses", start);
        const std::size_t open = pos_;
        ++pos_;
        const std::uint32_t a = expr(0);
        std::uint32_t b = 0;
        skip();
        if (f.arity == 2) {
          if (pos_ >= s_.size() || s_[pos_] != ',')
            fail(std::string("'") + f.spelling + "' takes 2 arguments", start);
          ++pos_;
          b = expr(0);
          skip();
        }
        if (pos_ < s_.size() && s_[pos_] == ',')
          fail(std::string("'") + f.spelling + "' takes " + std::to_string(f.arity) + " argument" +
                   (f.arity == 1 ? "" : "s"),
               start);
        if (pos_ >= s_.size()) fail("missing ')' for the '('", open);
        if (s_[pos_] != ')') fail_unexpected("')'");
        ++pos_;
        return emit({static_cast<Op>(k), a, b, 0, static_cast<std::uint32_t>(start + 1)});
      }
      std::string functions;
      for (const OpInfo& f : kOpInfo)
        if (f.spelling != nullptr)
          functions += (functions.empty() ? "" : ", ") + std::string(f.spelling);
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
  Tape& out_;
  std::size_t pos_ = 0;
  std::size_t depth_ = 0;
};

}  // namespace

Tape parse(std::string_view text) {
  // Surrounding blanks are trimmed; the text is kept as written otherwise.
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  Tape tape;
  tape.text = std::string(text);
  Parser(tape.text, tape).parse();
  return tape;
}

}  // namespace descent::detail::expression
