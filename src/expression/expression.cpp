// The Expression objective: its tape parsed once and shared by its copies, and the test that
// tells a typed expression from a catalog spec.
#include "descent/expression.hpp"

#include <algorithm>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/error.hpp"
#include "descent/spec.hpp"
#include "expression/tape.hpp"

namespace descent {

Expression::Expression(std::string_view text) {
  auto tape = std::make_shared<detail::expression::Tape>(detail::expression::parse(text));
  tape->lanes = detail::expression::plan_lanes(*tape);
  tape_ = std::move(tape);
}

std::size_t Expression::dim() const { return tape_->dim; }
std::string Expression::spec() const { return tape_->text; }
std::string Expression::formula() const { return tape_->text; }
std::vector<double> Expression::default_start() const {
  return std::vector<double>(tape_->dim, 1.0);
}
Box Expression::bounds() const {
  return {std::vector<double>(tape_->dim, -2.0), std::vector<double>(tape_->dim, 2.0)};
}
std::size_t Expression::size() const { return tape_->nodes.size(); }

bool looks_like_expression(std::string_view text) {
  // Anything shaped like a spec ("name" or "name:key=value,...") whose name could name a function
  // (a letter or '_' first, then letters, digits and '_') is a spec unless the name is a variable
  // or constant of the expression language; the registry then says if it is unknown. A name
  // starting with a digit or holding '-' ("0", "x-1", "-x") is arithmetic.
  try {
    const Spec spec = parse_spec(text);
    const std::string& n = spec.name;
    const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
    if (!(letter(n[0]) || n[0] == '_') || n.find('-') != std::string::npos) return true;
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
