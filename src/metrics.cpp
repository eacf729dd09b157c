#include "descent/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <utility>

namespace descent {

MetricsTracker::MetricsTracker(std::size_t dim, double tol)
    : tol_(tol), last_sign_(dim, 0), last_(dim) {
  m_.zigzags.assign(dim, 0);
}

MetricsTracker::MetricsTracker(double tol, const Metrics& so_far, std::vector<int> signs,
                               std::span<const double> last)
    : tol_(tol),
      rows_(1),
      m_(so_far),
      last_sign_(std::move(signs)),
      last_(last.begin(), last.end()) {
  if (m_.zigzags.size() != last_.size() || last_sign_.size() != last_.size())
    throw std::invalid_argument("MetricsTracker: the metrics, signs and point differ in size");
  for (int s : last_sign_)
    if (s < -1 || s > 1)
      throw std::invalid_argument("MetricsTracker: a step sign is not -1, 0 or 1");
  m_.distance_to_minimizer.reset();
}

void MetricsTracker::observe(std::uint64_t step, std::span<const double> point, double loss) {
  const std::size_t n = last_.size();
  if (point.size() != n) throw std::invalid_argument("MetricsTracker: point of the wrong size");
  if (rows_ == 0 || loss < m_.best_loss) {
    m_.best_loss = loss;
    m_.best_step = step;
  }
  if (!m_.steps_to_tol && loss <= tol_) m_.steps_to_tol = step;
  m_.final_loss = loss;
  if (rows_ > 0) {
    double len2 = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double d = point[i] - last_[i];
      len2 += d * d;
      const int sign = (d > 0) - (d < 0);
      if (sign == 0) continue;
      if (last_sign_[i] != 0 && sign != last_sign_[i]) ++m_.zigzags[i];
      last_sign_[i] = sign;
    }
    m_.path_length += std::sqrt(len2);
  }
  std::copy(point.begin(), point.end(), last_.begin());
  ++rows_;
}

Metrics MetricsTracker::metrics(std::span<const std::vector<double>> minimizers) const {
  if (rows_ == 0) throw std::invalid_argument("compute_metrics: empty trajectory");
  Metrics m = m_;
  const std::size_t n = last_.size();
  double best = std::numeric_limits<double>::infinity();
  for (const auto& x : minimizers) {
    if (x.size() != n) continue;
    double d2 = 0.0;
    for (std::size_t i = 0; i < n; ++i) d2 += (last_[i] - x[i]) * (last_[i] - x[i]);
    best = std::min(best, std::sqrt(d2));
  }
  if (std::isfinite(best)) m.distance_to_minimizer = best;
  return m;
}

Metrics compute_metrics(const Trajectory& t, double tol,
                        std::span<const std::vector<double>> minimizers) {
  if (t.empty()) throw std::invalid_argument("compute_metrics: empty trajectory");
  MetricsTracker tracker(t.dim, tol);
  for (std::size_t k = 0; k < t.size(); ++k) tracker.observe(t.steps[k], t.point(k), t.loss[k]);
  return tracker.metrics(minimizers);
}

}  // namespace descent
