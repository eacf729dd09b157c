#include "descent/optimizers/lbfgs.hpp"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <stdexcept>

#include "descent/optimizer_config.hpp"
#include "descent/wrapped.hpp"
#include "kernels/reductions.hpp"

namespace descent {
namespace {

enum Stop { kRunning, kGradient, kLossChange, kStepChange, kNotDescent, kNoDecrease };

using detail::axpy_dot;
using detail::dot;
using detail::max_abs;

// One point of the line search: step t, loss f, directional derivative dg = g(w + t d).d.
struct Sample {
  double t, f, dg;
  bool finite() const { return std::isfinite(f) && std::isfinite(dg); }
};

// The minimizer of the cubic through (a.t, a.f, a.dg) and (b.t, b.f, b.dg), clamped to [lo, hi];
// the middle of [lo, hi] when the cubic has no minimizer or a value is not finite.
// Nocedal & Wright (3.59).
double cubic_min(const Sample& a, const Sample& b, double lo, double hi) {
  if (lo > hi) std::swap(lo, hi);
  if (!a.finite() || !b.finite() || a.t == b.t) return 0.5 * (lo + hi);
  const double d1 = a.dg + b.dg - 3.0 * (a.f - b.f) / (a.t - b.t);
  const double d2sq = d1 * d1 - a.dg * b.dg;
  if (!(d2sq >= 0.0)) return 0.5 * (lo + hi);
  const double d2 = std::copysign(std::sqrt(d2sq), b.t - a.t);
  const double t = b.t - (b.t - a.t) * ((b.dg + d2 - d1) / (b.dg - a.dg + 2.0 * d2));
  if (!std::isfinite(t)) return 0.5 * (lo + hi);
  return std::clamp(t, lo, hi);
}

// A pair (s, y) is kept only if s.y > kCurvature |s| |y|.
template <class T>
constexpr double kCurvature = std::numeric_limits<T>::epsilon();

constexpr double kC1 = 1e-4;
constexpr int kMaxEvaluations = 25;

// A step length satisfying the strong Wolfe conditions along d from w (loss f0, slope gtd0 < 0,
// dmax = max|d_i|), or the best Armijo point found within the evaluation budget (0 if none).
template <class T>
double strong_wolfe(std::span<const T> w, std::span<const T> d, double dmax, double f0, double gtd0,
                    double t, double tolerance_change, double c2, const Closure<T>& closure,
                    std::int64_t& evaluations, detail::AlignedVector<T>& x,
                    detail::AlignedVector<T>& gx) {
  x.resize(w.size());
  gx.resize(w.size());
  int budget = kMaxEvaluations;
  const auto phi = [&](double step) {
    detail::step_to<T>(x, {}, w, static_cast<T>(step), d);
    const double f = closure(x, gx);
    ++evaluations;
    --budget;
    return Sample{step, f, dot<T>(gx, d)};
  };
  const auto armijo = [&](const Sample& s) { return s.finite() && s.f <= f0 + kC1 * s.t * gtd0; };
  const auto curvature = [&](const Sample& s) { return std::abs(s.dg) <= -c2 * gtd0; };

  // Zoom between lo (satisfies Armijo, lowest loss so far) and hi.
  const auto zoom = [&](Sample lo, Sample hi) {
    while (budget > 0 && std::abs(hi.t - lo.t) * dmax >= tolerance_change) {
      const double a = std::min(lo.t, hi.t), b = std::max(lo.t, hi.t);
      double tt = cubic_min(lo, hi, a, b);
      // Keep away from the ends, where interpolation makes little progress.
      if (tt - a < 0.1 * (b - a) || b - tt < 0.1 * (b - a)) tt = 0.5 * (a + b);
      const Sample cur = phi(tt);
      if (!armijo(cur) || cur.f >= lo.f) {
        hi = cur;
      } else {
        if (curvature(cur)) return cur.t;
        if (cur.dg * (hi.t - lo.t) >= 0) hi = lo;
        lo = cur;
      }
    }
    return lo.t;
  };

  Sample prev{0.0, f0, gtd0};
  for (int i = 0; budget > 0; ++i) {
    const Sample cur = phi(t);
    if (!armijo(cur) || (i > 0 && cur.f >= prev.f)) return zoom(prev, cur);
    if (curvature(cur)) return cur.t;
    if (cur.dg >= 0) return zoom(cur, prev);
    const double next = cubic_min(prev, cur, cur.t + 0.01 * (cur.t - prev.t), 10.0 * cur.t);
    prev = cur;
    t = next;
  }
  return prev.t;  // out of budget: the last point that satisfied Armijo (0 if none)
}

template <std::floating_point T>
std::unique_ptr<Optimizer<T>> make_lbfgs(const OptimizerConfig& c) {
  auto opt = std::make_unique<Lbfgs<T>>(from_param_set<LbfgsParams>(c.values(), kLbfgsFields));
  if (c.plain()) return opt;
  return std::make_unique<Wrapped<T>>(std::move(opt), c.preludes(), c.schedule());
}

}  // namespace

const OptimizerInfo& lbfgs_info() {
  static const OptimizerInfo info = [] {
    OptimizerInfo i = documented(kLbfgsDoc);
    i.params = param_infos(kLbfgsFields);
    i.evaluations_per_step = 1 + kMaxEvaluations;
    i.make_double = [](const OptimizerConfig& c) { return make_lbfgs<double>(c); };
    i.make_float = [](const OptimizerConfig& c) { return make_lbfgs<float>(c); };
    return i;
  }();
  return info;
}

template <std::floating_point T>
Lbfgs<T>::Lbfgs(const LbfgsParams& params) : p_(params) {
  check_params("optimizer 'lbfgs'", info().params, this->params());
}

template <std::floating_point T>
std::string Lbfgs<T>::converged() const {
  // Why it stopped, by Stop.
  static constexpr const char* kReasons[] = {
      "",
      "max|g| <= tolerance_grad",
      "the last step changed the loss by less than tolerance_change (relative)",
      "the last step was shorter than tolerance_change",
      "the L-BFGS direction is no longer a descent direction",
      "the line search found no decrease"};
  return s_.stop >= 0 && s_.stop <= kNoDecrease ? kReasons[s_.stop] : "";
}

template <std::floating_point T>
void Lbfgs<T>::step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>& f) {
  detail::check_step_sizes(s_.n, w.size(), g.size());
  if (s_.stop == kRunning) s_.stop = iterate(w, g, loss, f ? &f : nullptr);
}

template <std::floating_point T>
std::int64_t Lbfgs<T>::iterate(std::span<T> w, std::span<const T> g, double loss,
                               const Closure<T>* f) {
  const std::size_t n = s_.n;
  if (max_abs(g) <= p_.tolerance_grad) return kGradient;
  if (s_.iteration > 0) {
    // Relative to the loss, so that functions whose minimum is 0 are not stopped while the loss
    // is small but still falling fast.
    if (std::isfinite(loss) &&
        std::abs(loss - s_.prev_loss) <=
            p_.tolerance_change * std::max(std::abs(loss), std::abs(s_.prev_loss)))
      return kLossChange;
    if (s_.last_step <= p_.tolerance_change) return kStepChange;
    add_pair(w, g);
  }

  // Two-loop recursion, d = -H g. Each pass that adds a multiple of one pair's vector to d also
  // takes the dot product with d that the next one needs (the first pass, d = -g, too; the last
  // pass of the first loop also scales d by gamma, the last of the second measures max|d_i|).
  // Pair j (0 the oldest) is in slot(j).
  const std::size_t m = s_.s.size();
  const auto slot = [&](std::size_t j) { return (s_.first + j) % m; };
  const auto s = [&](std::size_t j) { return std::span<const T>(s_.s[slot(j)]); };
  const auto y = [&](std::size_t j) { return std::span<const T>(s_.y[slot(j)]); };
  d_.resize(n);
  alpha_.resize(m);
  const std::span<T> d = d_;
  double next = detail::negate_dot<T>(d, g, m > 0 ? s(m - 1) : g);  // s_j.d, y_j.d, last g.d
  double dmax = 0.0;
  for (std::size_t j = m; j-- > 0;) {
    alpha_[j] = 1.0 / s_.sy[slot(j)] * next;
    if (j > 0) {
      next = axpy_dot<T>(d, -static_cast<T>(alpha_[j]), y(j), s(j - 1));
    } else {  // d <- gamma (d - alpha_0 y_0), H0 = gamma I
      const double gamma = s_.sy[slot(m - 1)] / s_.yy[slot(m - 1)];
      next = detail::axpy_scale_dot<T>(d, -static_cast<T>(alpha_[j]), y(0), gamma);
    }
  }
  for (std::size_t j = 0; j < m; ++j) {
    const double beta = 1.0 / s_.sy[slot(j)] * next;
    const auto c = static_cast<T>(alpha_[j] - beta);
    next = j + 1 < m ? axpy_dot<T>(d, c, s(j), y(j + 1))
                     : detail::axpy_dot_max<T>(d, c, s(j), g, dmax);
  }
  if (m == 0) dmax = max_abs<T>(d);
  const double gtd = next;  // g.d
  if (!(gtd < 0.0)) return kNotDescent;
  double t = p_.lr;
  if (s_.iteration == 0) {
    double l1 = 0.0;
    for (T x : g) l1 += std::abs(static_cast<double>(x));
    t *= std::min(1.0, 1.0 / l1);
  }
  if (p_.line_search == LineSearch::strong_wolfe && f != nullptr && std::isfinite(loss)) {
    t = strong_wolfe<T>(w, d, dmax, loss, gtd, t, p_.tolerance_change, p_.c2, *f, s_.evaluations,
                        x_, gx_);
    if (t == 0.0) return kNoDecrease;
  }
  s_.prev_w.resize(n);
  s_.prev_g.assign(g.begin(), g.end());
  s_.prev_loss = loss;
  detail::step_to<T>(w, s_.prev_w, w, static_cast<T>(t), d);
  // Rounding is monotonic: the longest coordinate step is the one along the largest |d_i|.
  s_.last_step = std::abs(static_cast<double>(static_cast<T>(t) * static_cast<T>(dmax)));
  ++s_.iteration;
  return kRunning;
}

template <std::floating_point T>
void Lbfgs<T>::add_pair(std::span<const T> w, std::span<const T> g) {
  d_.resize(s_.n);
  x_.resize(s_.n);
  detail::differences<T>(d_, x_, w, s_.prev_w, g, s_.prev_g);
  const double sy = dot<T>(x_, d_);
  const double yy = dot<T>(x_, x_);
  // The curvature test is relative (the cosine of s and y), so that scaling f changes nothing.
  if (!(sy > kCurvature<T> * std::sqrt(dot<T>(d_, d_)) * std::sqrt(yy))) return;
  if (s_.s.size() < static_cast<std::size_t>(p_.history)) {  // it grows until full, then turns
    s_.s.push_back(std::move(d_));
    s_.y.push_back(std::move(x_));
    s_.sy.push_back(sy);
    s_.yy.push_back(yy);
  } else {  // the buffers swap places: the oldest pair's become the scratch ones
    std::swap(s_.s[s_.first], d_);
    std::swap(s_.y[s_.first], x_);
    s_.sy[s_.first] = sy;
    s_.yy[s_.first] = yy;
    s_.first = (s_.first + 1) % s_.s.size();
  }
}

template <std::floating_point T>
void Lbfgs<T>::visit_state(StateVisitor<T>& v) {
  v.integer("iteration", s_.iteration);
  v.integer("evaluations", s_.evaluations);
  v.integer("stop", s_.stop);
  v.real("prev_loss", s_.prev_loss);
  v.real("last_step", s_.last_step);
  // prev_w and prev_g are empty before the first step and n long after it.
  std::int64_t have_prev = s_.prev_w.empty() ? 0 : 1;
  v.integer("has_previous", have_prev);
  s_.prev_w.resize(have_prev ? s_.n : 0);
  s_.prev_g.resize(have_prev ? s_.n : 0);
  v.array("prev_w", s_.prev_w);
  v.array("prev_g", s_.prev_g);
  // The pairs, oldest first.
  for (auto* ring : {&s_.s, &s_.y})
    std::rotate(ring->begin(), ring->begin() + s_.first, ring->end());
  s_.first = 0;
  auto pairs = static_cast<std::int64_t>(s_.s.size());
  v.integer("pairs", pairs);
  if (pairs < 0 || pairs > p_.history) throw std::invalid_argument("lbfgs state: bad pair count");
  // Each pair is allocated just before it is visited, so that a loader refuses a count its file
  // does not back (a missing pair) having allocated no more than one pair beyond what it read.
  s_.s.resize(static_cast<std::size_t>(pairs));
  s_.y.resize(static_cast<std::size_t>(pairs));
  s_.sy.resize(static_cast<std::size_t>(pairs));
  s_.yy.resize(static_cast<std::size_t>(pairs));
  std::vector<T> pair;  // the visitor's arrays are std::vector
  const auto array = [&](const std::string& name, detail::AlignedVector<T>& a) {
    pair.assign(a.begin(), a.end());
    v.array(name, pair);
    a.assign(pair.begin(), pair.end());
  };
  for (std::size_t j = 0; j < s_.s.size(); ++j) {
    s_.s[j].resize(s_.n);
    array("s" + std::to_string(j), s_.s[j]);
    s_.y[j].resize(s_.n);
    array("y" + std::to_string(j), s_.y[j]);
    s_.sy[j] = dot<T>(s_.y[j], s_.s[j]);
    s_.yy[j] = dot<T>(s_.y[j], s_.y[j]);
  }
}

template class Lbfgs<float>;
template class Lbfgs<double>;

}  // namespace descent
