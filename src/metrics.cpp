#include "descent/metrics.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace descent {

Metrics compute_metrics(const Trajectory& t, double tol,
                        std::span<const std::vector<double>> minimizers) {
  if (t.empty()) throw std::invalid_argument("compute_metrics: empty trajectory");
  Metrics m;
  const std::size_t n = t.dim;
  const std::size_t rows = t.size();
  m.final_loss = t.loss.back();
  m.best_loss = t.loss[0];
  m.best_step = t.steps[0];
  for (std::size_t k = 0; k < rows; ++k) {
    if (t.loss[k] < m.best_loss) {
      m.best_loss = t.loss[k];
      m.best_step = t.steps[k];
    }
    if (!m.steps_to_tol && t.loss[k] <= tol) m.steps_to_tol = t.steps[k];
  }

  m.zigzags.assign(n, 0);
  std::vector<int> last_sign(n, 0);
  for (std::size_t k = 1; k < rows; ++k) {
    const auto a = t.point(k - 1);
    const auto b = t.point(k);
    double len2 = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      const double d = b[i] - a[i];
      len2 += d * d;
      const int sign = (d > 0) - (d < 0);
      if (sign == 0) continue;
      if (last_sign[i] != 0 && sign != last_sign[i]) ++m.zigzags[i];
      last_sign[i] = sign;
    }
    m.path_length += std::sqrt(len2);
  }

  const auto last = t.point(rows - 1);
  double best = std::numeric_limits<double>::infinity();
  for (const auto& x : minimizers) {
    if (x.size() != n) continue;
    double d2 = 0.0;
    for (std::size_t i = 0; i < n; ++i) d2 += (last[i] - x[i]) * (last[i] - x[i]);
    best = std::min(best, std::sqrt(d2));
  }
  if (std::isfinite(best)) m.distance_to_minimizer = best;
  return m;
}

}  // namespace descent
