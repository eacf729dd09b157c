#include "descent/functions/catalog.hpp"

#include <cmath>
#include <limits>
#include <memory>
#include <numbers>

#include "descent/error.hpp"
#include "descent/expression.hpp"

namespace descent {
namespace {

constexpr double kPi = std::numbers::pi;
constexpr double kInf = std::numeric_limits<double>::infinity();

// Gaussian elimination with partial pivoting on a small dense system; false if singular.
bool solve(std::vector<double> a, std::vector<double>& b) {
  const std::size_t n = b.size();
  for (std::size_t k = 0; k < n; ++k) {
    std::size_t p = k;
    for (std::size_t i = k + 1; i < n; ++i)
      if (std::abs(a[i * n + k]) > std::abs(a[p * n + k])) p = i;
    if (a[p * n + k] == 0) return false;
    for (std::size_t j = 0; j < n; ++j) std::swap(a[k * n + j], a[p * n + j]);
    std::swap(b[k], b[p]);
    for (std::size_t i = k + 1; i < n; ++i) {
      const double f = a[i * n + k] / a[k * n + k];
      for (std::size_t j = k; j < n; ++j) a[i * n + j] -= f * a[k * n + j];
      b[i] -= f * b[k];
    }
  }
  for (std::size_t k = n; k-- > 0;) {
    for (std::size_t j = k + 1; j < n; ++j) b[k] -= a[k * n + j] * b[j];
    b[k] /= a[k * n + k];
  }
  return true;
}

// A function given by a formula in x and y (an Expression) with its known facts.
struct FormulaDef {
  const char* name;
  const char* doc;
  const char* formula;
  Box bounds;
  std::vector<double> start;
  std::vector<std::vector<double>> minimizers;  // approximate; refined by Newton
  std::optional<double> minimum;                // approximate when minimizers are
};

class FormulaFunction final : public Objective {
 public:
  explicit FormulaFunction(const FormulaDef& def)
      : def_(def), e_(def.formula), minimizers_(def.minimizers) {
    for (auto& m : minimizers_) m = refine_minimizer(*this, m);
    if (def_.minimum && !minimizers_.empty()) minimum_ = value(minimizers_.front());
  }
  std::size_t dim() const override { return 2; }
  double value(std::span<const double> x) const override { return e_.value(x); }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    return e_.value_and_gradient(x, g);
  }
  void value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                std::span<double> loss, std::span<double> g) const override {
    e_.value_and_gradient_lanes(lanes, x, loss, g);
  }
  bool hessian(std::span<const double> x, std::span<double> h) const override {
    return e_.hessian(x, h);
  }
  std::string spec() const override { return def_.name; }
  std::string formula() const override { return def_.formula; }
  std::vector<std::vector<double>> minimizers() const override { return minimizers_; }
  std::optional<double> minimum() const override { return minimum_; }
  std::vector<double> default_start() const override { return def_.start; }
  Box bounds() const override { return def_.bounds; }
  std::string explain_non_finite(std::span<const double> x) const override {
    return e_.explain_non_finite(x);
  }

 private:
  const FormulaDef& def_;
  Expression e_;
  std::vector<std::vector<double>> minimizers_;
  std::optional<double> minimum_;
};

FunctionInfo formula_info(const FormulaDef& def) {
  return FunctionInfo{def.name, def.doc, {}, [&def](const ParamSet&) -> std::unique_ptr<Objective> {
                        return std::make_unique<FormulaFunction>(def);
                      }};
}

Box square(double r) { return {{-r, -r}, {r, r}}; }

// ---- n-D functions in C++ -------------------------------------------------------------------

class Rastrigin final : public Objective {
 public:
  explicit Rastrigin(int n) : n_(static_cast<std::size_t>(n)) {}
  std::size_t dim() const override { return n_; }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    double f = 10.0 * static_cast<double>(n_);
    for (std::size_t i = 0; i < n_; ++i) {
      f += x[i] * x[i] - 10 * std::cos(2 * kPi * x[i]);
      g[i] = 2 * x[i] + 20 * kPi * std::sin(2 * kPi * x[i]);
    }
    return f;
  }
  bool hessian(std::span<const double> x, std::span<double> h) const override {
    std::fill(h.begin(), h.end(), 0.0);
    for (std::size_t i = 0; i < n_; ++i)
      h[i * n_ + i] = 2 + 40 * kPi * kPi * std::cos(2 * kPi * x[i]);
    return true;
  }
  std::string spec() const override { return "rastrigin:n=" + std::to_string(n_); }
  std::string formula() const override {
    return n_ == 2 ? "20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)"
                   : "10*n + sum_i (w[i]^2 - 10*cos(2*pi*w[i])), n = " + std::to_string(n_);
  }
  std::vector<std::vector<double>> minimizers() const override {
    return {std::vector<double>(n_, 0.0)};
  }
  std::optional<double> minimum() const override { return 0.0; }
  std::vector<double> default_start() const override {
    std::vector<double> x(n_);
    for (std::size_t i = 0; i < n_; ++i) x[i] = i % 2 == 0 ? 2.3 : -3.1;
    return x;
  }
  Box bounds() const override {
    return {std::vector<double>(n_, -5.12), std::vector<double>(n_, 5.12)};
  }

 private:
  std::size_t n_;
};

class Ackley final : public Objective {
 public:
  std::size_t dim() const override { return 2; }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    const double r = std::sqrt(0.5 * (x[0] * x[0] + x[1] * x[1]));
    const double a = std::exp(-0.2 * r);
    const double b = std::exp(0.5 * (std::cos(2 * kPi * x[0]) + std::cos(2 * kPi * x[1])));
    for (int i = 0; i < 2; ++i) {
      // d/dx of -20 a: 20 * 0.2 * a * dr/dx, dr/dx = x / (2 r); taken as 0 at r = 0 (a cone tip,
      // where 0 is a subgradient).
      const double dr = r > 0 ? 0.5 * x[i] / r : 0.0;
      g[i] = 4 * a * dr + b * kPi * std::sin(2 * kPi * x[i]);
    }
    return -20 * a - b + std::numbers::e + 20;
  }
  bool hessian(std::span<const double> x, std::span<double> h) const override {
    const double r2 = 0.5 * (x[0] * x[0] + x[1] * x[1]);
    if (r2 == 0) return false;  // not differentiable at the tip
    const double r = std::sqrt(r2);
    const double a = std::exp(-0.2 * r);
    const double b = std::exp(0.5 * (std::cos(2 * kPi * x[0]) + std::cos(2 * kPi * x[1])));
    const double s[2] = {std::sin(2 * kPi * x[0]), std::sin(2 * kPi * x[1])};
    const double c[2] = {std::cos(2 * kPi * x[0]), std::cos(2 * kPi * x[1])};
    const double dr[2] = {0.5 * x[0] / r, 0.5 * x[1] / r};
    for (int i = 0; i < 2; ++i)
      for (int j = i; j < 2; ++j) {
        const double drr = ((i == j ? 0.5 : 0.0) - dr[i] * dr[j]) / r;  // d2r / dxi dxj
        // 4 a dr_i:  4 (a' dr_j) dr_i + 4 a drr,  a' = -0.2 a
        double v = -0.8 * a * dr[i] * dr[j] + 4 * a * drr;
        // b pi s_i: pi (db/dxj) s_i + b pi ds_i/dxj,  db/dxj = -b pi s_j
        v += -b * kPi * kPi * s[i] * s[j] + (i == j ? b * 2 * kPi * kPi * c[i] : 0.0);
        h[static_cast<std::size_t>(i * 2 + j)] = h[static_cast<std::size_t>(j * 2 + i)] = v;
      }
    return true;
  }
  std::string spec() const override { return "ackley"; }
  std::string formula() const override {
    return "-20*exp(-0.2*sqrt((x^2 + y^2)/2)) - exp((cos(2*pi*x) + cos(2*pi*y))/2) + e + 20";
  }
  std::vector<std::vector<double>> minimizers() const override { return {{0.0, 0.0}}; }
  std::optional<double> minimum() const override { return 0.0; }
  std::vector<double> default_start() const override { return {2.5, -1.5}; }
  Box bounds() const override { return square(5); }
};

class StyblinskiTang final : public Objective {
 public:
  explicit StyblinskiTang(int n) : n_(static_cast<std::size_t>(n)) {
    // The root of 4x^3 - 32x + 5 = 0 near -2.9035, by Newton.
    double r = -2.9035;
    for (int k = 0; k < 20; ++k) r -= (4 * r * r * r - 32 * r + 5) / (12 * r * r - 32);
    root_ = r;
  }
  std::size_t dim() const override { return n_; }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    double f = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      const double v = x[i];
      f += v * v * v * v - 16 * v * v + 5 * v;
      g[i] = 0.5 * (4 * v * v * v - 32 * v + 5);
    }
    return 0.5 * f;
  }
  bool hessian(std::span<const double> x, std::span<double> h) const override {
    std::fill(h.begin(), h.end(), 0.0);
    for (std::size_t i = 0; i < n_; ++i) h[i * n_ + i] = 0.5 * (12 * x[i] * x[i] - 32);
    return true;
  }
  std::string spec() const override { return "styblinski_tang:n=" + std::to_string(n_); }
  std::string formula() const override {
    return n_ == 2 ? "(x^4 - 16*x^2 + 5*x + y^4 - 16*y^2 + 5*y)/2"
                   : "sum_i (w[i]^4 - 16*w[i]^2 + 5*w[i])/2, n = " + std::to_string(n_);
  }
  std::vector<std::vector<double>> minimizers() const override {
    return {std::vector<double>(n_, root_)};
  }
  std::optional<double> minimum() const override { return value(std::vector<double>(n_, root_)); }
  std::vector<double> default_start() const override { return std::vector<double>(n_, 0.0); }
  Box bounds() const override {
    return {std::vector<double>(n_, -5.0), std::vector<double>(n_, 5.0)};
  }

 private:
  std::size_t n_;
  double root_;
};

class IllConditioned final : public Objective {
 public:
  IllConditioned(double kappa, int n) : kappa_(kappa), lambda_(static_cast<std::size_t>(n)) {
    const std::size_t m = lambda_.size();
    for (std::size_t i = 0; i < m; ++i)
      lambda_[i] =
          m == 1 ? 1.0 : std::pow(kappa, static_cast<double>(i) / static_cast<double>(m - 1));
  }
  std::size_t dim() const override { return lambda_.size(); }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    double f = 0;
    for (std::size_t i = 0; i < lambda_.size(); ++i) {
      f += lambda_[i] * (x[i] * x[i]);
      g[i] = (2 * lambda_[i]) * x[i];
    }
    return f;
  }
  bool hessian(std::span<const double>, std::span<double> h) const override {
    const std::size_t n = lambda_.size();
    std::fill(h.begin(), h.end(), 0.0);
    for (std::size_t i = 0; i < n; ++i) h[i * n + i] = 2 * lambda_[i];
    return true;
  }
  std::string spec() const override {
    return "ill_conditioned:kappa=" + format_double(kappa_) +
           ",n=" + std::to_string(lambda_.size());
  }
  std::string formula() const override {
    return "sum_i kappa^(i/(n-1)) * w[i]^2, kappa = " + format_double(kappa_) +
           ", n = " + std::to_string(lambda_.size());
  }
  std::vector<std::vector<double>> minimizers() const override {
    return {std::vector<double>(lambda_.size(), 0.0)};
  }
  std::optional<double> minimum() const override { return 0.0; }
  std::vector<double> default_start() const override {
    return std::vector<double>(lambda_.size(), 1.0);
  }
  Box bounds() const override {
    return {std::vector<double>(lambda_.size(), -2.0), std::vector<double>(lambda_.size(), 2.0)};
  }

 private:
  double kappa_;
  std::vector<double> lambda_;
};

class Quadratic final : public Objective {
 public:
  Quadratic(std::vector<double> eigenvalues, double angle, std::vector<double> matrix)
      : ev_(std::move(eigenvalues)), angle_(angle), matrix_(std::move(matrix)) {
    if (!matrix_.empty()) {
      // A given matrix [[a, b], [b, c]] replaces eigenvalues and angle.
      if (matrix_.size() != 3)
        throw InputError(
            "function 'quadratic': matrix must list 3 numbers a;b;c for [[a, b], [b, c]], got " +
            std::to_string(matrix_.size()));
      if (ev_ != std::vector<double>{1.0, 10.0} || angle_ != 0.0)
        throw InputError("function 'quadratic': give either matrix, or eigenvalues and angle");
      a_[0] = matrix_[0];
      a_[1] = matrix_[1];
      a_[2] = matrix_[2];
      const double mean = (a_[0] + a_[2]) / 2, diff = (a_[0] - a_[2]) / 2;
      const double r = std::sqrt(diff * diff + a_[1] * a_[1]);
      ev_ = {mean - r, mean + r};
      return;
    }
    if (ev_.size() != 2)
      throw InputError("function 'quadratic': eigenvalues must list 2 numbers (e.g. 1;10), got " +
                       std::to_string(ev_.size()));
    const double t = angle * kPi / 180, c = std::cos(t), s = std::sin(t);
    // A = R diag(ev) R^T with R the rotation by `angle`.
    a_[0] = ev_[0] * c * c + ev_[1] * s * s;
    a_[1] = (ev_[0] - ev_[1]) * c * s;
    a_[2] = ev_[0] * s * s + ev_[1] * c * c;
  }
  std::size_t dim() const override { return 2; }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    g[0] = 2 * (a_[0] * x[0] + a_[1] * x[1]);
    g[1] = 2 * (a_[1] * x[0] + a_[2] * x[1]);
    return a_[0] * x[0] * x[0] + 2 * a_[1] * x[0] * x[1] + a_[2] * x[1] * x[1];
  }
  bool hessian(std::span<const double>, std::span<double> h) const override {
    h[0] = 2 * a_[0];
    h[1] = h[2] = 2 * a_[1];
    h[3] = 2 * a_[2];
    return true;
  }
  std::string spec() const override {
    // A given matrix replaces eigenvalues and angle, which its spec leaves out (they would read
    // as the matrix's; they are the defaults).
    if (!matrix_.empty())
      return "quadratic:matrix=" + format_double(matrix_[0]) + ";" + format_double(matrix_[1]) +
             ";" + format_double(matrix_[2]);
    return "quadratic:eigenvalues=" + format_double(ev_[0]) + ";" + format_double(ev_[1]) +
           ",angle=" + format_double(angle_) + ",matrix=none";
  }
  std::string formula() const override {
    return format_double(a_[0]) + "*w1^2 + " + format_double(2 * a_[1]) + "*w1*w2 + " +
           format_double(a_[2]) + "*w2^2";
  }
  std::vector<std::vector<double>> minimizers() const override {
    if (ev_[0] > 0 && ev_[1] > 0) return {{0.0, 0.0}};
    return {};
  }
  std::optional<double> minimum() const override {
    if (ev_[0] > 0 && ev_[1] > 0) return 0.0;
    return std::nullopt;
  }
  std::vector<double> default_start() const override { return {1.0, 1.0}; }
  Box bounds() const override { return square(2); }

 private:
  std::vector<double> ev_;
  double angle_;
  std::vector<double> matrix_;
  double a_[3];
};

const FormulaDef kBeale{"beale",
                        "Beale's function: a flat valley with steep walls, minimum 0 at (3, 0.5)",
                        "(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
                        square(4.5),
                        {1.0, 1.0},
                        {{3.0, 0.5}},
                        0.0};
const FormulaDef kBooth{"booth",
                        "Booth's function: a tilted bowl, minimum 0 at (1, 3)",
                        "(x + 2*y - 7)^2 + (2*x + y - 5)^2",
                        square(10),
                        {-5.0, -5.0},
                        {{1.0, 3.0}},
                        0.0};
const FormulaDef kHimmelblau{
    "himmelblau",
    "Himmelblau's function: four minima of value 0",
    "(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
    square(5),
    {0.0, 0.0},
    {{3.0, 2.0}, {-2.805118, 3.131312}, {-3.779310, -3.283186}, {3.584428, -1.848126}},
    0.0};
const FormulaDef kGoldsteinPrice{
    "goldstein_price",
    "Goldstein-Price function: minimum 3 at (0, -1), several local minima",
    "(1 + (x + y + 1)^2*(19 - 14*x + 3*x^2 - 14*y + 6*x*y + 3*y^2))*(30 + (2*x - 3*y)^2*(18 - "
    "32*x + 12*x^2 + 48*y - 36*x*y + 27*y^2))",
    square(2),
    {1.0, 1.0},
    {{0.0, -1.0}},
    3.0};
const FormulaDef kMatyas{"matyas",
                         "Matyas function: a shallow tilted bowl, minimum 0 at (0, 0)",
                         "0.26*(x^2 + y^2) - 0.48*x*y",
                         square(10),
                         {8.0, 3.0},
                         {{0.0, 0.0}},
                         0.0};
const FormulaDef kThreeHump{"three_hump_camel",
                            "three-hump camel: minimum 0 at (0, 0), two local minima",
                            "2*x^2 - 1.05*x^4 + x^6/6 + x*y + y^2",
                            square(5),
                            {2.0, 1.0},
                            {{0.0, 0.0}},
                            0.0};
const FormulaDef kSixHump{"six_hump_camel",
                          "six-hump camel: two global minima -1.0316 and four local ones",
                          "(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
                          {{-3.0, -2.0}, {3.0, 2.0}},
                          {-1.5, -1.0},
                          {{0.0898, -0.7126}, {-0.0898, 0.7126}},
                          -1.0316};
const FormulaDef kLevi13{"levi13",
                         "Levi function N.13: ripples over a bowl, minimum 0 at (1, 1)",
                         "sin(3*pi*x)^2 + (x - 1)^2*(1 + sin(3*pi*y)^2) + (y - 1)^2*(1 + "
                         "sin(2*pi*y)^2)",
                         square(4),
                         {-2.0, 2.0},
                         {{1.0, 1.0}},
                         0.0};
const FormulaDef kSaddle{
    "saddle",     "the saddle w1^2 - w2^2: no minimum; a saddle point at (0, 0)",
    "x^2 - y^2",  square(2),
    {1.0, 0.001}, {},
    std::nullopt};
const FormulaDef kMonkey{
    "monkey_saddle", "the monkey saddle w1^3 - 3 w1 w2^2: no minimum; a flat saddle at (0, 0)",
    "x^3 - 3*x*y^2", square(2),
    {1.0, 0.5},      {},
    std::nullopt};

}  // namespace

std::vector<double> refine_minimizer(const Objective& f, std::vector<double> x, bool stay_near) {
  const std::size_t n = f.dim();
  std::vector<double> g(n), h(n * n), y = x;
  for (int k = 0; k < 50; ++k) {
    f.value_and_gradient(y, g);
    double gmax = 0;
    for (double v : g) gmax = std::max(gmax, std::abs(v));
    if (gmax == 0) break;
    if (!f.hessian(y, h)) return x;
    std::vector<double> step = g;
    if (!solve(h, step)) return x;
    double smax = 0;
    for (std::size_t i = 0; i < n; ++i) {
      y[i] -= step[i];
      smax = std::max(smax, std::abs(step[i]));
    }
    if (smax <= 1e-17 * (1 + std::abs(y[0]))) break;
  }
  for (std::size_t i = 0; stay_near && i < n; ++i)
    if (!(std::abs(y[i] - x[i]) < 1e-3 * (1 + std::abs(x[i])))) return x;  // went elsewhere
  return y;
}

const FunctionInfo& beale_info() {
  static const FunctionInfo info = formula_info(kBeale);
  return info;
}
const FunctionInfo& booth_info() {
  static const FunctionInfo info = formula_info(kBooth);
  return info;
}
const FunctionInfo& himmelblau_info() {
  static const FunctionInfo info = formula_info(kHimmelblau);
  return info;
}
const FunctionInfo& goldstein_price_info() {
  static const FunctionInfo info = formula_info(kGoldsteinPrice);
  return info;
}
const FunctionInfo& matyas_info() {
  static const FunctionInfo info = formula_info(kMatyas);
  return info;
}
const FunctionInfo& three_hump_camel_info() {
  static const FunctionInfo info = formula_info(kThreeHump);
  return info;
}
const FunctionInfo& six_hump_camel_info() {
  static const FunctionInfo info = formula_info(kSixHump);
  return info;
}
const FunctionInfo& levi13_info() {
  static const FunctionInfo info = formula_info(kLevi13);
  return info;
}
const FunctionInfo& saddle_info() {
  static const FunctionInfo info = formula_info(kSaddle);
  return info;
}
const FunctionInfo& monkey_saddle_info() {
  static const FunctionInfo info = formula_info(kMonkey);
  return info;
}

const FunctionInfo& rastrigin_info() {
  static const FunctionInfo info{
      "rastrigin",
      "Rastrigin's function: a bowl covered in a lattice of local minima, minimum 0 at 0",
      {integer_param("n", 2, 1, 100000, "dimension")},
      [](const ParamSet& s) -> std::unique_ptr<Objective> {
        return std::make_unique<Rastrigin>(static_cast<int>(s.get("n")));
      },
      [](const ParamSet& s) { return sized_cost(s.get("n"), 40); }};
  return info;
}

const FunctionInfo& ackley_info() {
  static const FunctionInfo info{
      "ackley",
      "Ackley's function: a nearly flat plain of ripples around a deep hole at 0",
      {},
      [](const ParamSet&) -> std::unique_ptr<Objective> { return std::make_unique<Ackley>(); }};
  return info;
}

const FunctionInfo& styblinski_tang_info() {
  static const FunctionInfo info{
      "styblinski_tang",
      "Styblinski-Tang function: minimum -39.166 n at w_i = -2.9035",
      {integer_param("n", 2, 1, 100000, "dimension")},
      [](const ParamSet& s) -> std::unique_ptr<Objective> {
        return std::make_unique<StyblinskiTang>(static_cast<int>(s.get("n")));
      },
      [](const ParamSet& s) { return sized_cost(s.get("n"), 10); }};
  return info;
}

const FunctionInfo& ill_conditioned_info() {
  static const FunctionInfo info{
      "ill_conditioned",
      "n-D diagonal quadratic with curvatures from 1 to kappa (log-spaced): condition number kappa",
      {real_param("kappa", 100.0, 1.0, kInf, "condition number", true, false, true),
       integer_param("n", 10, 1, 10000000, "dimension")},
      [](const ParamSet& s) -> std::unique_ptr<Objective> {
        return std::make_unique<IllConditioned>(s.get("kappa"), static_cast<int>(s.get("n")));
      },
      [](const ParamSet& s) { return sized_cost(s.get("n"), 4); }};
  return info;
}

const FunctionInfo& quadratic_info() {
  static const FunctionInfo info = [] {
    ParamInfo ev;
    ev.name = "eigenvalues";
    ev.type = ParamType::real_list;
    ev.min = -1e300;
    ev.max = 1e300;
    ev.default_list = {1.0, 10.0};
    ev.doc = "the two eigenvalues of A (negative ones make a saddle)";
    ParamInfo m = ev;
    m.name = "matrix";
    m.default_list = {};
    m.doc = "a;b;c for A = [[a, b], [b, c]], instead of eigenvalues and angle (none: not given)";
    return FunctionInfo{
        "quadratic",
        "the 2-D quadratic w^T A w, A with the given eigenvalues turned by angle, or given",
        {ev, real_param("angle", 0.0, -360.0, 360.0, "rotation of the eigenvectors, in degrees"),
         m},
        [](const ParamSet& s) -> std::unique_ptr<Objective> {
          return std::make_unique<Quadratic>(s.get_list("eigenvalues"), s.get("angle"),
                                             s.get_list("matrix"));
        }};
  }();
  return info;
}

}  // namespace descent
