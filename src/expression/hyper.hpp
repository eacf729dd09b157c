// Private: hyper-dual numbers, which carry exact second derivatives through a computation, and
// the operations on them.
#pragma once

#include <cmath>

#include "expression/ops.hpp"

namespace descent::detail::expression {

// A hyper-dual number: value, two first derivatives along directions 1 and 2, and the mixed
// second derivative. Evaluating with seeds (e_i, e_j) gives d2f/dxi dxj.
struct Hyper {
  double v = 0, d1 = 0, d2 = 0, d12 = 0;
};

// f(x) with f', f'' at x.value, lifted to hyper-duals.
inline Hyper chain(const Hyper& x, double f, double df, double ddf) {
  return {f, df * x.d1, df * x.d2, df * x.d12 + ddf * x.d1 * x.d2};
}

inline Hyper operator+(const Hyper& a, const Hyper& b) {
  return {a.v + b.v, a.d1 + b.d1, a.d2 + b.d2, a.d12 + b.d12};
}
inline Hyper operator-(const Hyper& a, const Hyper& b) {
  return {a.v - b.v, a.d1 - b.d1, a.d2 - b.d2, a.d12 - b.d12};
}
inline Hyper operator*(const Hyper& a, const Hyper& b) {
  return {a.v * b.v, a.d1 * b.v + a.v * b.d1, a.d2 * b.v + a.v * b.d2,
          a.d12 * b.v + a.d1 * b.d2 + a.d2 * b.d1 + a.v * b.d12};
}
inline Hyper inverse(const Hyper& b) {
  const double i = 1 / b.v;
  return chain(b, i, -i * i, 2 * i * i * i);
}

inline Hyper apply_hyper(Op op, const Hyper& a, const Hyper& b, double c) {
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

}  // namespace descent::detail::expression
