// Typed expressions: parsing, errors with columns, limits, exact derivatives, and the seed's
// function typed as text giving the seed's trajectories bit for bit.
#include "descent/expression.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <utility>
#include <vector>

#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

using ::testing::HasSubstr;

std::string error_of(std::string_view text) {
  try {
    Expression e(text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

double eval(std::string_view text, std::vector<double> x) { return Expression(text).value(x); }

// A character that is not ASCII is named whole, with its column and a hint; bytes that are not
// UTF-8 are named in hex, so that every message is valid text.
TEST(Expression, CharactersBeyondAsciiAreNamedWhole) {
  const auto message = [](const std::string& text) {
    try {
      (void)Expression(text);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("x²+y"),
            "unexpected '²' at column 2 (an expression is ASCII: write x^2, "
            "sqrt(x), pi)");
  EXPECT_THAT(message("x+√y"), ::testing::HasSubstr("unexpected '√' at column 3"));
  EXPECT_THAT(message("x+\xff"), ::testing::HasSubstr("unexpected '\\xFF' at column 3"));
  EXPECT_THAT(message("x+\xc3"), ::testing::HasSubstr("unexpected '\\xC3' at column 3"));
}

TEST(Expression, ValuesFollowTheGrammar) {
  EXPECT_EQ(eval("1 + 2*3", {0}), 7);
  EXPECT_EQ(eval("(1 + 2)*3", {0}), 9);
  EXPECT_EQ(eval("2^3^2", {0}), 512);  // right-associative
  EXPECT_EQ(eval("-2^2", {0}), -4);    // ^ before unary minus
  EXPECT_EQ(eval("2^-1", {0}), 0.5);
  EXPECT_EQ(eval("8/4/2", {0}), 1);  // left-associative
  EXPECT_EQ(eval("x - y - z", {5, 2, 1}), 2);
  EXPECT_EQ(eval("w1 + 10*w2 + 100*w3", {1, 2, 3}), 321);
  EXPECT_DOUBLE_EQ(eval("sin(pi/2) + cos(0) + exp(0) + log(e)", {0}), 4);
  EXPECT_DOUBLE_EQ(eval("sqrt(16) + abs(-3) + tanh(0) + atan(1)*4/pi", {0}), 8);
  EXPECT_EQ(eval("min(x, y) + max(x, y)", {3, -1}), 2);
  EXPECT_EQ(eval("1.5e2 + .5 + 2E-1", {0}), 150.7);
  EXPECT_EQ(Expression("w3 + 1").dim(), 3u);
  EXPECT_EQ(Expression("  x^2  ").spec(), "x^2");
}

TEST(Expression, ErrorsPointAtTheColumn) {
  EXPECT_THAT(error_of("(w1 + 2))"), HasSubstr("unexpected ')' at column 9"));
  EXPECT_THAT(error_of("w1 + * 2"), HasSubstr("unexpected '*' at column 6"));
  EXPECT_THAT(error_of("w1 +"), HasSubstr("unexpected end of expression"));
  EXPECT_THAT(error_of("(w1 + 2"), HasSubstr("missing ')' for the '(' at column 1"));
  EXPECT_THAT(error_of("2x"), HasSubstr("unexpected 'x' at column 2"));
  EXPECT_THAT(error_of("w1 + foo(2)"), HasSubstr("unknown name 'foo' at column 6"));
  EXPECT_THAT(error_of("sin x"), HasSubstr("'sin' needs its argument in parentheses at column 1"));
  EXPECT_THAT(error_of("min(x)"), HasSubstr("'min' takes 2 arguments at column 1"));
  EXPECT_THAT(error_of("sin(x, y)"), HasSubstr("'sin' takes 1 argument at column 1"));
  EXPECT_THAT(error_of("w0 + 1"), HasSubstr("variable 'w0' is out of range"));
  EXPECT_THAT(error_of("1.2.3"), HasSubstr("malformed number '1.2.3' at column 1"));
  EXPECT_THAT(error_of(""), HasSubstr("the expression is empty"));
  EXPECT_THAT(error_of("x $ y"), HasSubstr("unexpected '$' at column 3"));
}

TEST(Expression, LimitsGiveErrorsNotCrashes) {
  EXPECT_THAT(error_of(std::string(3000, '1')), HasSubstr("at most 2000 are allowed"));
  EXPECT_THAT(error_of(std::string(500, '(') + "1" + std::string(500, ')')),
              HasSubstr("nested more than 64 levels"));
  EXPECT_THAT(error_of(std::string(1000, '-') + "1"), HasSubstr("nested more than 64 levels"));
  // The longest allowed text evaluates.
  std::string many = "x";
  while (many.size() + 4 <= Expression::kMaxLength) many += "+x*x";
  EXPECT_DOUBLE_EQ(Expression(many).value(std::vector<double>{2.0}), 2 + 4.0 * 499);
}

// Exact gradients and Hessians against a hand-derived case: f = x^3 y + sin(x y) + exp(y)/x.
TEST(Expression, DerivativesAreExact) {
  const Expression e("x^3*y + sin(x*y) + exp(y)/x");
  const double x = 1.3, y = -0.7;
  std::vector<double> g(2), h(4);
  const double v = e.value_and_gradient(std::vector<double>{x, y}, g);
  EXPECT_DOUBLE_EQ(v, x * x * x * y + std::sin(x * y) + std::exp(y) / x);
  EXPECT_DOUBLE_EQ(g[0], 3 * x * x * y + y * std::cos(x * y) - std::exp(y) / (x * x));
  EXPECT_DOUBLE_EQ(g[1], x * x * x + x * std::cos(x * y) + std::exp(y) / x);
  ASSERT_TRUE(e.hessian(std::vector<double>{x, y}, h));
  EXPECT_NEAR(h[0], 6 * x * y - y * y * std::sin(x * y) + 2 * std::exp(y) / (x * x * x), 1e-13);
  const double hxy = 3 * x * x + std::cos(x * y) - x * y * std::sin(x * y) - std::exp(y) / (x * x);
  EXPECT_NEAR(h[1], hxy, 1e-13);
  EXPECT_NEAR(h[2], hxy, 1e-13);
  EXPECT_NEAR(h[3], -x * x * std::sin(x * y) + std::exp(y) / x, 1e-13);
}

// The same expression typed and from the catalog: every point, loss and gradient identical.
TEST(Expression, SeedExpressionIsBitIdenticalToAnisotropic) {
  const Expression typed("w1^2 + 8*w2^2");
  const auto catalog = make_function("anisotropic");
  const std::vector<double> start = {1.0, 1.0};
  for (const char* spec :
       {"sgd", "momentum", "momentum:alpha=0.99", "rmsprop", "rmsprop:beta=0.99"}) {
    auto a = make_optimizer(spec);
    auto b = make_optimizer(spec);
    const RunResult ra = run(typed, *a, start, {.steps = 50});
    const RunResult rb = run(*catalog, *b, start, {.steps = 50});
    EXPECT_EQ(ra.trajectory.points, rb.trajectory.points) << spec;
    EXPECT_EQ(ra.trajectory.loss, rb.trajectory.loss) << spec;
    EXPECT_EQ(ra.trajectory.grad_norm, rb.trajectory.grad_norm) << spec;
  }
}

TEST(Expression, DomainErrorsEndTheRunWithTheReason) {
  const Expression e("log(w1) + w2^2");
  auto sgd = make_optimizer("sgd:lr=1");
  const std::vector<double> start = {0.25, 1.0};
  const RunResult r = run(e, *sgd, start, {.steps = 10});
  EXPECT_EQ(r.termination, Termination::diverged);
  EXPECT_THAT(r.message(), HasSubstr("log of a negative number at column 1"));
  EXPECT_EQ(Expression("1/(x - 1)").explain_non_finite(std::vector<double>{1.0}),
            "division by zero at column 2");
  EXPECT_EQ(Expression("sqrt(x)").explain_non_finite(std::vector<double>{-1.0}),
            "sqrt of a negative number at column 1");
  EXPECT_EQ(Expression("x^0.5").explain_non_finite(std::vector<double>{-1.0}),
            "a negative number to a fractional power at column 2");
  EXPECT_EQ(Expression("x^-1").explain_non_finite(std::vector<double>{0.0}),
            "0 to a negative power at column 2");
  EXPECT_EQ(Expression("x^y").explain_non_finite(std::vector<double>{-2.0, 0.5}),
            "a negative number to a fractional power at column 2");
  EXPECT_EQ(Expression("exp(x)").explain_non_finite(std::vector<double>{1000.0}),
            "exp overflowed at column 1");
  EXPECT_THROW(run(e, *sgd, std::vector<double>{-1.0, 1.0}), InputError);  // not finite at start
}

// Copies share the parsed tape; a move copies, so the moved-from expression still evaluates.
TEST(Expression, CopiesAndMovesKeepTheTape) {
  Expression a("sin(x)*y + 3"), b("w4");
  const Expression copy = a;
  b = a;
  Expression moved = std::move(a);
  const std::vector<double> x = {0.5, -2.0};
  std::vector<double> g(2), gc(2);
  const double v = copy.value_and_gradient(x, g);
  for (const Expression* e : {&a, &b, &moved}) {
    EXPECT_EQ(e->spec(), "sin(x)*y + 3");
    EXPECT_EQ(e->dim(), 2u);
    EXPECT_EQ(e->size(), copy.size());
    EXPECT_EQ(e->value_and_gradient(x, gc), v);
    EXPECT_EQ(gc, g);
  }
}

TEST(Expression, TextOrSpec) {
  EXPECT_TRUE(looks_like_expression("w1^2 + 8*w2^2"));
  EXPECT_TRUE(looks_like_expression("x"));
  EXPECT_TRUE(looks_like_expression("w12"));
  EXPECT_FALSE(looks_like_expression("anisotropic"));
  EXPECT_FALSE(looks_like_expression("anisotropic:ratio=4"));
  EXPECT_FALSE(looks_like_expression("bowl"));  // an unknown catalog name, reported as such
  EXPECT_EQ(make_function("(1 - x)^2 + 100*(y - x^2)^2")->dim(), 2u);
}

// An expression may start with a minus or a digit and hold minus signs; names with parameters
// stay specs.
TEST(Expression, MinusSignsAndNumbersAreExpressions) {
  const std::pair<const char*, double> cases[] = {{"x-y", 3.0 - 0.5}, {"x-1", 2.0}, {"-x", -3.0},
                                                  {"0", 0.0},         {"2", 2.0},   {"-x-y", -3.5},
                                                  {"w1-w2", 2.5},     {"1-x", -2.0}};
  for (const auto& [text, value] : cases) {
    EXPECT_TRUE(looks_like_expression(text)) << text;
    try {
      EXPECT_EQ(make_function(text)->value(std::vector<double>{3.0, 0.5}), value) << text;
    } catch (const InputError& e) {
      ADD_FAILURE() << text << ": " << e.what();
    }
  }
  EXPECT_FALSE(looks_like_expression("least_squares:n=5"));
  EXPECT_FALSE(looks_like_expression("rosenbrock:n=3"));
  EXPECT_FALSE(looks_like_expression("three_hump_camel"));
  EXPECT_EQ(make_function("least_squares:n=5,d=3")->dim(), 3u);
  EXPECT_EQ(make_function("rosenbrock:n=3")->dim(), 3u);
  EXPECT_EQ(make_function("levi13")->dim(), 2u);
}

}  // namespace
}  // namespace descent
