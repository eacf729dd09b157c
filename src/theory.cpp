#include "descent/theory.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "descent/error.hpp"
#include "descent/params.hpp"

namespace descent {

void symmetric_eigen(std::vector<double> a, std::size_t n, std::vector<double>& values,
                     std::vector<std::vector<double>>& vectors) {
  std::vector<double> v(n * n, 0.0);
  for (std::size_t i = 0; i < n; ++i) v[i * n + i] = 1.0;
  for (int sweep = 0; sweep < 100; ++sweep) {
    double off = 0.0;
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = i + 1; j < n; ++j) off += a[i * n + j] * a[i * n + j];
    if (off < 1e-300) break;
    for (std::size_t p = 0; p < n; ++p)
      for (std::size_t q = p + 1; q < n; ++q) {
        const double apq = a[p * n + q];
        if (apq == 0.0) continue;
        const double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const double t =
            (theta >= 0 ? 1.0 : -1.0) / (std::abs(theta) + std::sqrt(theta * theta + 1));
        const double c = 1 / std::sqrt(t * t + 1), s = t * c;
        for (std::size_t k = 0; k < n; ++k) {
          const double akp = a[k * n + p], akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double apk = a[p * n + k], aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (std::size_t k = 0; k < n; ++k) {
          const double vkp = v[k * n + p], vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
  }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](std::size_t x, std::size_t y) { return a[x * n + x] < a[y * n + y]; });
  values.clear();
  vectors.clear();
  for (std::size_t k : order) {
    values.push_back(a[k * n + k]);
    std::vector<double> col(n);
    for (std::size_t i = 0; i < n; ++i) col[i] = v[i * n + k];
    // A sign convention: the largest component positive.
    const auto big = std::max_element(col.begin(), col.end(),
                                      [](double x, double y) { return std::abs(x) < std::abs(y); });
    if (*big < 0)
      for (double& x : col) x = -x;
    vectors.push_back(col);
  }
}

Analysis analyze(const Objective& f, std::optional<std::vector<double>> at) {
  const std::size_t n = f.dim();
  Analysis r;
  if (at) {
    if (at->size() != n)
      throw InputError("the point has " + std::to_string(at->size()) + " coordinates but '" +
                       f.spec() + "' takes " + std::to_string(n));
    r.point = *at;
  } else {
    const auto mins = f.minimizers();
    if (mins.empty())
      throw InputError("'" + f.spec() + "' has no known minimizer: give a point with --at");
    r.point = mins.front();
    r.at_minimizer = true;
  }
  // A point where the function is not a number has nothing to analyze (x^0.5 at -1); one where
  // only its slope is infinite (sqrt(x) at 0) has no Hessian, said below.
  {
    std::vector<double> g(n);
    if (!std::isfinite(f.value_and_gradient(r.point, g))) {
      std::string point;
      for (double x : r.point) point += (point.empty() ? "" : ", ") + format_double(x);
      const std::string why = f.explain_non_finite(r.point);
      throw InputError("function '" + f.spec() + "' is not finite at (" + point + ")" +
                       (why.empty() ? "" : ": " + why));
    }
  }
  if (n > 200) {
    r.not_applicable = "the Hessian of a function of more than 200 variables is not analyzed";
    return r;
  }
  std::vector<double> h(n * n);
  if (!f.hessian(r.point, h) ||
      !std::all_of(h.begin(), h.end(), [](double x) { return std::isfinite(x); })) {
    r.not_applicable = "the function has no Hessian at this point (not twice differentiable)";
    return r;
  }
  // A quadratic has the same Hessian everywhere: compare with two other points.
  {
    std::mt19937_64 rng(7);
    std::vector<double> h2(n * n), p(n);
    bool same = true;
    for (int k = 0; k < 2 && same; ++k) {
      for (double& x : p) x = std::uniform_real_distribution<double>(-1.5, 1.5)(rng);
      same = f.hessian(p, h2);
      for (std::size_t i = 0; same && i < n * n; ++i)
        same = std::abs(h2[i] - h[i]) <= 1e-12 * (1 + std::abs(h[i]));
    }
    r.quadratic = same;
  }
  symmetric_eigen(h, n, r.eigenvalues, r.eigenvectors);
  const double lmin = r.eigenvalues.front(), lmax = r.eigenvalues.back();
  if (!(lmin > 0)) {
    r.not_applicable = lmin < 0 && lmax > 0
                           ? "a saddle point: the Hessian has eigenvalues of both signs"
                       : lmax <= 0 ? "not a minimum: the Hessian has no positive eigenvalue"
                                   : "a flat direction: the smallest eigenvalue is 0";
    return r;
  }
  const double kappa = lmax / lmin;
  r.kappa = kappa;
  r.gd = GdTheory{2 / lmax, 2 / (lmin + lmax), (kappa - 1) / (kappa + 1)};
  const double sk = std::sqrt(kappa);
  const double lr_star = std::pow(2 / (std::sqrt(lmin) + std::sqrt(lmax)), 2);
  r.momentum = MomentumTheory{lr_star, std::pow((sk - 1) / (sk + 1), 2), (sk - 1) / (sk + 1), lmax};
  r.nesterov = NesterovTheory{lmax};
  return r;
}

std::optional<std::size_t> predicted_steps(double rate, double reduction) {
  if (!(rate >= 0) || !(reduction > 0)) return std::nullopt;
  if (reduction >= 1) return 0;
  if (rate == 0) return 1;
  if (rate >= 1) return std::nullopt;
  return static_cast<std::size_t>(std::ceil(std::log(reduction) / std::log(rate)));
}

std::optional<double> measured_rate(const Trajectory& t, std::span<const double> minimizer) {
  if (t.size() < 5 || t.steps.size() != t.size() || minimizer.size() != t.dim) return std::nullopt;
  // Scaled, so that distances near the underflow range do not square to 0.
  const auto dist = [&](std::size_t k) {
    const auto p = t.point(k);
    double m = 0;
    for (std::size_t i = 0; i < t.dim; ++i) m = std::max(m, std::abs(p[i] - minimizer[i]));
    if (m == 0) return 0.0;
    double s = 0;
    for (std::size_t i = 0; i < t.dim; ++i)
      s += ((p[i] - minimizer[i]) / m) * ((p[i] - minimizer[i]) / m);
    return m * std::sqrt(s);
  };
  const double d0 = dist(0);
  if (!(d0 > 0)) return std::nullopt;
  // Below about 1e-12 of the minimizer's size rounding decides the distance (at a minimizer of 0
  // that is only the underflow range).
  double scale = 0;
  for (double m : minimizer) scale = std::max(scale, std::abs(m));
  const double floor = scale == 0 ? 1e-280 : 1e-12 * std::max(1.0, scale);
  std::size_t end = t.size() - 1;
  for (std::size_t k = 1; k < t.size(); ++k)
    if (dist(k) <= floor) {
      end = k;
      break;
    }
  // The second half by step number: the rows may be every K-th step, or start at a resumed run's
  // first step (then the half that it recorded).
  std::size_t begin = 0;
  while (t.steps[begin] < t.steps[end] / 2) ++begin;
  if (t.steps[end] < t.steps[begin] + 2) return std::nullopt;
  const std::size_t span = t.steps[end] - t.steps[begin];
  const double a = dist(begin), b = dist(end);
  if (!(a > 0) || !(b > 0)) return std::nullopt;
  return std::pow(b / a, 1.0 / static_cast<double>(span));
}

}  // namespace descent
