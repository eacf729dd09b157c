// Private: hyper-dual numbers, which carry exact second derivatives through a computation.
//
// A hyper-dual number is a value, two first derivatives along directions 1 and 2, and the mixed
// second derivative. Evaluating a function with the seeds (x_i, 1, 0, 0) and (x_j, 0, 1, 0) on
// its inputs gives d2f/dxi dxj in the result's d12, with no truncation error.
#pragma once

namespace descent::detail::expression {

struct Hyper {
  double v = 0, d1 = 0, d2 = 0, d12 = 0;
};

/// f(x), given f, f' and f'' at x.v: the chain rule to second order.
inline Hyper chain(const Hyper& x, double f, double df, double ddf) {
  return {f, df * x.d1, df * x.d2, df * x.d12 + ddf * x.d1 * x.d2};
}

inline Hyper operator-(const Hyper& a) { return {-a.v, -a.d1, -a.d2, -a.d12}; }
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
/// a times the inverse of b (1/b lifted by the chain rule).
inline Hyper operator/(const Hyper& a, const Hyper& b) {
  const double i = 1 / b.v;
  return a * chain(b, i, -i * i, 2 * i * i * i);
}

/// The value part, for comparisons (min and max take the operand whose value wins).
inline double value_of(const Hyper& x) { return x.v; }
inline double value_of(double x) { return x; }

}  // namespace descent::detail::expression
