#include "descent/functions/rosenbrock.hpp"

#include <algorithm>
#include <memory>

#include "descent/detail/simd_map.hpp"

namespace descent {

Rosenbrock::Rosenbrock(const RosenbrockParams& params) : p_(params) {
  check_params("function 'rosenbrock'", rosenbrock_info().params,
               ParamSet({{"n", static_cast<double>(p_.n)}}));
}

namespace {

// One term of the sum, written once: 100*(b - a^2)^2 + (1 - a)^2 and its two partials.
inline double term(double a, double b) {
  const double t = b - a * a;
  const double u = 1 - a;
  return 100 * t * t + u * u;
}
inline void term_gradient(double a, double b, double& ga, double& gb) {
  const double t = b - a * a;
  const double u = 1 - a;
  ga += -400 * a * t - 2 * u;
  gb += 200 * t;
}

}  // namespace

double Rosenbrock::value(std::span<const double> x) const {
  double f = 0.0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) f += term(x[i], x[i + 1]);
  return f;
}

double Rosenbrock::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  // One pass, with the numbers term() and term_gradient() give and added in their order: g_i is
  // (0 + the partial of term i - 1 in x_i) + the partial of term i, the value the terms' sum.
  const std::size_t n = x.size();
  double f = 0.0, carry = 0.0;  // carry: 0 + the partial of the last term in its second argument
  for (std::size_t i = 0; i + 1 < n; ++i) {
    double ga = carry, gb = 0.0;
    term_gradient(x[i], x[i + 1], ga, gb);
    g[i] = ga;
    carry = gb;
    f += term(x[i], x[i + 1]);
  }
  if (n > 0) g[n - 1] = carry;
  return f;
}

void Rosenbrock::value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                          std::span<double> loss, std::span<double> g) const {
  const std::size_t n = dim();
  detail::check_lanes(n, lanes, x.size(), loss.size(), g.size());
  const Simd level = simd();
  std::fill(g.begin(), g.end(), 0.0);
  std::fill(loss.begin(), loss.end(), 0.0);
  // Row by row, in the order value_and_gradient adds: first the gradient, then the value.
  for (std::size_t i = 0; i + 1 < n; ++i)
    detail::simd_map(
        level, lanes,
        [](const double& a, const double& b, double& ga, double& gb) {
          term_gradient(a, b, ga, gb);
        },
        x.data() + i * lanes, x.data() + (i + 1) * lanes, g.data() + i * lanes,
        g.data() + (i + 1) * lanes);
  for (std::size_t i = 0; i + 1 < n; ++i)
    detail::simd_map(
        level, lanes, [](const double& a, const double& b, double& f) { f += term(a, b); },
        x.data() + i * lanes, x.data() + (i + 1) * lanes, loss.data());
}

bool Rosenbrock::hessian(std::span<const double> x, std::span<double> h) const {
  const std::size_t n = dim();
  std::fill(h.begin(), h.end(), 0.0);
  for (std::size_t i = 0; i + 1 < n; ++i) {
    h[i * n + i] += 1200 * x[i] * x[i] - 400 * x[i + 1] + 2;
    h[i * n + i + 1] += -400 * x[i];
    h[(i + 1) * n + i] += -400 * x[i];
    h[(i + 1) * n + i + 1] += 200;
  }
  return true;
}

std::string Rosenbrock::spec() const { return "rosenbrock:n=" + std::to_string(p_.n); }

std::string Rosenbrock::formula() const {
  if (p_.n == 2) return "100*(w2 - w1^2)^2 + (1 - w1)^2";
  return "sum_i 100*(w[i+1] - w[i]^2)^2 + (1 - w[i])^2, n = " + std::to_string(p_.n);
}

std::vector<std::vector<double>> Rosenbrock::minimizers() const {
  return {std::vector<double>(dim(), 1.0)};
}

std::vector<double> Rosenbrock::default_start() const {
  std::vector<double> x(dim());
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = i % 2 == 0 ? -1.2 : 1.0;
  return x;
}

Box Rosenbrock::bounds() const {
  Box b{std::vector<double>(dim(), -2.0), std::vector<double>(dim(), 2.0)};
  for (std::size_t i = 1; i < dim(); i += 2) {
    b.lower[i] = -1.0;
    b.upper[i] = 3.0;
  }
  return b;
}

const FunctionInfo& rosenbrock_info() {
  static const FunctionInfo info = [] {
    const ParamInfo n = integer_param("n", 2, 2, 10'000'000, "dimension");
    return FunctionInfo{
        "rosenbrock",
        "the banana valley 100*(w2 - w1^2)^2 + (1 - w1)^2, chained in n dimensions",
        {n},
        [](const ParamSet& s) -> std::unique_ptr<Objective> {
          return std::make_unique<Rosenbrock>(RosenbrockParams{.n = static_cast<int>(s.get("n"))});
        },
        [](const ParamSet& s) { return sized_cost(s.get("n"), 12); }};
  }();
  return info;
}

}  // namespace descent
