// Private: the operations of an expression's tape, each written once.
//
// Def<O> is everything about operation O: how many operands it takes, how the text spells it,
// what a message calls it, and its math. The math comes in one of two forms:
//   - a function of one operand (sin, log, x^c, ...) gives its value f and, as far as it is
//     asked, f' and f'' at a point: at<Order>(a, c);
//   - the others (arithmetic, min and max, a^b) give their value on doubles and on hyper-dual
//     numbers, value(a, b, c), and their partial derivatives with respect to their operands,
//     partials(a, b, c, r, da, db), given the value r.
// From these, apply<O> gives a value (the value pass, the constant folder), evaluate<O, true> a
// value and its partials (the gradient pass, scalar and lanes), and hyper<O> the operation on
// hyper-dual numbers (the Hessian): the same expressions compute the same numbers in every pass.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <utility>

#include "expression/hyper.hpp"

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

/// f, f' and f'' of a function of one operand at a point: those asked for, the others 0.
struct Derivatives {
  double f = 0, df = 0, ddf = 0;
};

// What an operation states besides its math, with the usual values:
//   arity: its operands (0 for the leaves, constants and variables);
//   spelling: its name when the text writes it as a function, "sin" or "min", else nullptr;
//   noun: what a message calls it when it overflows, if not its spelling or "operation";
//   cheap_partials: its partials cost no more than arithmetic to compute again from its
//     operands, so the lane passes store only its value and recompute them going backward;
//   fixed_partial(which, a_constant, b_constant): whether its partial with respect to operand
//     `which` (0 for a, 1 for b) is the same number at every point when the operands marked
//     constant are constants (then the lane passes fold it once).
struct Traits {
  static constexpr int arity = 1;
  static constexpr const char* spelling = nullptr;
  static constexpr const char* noun = nullptr;
  static constexpr bool cheap_partials = false;
  static constexpr bool fixed_partial(int, bool, bool) { return false; }
};
struct Arithmetic : Traits {
  static constexpr bool cheap_partials = true;
};

template <Op O>
struct Def;

// ---- Leaves: their value is the node's constant (variables are read by the passes) ----------

struct Leaf : Traits {
  static constexpr int arity = 0;
  template <class T>
  static T value(const T&, const T&, double c) {
    return T{c};
  }
  static void partials(double, double, double, double, double&, double&) {}
};
template <>
struct Def<Op::constant> : Leaf {};
template <>
struct Def<Op::variable> : Leaf {};

// ---- Arithmetic, on doubles and hyper-duals alike -------------------------------------------

template <>
struct Def<Op::neg> : Arithmetic {
  static constexpr bool fixed_partial(int, bool, bool) { return true; }
  template <class T>
  static T value(const T& a, const T&, double) {
    return -a;
  }
  static void partials(double, double, double, double, double& da, double&) { da = -1; }
};

template <>
struct Def<Op::add> : Arithmetic {
  static constexpr bool fixed_partial(int, bool, bool) { return true; }
  static constexpr int arity = 2;
  template <class T>
  static T value(const T& a, const T& b, double) {
    return a + b;
  }
  static void partials(double, double, double, double, double& da, double& db) { da = db = 1; }
};

template <>
struct Def<Op::sub> : Arithmetic {
  static constexpr bool fixed_partial(int, bool, bool) { return true; }
  static constexpr int arity = 2;
  template <class T>
  static T value(const T& a, const T& b, double) {
    return a - b;
  }
  static void partials(double, double, double, double, double& da, double& db) {
    da = 1;
    db = -1;
  }
};

template <>
struct Def<Op::mul> : Arithmetic {
  // d/da = b, d/db = a
  static constexpr bool fixed_partial(int which, bool a, bool b) { return which == 0 ? b : a; }
  static constexpr int arity = 2;
  template <class T>
  static T value(const T& a, const T& b, double) {
    return a * b;
  }
  static void partials(double a, double b, double, double, double& da, double& db) {
    da = b;
    db = a;
  }
};

template <>
struct Def<Op::div> : Arithmetic {
  // d/da = 1/b; d/db = -r/b depends on a
  static constexpr bool fixed_partial(int which, bool, bool b) { return which == 0 && b; }
  static constexpr int arity = 2;
  static constexpr const char* noun = "division";
  template <class T>
  static T value(const T& a, const T& b, double) {
    return a / b;
  }
  static void partials(double, double b, double, double r, double& da, double& db) {
    da = 1 / b;
    db = -r / b;
  }
};

/// x^2, written as x*x so that "w1^2 + 8*w2^2" computes exactly what `anisotropic` does.
template <>
struct Def<Op::square> : Arithmetic {
  template <class T>
  static T value(const T& a, const T&, double) {
    return a * a;
  }
  static void partials(double a, double, double, double, double& da, double&) { da = 2 * a; }
};

// ---- Comparisons: the operand that wins, with all of its derivatives --------------------------

/// As std::min: b if b < a, else a.
template <>
struct Def<Op::min> : Arithmetic {
  static constexpr int arity = 2;
  static constexpr const char* spelling = "min";
  template <class T>
  static T value(const T& a, const T& b, double) {
    return value_of(b) < value_of(a) ? b : a;
  }
  static void partials(double a, double b, double, double, double& da, double& db) {
    const bool second = b < a;
    da = second ? 0.0 : 1.0;
    db = second ? 1.0 : 0.0;
  }
};

/// As std::max: b if a < b, else a.
template <>
struct Def<Op::max> : Arithmetic {
  static constexpr int arity = 2;
  static constexpr const char* spelling = "max";
  template <class T>
  static T value(const T& a, const T& b, double) {
    return value_of(a) < value_of(b) ? b : a;
  }
  static void partials(double a, double b, double, double, double& da, double& db) {
    const bool second = a < b;
    da = second ? 0.0 : 1.0;
    db = second ? 1.0 : 0.0;
  }
};

// ---- Functions of one operand: f, f' and f'' -------------------------------------------------

/// x^c for a constant c.
template <>
struct Def<Op::pow_const> : Traits {
  static constexpr const char* noun = "power";
  template <int Order>
  static Derivatives at(double a, double c) {
    Derivatives d{std::pow(a, c)};
    if constexpr (Order > 0) d.df = c * std::pow(a, c - 1);
    if constexpr (Order > 1) d.ddf = c * (c - 1) * std::pow(a, c - 2);
    return d;
  }
};

template <>
struct Def<Op::sin> : Traits {
  static constexpr const char* spelling = "sin";
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::sin(a)};
    if constexpr (Order > 0) d.df = std::cos(a);
    if constexpr (Order > 1) d.ddf = -d.f;
    return d;
  }
};

template <>
struct Def<Op::cos> : Traits {
  static constexpr const char* spelling = "cos";
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::cos(a)};
    if constexpr (Order > 0) d.df = -std::sin(a);
    if constexpr (Order > 1) d.ddf = -d.f;
    return d;
  }
};

template <>
struct Def<Op::tan> : Traits {
  static constexpr const char* spelling = "tan";
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::tan(a)};
    if constexpr (Order > 0) d.df = 1 + d.f * d.f;
    if constexpr (Order > 1) d.ddf = 2 * d.f * d.df;
    return d;
  }
};

template <>
struct Def<Op::exp> : Traits {
  static constexpr const char* spelling = "exp";
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::exp(a)};
    if constexpr (Order > 0) d.df = d.f;
    if constexpr (Order > 1) d.ddf = d.f;
    return d;
  }
};

template <>
struct Def<Op::log> : Traits {
  static constexpr const char* spelling = "log";
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::log(a)};
    if constexpr (Order > 0) d.df = 1 / a;
    if constexpr (Order > 1) d.ddf = -1 / (a * a);
    return d;
  }
};

template <>
struct Def<Op::sqrt> : Traits {
  static constexpr const char* spelling = "sqrt";
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::sqrt(a)};
    if constexpr (Order > 0) d.df = 0.5 / d.f;
    if constexpr (Order > 1) d.ddf = -0.25 / (d.f * a);
    return d;
  }
};

/// Its derivative at 0 is taken as 0.
template <>
struct Def<Op::abs> : Traits {
  static constexpr const char* spelling = "abs";
  static constexpr bool cheap_partials = true;
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::abs(a)};
    if constexpr (Order > 0) d.df = a > 0 ? 1.0 : (a < 0 ? -1.0 : 0.0);
    return d;
  }
};

template <>
struct Def<Op::tanh> : Traits {
  static constexpr const char* spelling = "tanh";
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::tanh(a)};
    if constexpr (Order > 0) d.df = 1 - d.f * d.f;
    if constexpr (Order > 1) d.ddf = -2 * d.f * d.df;
    return d;
  }
};

template <>
struct Def<Op::sinh> : Traits {
  static constexpr const char* spelling = "sinh";
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::sinh(a)};
    if constexpr (Order > 0) d.df = std::cosh(a);
    if constexpr (Order > 1) d.ddf = d.f;
    return d;
  }
};

template <>
struct Def<Op::cosh> : Traits {
  static constexpr const char* spelling = "cosh";
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::cosh(a)};
    if constexpr (Order > 0) d.df = std::sinh(a);
    if constexpr (Order > 1) d.ddf = d.f;
    return d;
  }
};

template <>
struct Def<Op::atan> : Traits {
  static constexpr const char* spelling = "atan";
  template <int Order>
  static Derivatives at(double a, double) {
    Derivatives d{std::atan(a)};
    if constexpr (Order > 0) {
      const double q = 1 + a * a;
      d.df = 1 / q;
      if constexpr (Order > 1) d.ddf = -2 * a / (q * q);
    }
    return d;
  }
};

/// Whether operation O is written as a function of one operand (f, f', f'').
template <Op O>
concept OneOperand = requires {
  Def<O>::template at<0>(0.0, 0.0);
};

/// A function of one operand on a hyper-dual number: f, f' and f'' carried by the chain rule.
template <Op O>
requires OneOperand<O> Hyper lift(const Hyper& a, double c) {
  const Derivatives d = Def<O>::template at<2>(a.v, c);
  return chain(a, d.f, d.df, d.ddf);
}

// ---- a^b: its value by std::pow, its second derivatives by exp(b log a) ----------------------

template <>
struct Def<Op::pow> : Traits {
  static constexpr int arity = 2;
  static constexpr const char* noun = "power";
  static double value(double a, double b, double) { return std::pow(a, b); }
  static Hyper value(const Hyper& a, const Hyper& b, double) {
    return lift<Op::exp>(b * lift<Op::log>(a, 0), 0);
  }
  static void partials(double a, double b, double, double r, double& da, double& db) {
    da = b * std::pow(a, b - 1);
    db = r * std::log(a);
  }
};

// ---- The evaluations built from the definitions ---------------------------------------------

/// The value of operation O on operands a and b (b ignored by one-operand operations) and, with
/// Partials, its partial derivatives: da and db are written only where the operation has them,
/// so the caller starts them at 0.
template <Op O, bool Partials>
[[gnu::always_inline]] inline double evaluate(double a, double b, double c, double& da,
                                              double& db) {
  using D = Def<O>;
  if constexpr (OneOperand<O>) {
    constexpr int kOrder = Partials ? 1 : 0;
    const Derivatives d = D::template at<kOrder>(a, c);
    if constexpr (Partials) da = d.df;
    return d.f;
  } else {
    const double r = D::value(a, b, c);
    if constexpr (Partials) D::partials(a, b, c, r, da, db);
    return r;
  }
}

/// The value of operation O.
template <Op O>
[[gnu::always_inline]] inline double apply(double a, double b, double c) {
  double da = 0, db = 0;
  return evaluate<O, false>(a, b, c, da, db);
}

/// Operation O on hyper-dual numbers.
template <Op O>
Hyper hyper(const Hyper& a, const Hyper& b, double c) {
  if constexpr (OneOperand<O>)
    return lift<O>(a, c);
  else
    return Def<O>::value(a, b, c);
}

/// Calls f.template operator()<O>() for the operation `op` (one switch, each case inlined).
template <class F>
[[gnu::always_inline]] inline decltype(auto) dispatch(Op op, F&& f) {
  switch (op) {
    case Op::constant:
      return f.template operator()<Op::constant>();
    case Op::variable:
      return f.template operator()<Op::variable>();
    case Op::neg:
      return f.template operator()<Op::neg>();
    case Op::add:
      return f.template operator()<Op::add>();
    case Op::sub:
      return f.template operator()<Op::sub>();
    case Op::mul:
      return f.template operator()<Op::mul>();
    case Op::div:
      return f.template operator()<Op::div>();
    case Op::square:
      return f.template operator()<Op::square>();
    case Op::pow_const:
      return f.template operator()<Op::pow_const>();
    case Op::pow:
      return f.template operator()<Op::pow>();
    case Op::sin:
      return f.template operator()<Op::sin>();
    case Op::cos:
      return f.template operator()<Op::cos>();
    case Op::tan:
      return f.template operator()<Op::tan>();
    case Op::exp:
      return f.template operator()<Op::exp>();
    case Op::log:
      return f.template operator()<Op::log>();
    case Op::sqrt:
      return f.template operator()<Op::sqrt>();
    case Op::abs:
      return f.template operator()<Op::abs>();
    case Op::tanh:
      return f.template operator()<Op::tanh>();
    case Op::sinh:
      return f.template operator()<Op::sinh>();
    case Op::cosh:
      return f.template operator()<Op::cosh>();
    case Op::atan:
      return f.template operator()<Op::atan>();
    case Op::min:
      return f.template operator()<Op::min>();
    case Op::max:
      return f.template operator()<Op::max>();
  }
  return f.template operator()<Op::constant>();  // not reached: every operation has its case
}

/// The value of `op` on a and b (the node's constant c for a constant). Inlined into the passes'
/// loops, as are the operations' cases.
[[gnu::always_inline]] inline double apply(Op op, double a, double b, double c) {
  return dispatch(op, [&]<Op O>() { return apply<O>(a, b, c); });
}

/// The value of `op` and its partials (see evaluate<O, Partials>).
[[gnu::always_inline]] inline double evaluate(Op op, double a, double b, double c, double& da,
                                              double& db) {
  return dispatch(op, [&]<Op O>() { return evaluate<O, true>(a, b, c, da, db); });
}

/// `op` on hyper-dual numbers ({c, 0, 0, 0} for a constant).
inline Hyper hyper(Op op, const Hyper& a, const Hyper& b, double c) {
  return dispatch(op, [&]<Op O>() { return hyper<O>(a, b, c); });
}

// ---- The operations' traits as a table ------------------------------------------------------

struct OpInfo {
  int arity;
  const char* spelling;
  const char* noun;
  bool cheap_partials;
  bool (*fixed_partial)(int which, bool a_constant, bool b_constant);
};

template <Op O>
constexpr OpInfo info_of() {
  using D = Def<O>;
  const char* noun = D::noun != nullptr       ? D::noun
                     : D::spelling != nullptr ? D::spelling
                                              : "operation";
  return {D::arity, D::spelling, noun, D::cheap_partials, &D::fixed_partial};
}
template <std::size_t... I>
constexpr std::array<OpInfo, sizeof...(I)> op_table(std::index_sequence<I...>) {
  return {info_of<static_cast<Op>(I)>()...};
}
inline constexpr std::array<OpInfo, kOpCount> kOpInfo =
    op_table(std::make_index_sequence<kOpCount>());

constexpr const OpInfo& info(Op op) { return kOpInfo[static_cast<std::size_t>(op)]; }
/// Whether `op` reads its operand b.
constexpr bool binary(Op op) { return info(op).arity == 2; }

}  // namespace descent::detail::expression
