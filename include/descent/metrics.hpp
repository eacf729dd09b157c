// descent: figures of merit of one trajectory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "descent/trajectory.hpp"

namespace descent {

struct Metrics {
  /// Loss at the last recorded step.
  double final_loss = 0.0;
  /// Lowest loss seen, and the first step where it was seen.
  double best_loss = 0.0;
  std::size_t best_step = 0;
  /// The first step whose loss is <= the tolerance, if any.
  std::optional<std::size_t> steps_to_tol;
  /// Sum of the Euclidean lengths of the steps taken.
  double path_length = 0.0;
  /// Per coordinate: how often a step's sign is the reverse of the previous step's sign in that
  /// coordinate (the zig-zag across a valley). Zero-length steps neither count nor break a run.
  std::vector<std::size_t> zigzags;
  /// Euclidean distance from the last point to the nearest known minimizer, if any is known.
  std::optional<double> distance_to_minimizer;
};

/// Measures the metrics of a path one step at a time, holding one point: what compute_metrics()
/// gives for the trajectory of every observed step, without storing the trajectory.
class MetricsTracker {
 public:
  MetricsTracker(std::size_t dim, double tol);
  /// A tracker that goes on from a path already measured: `so_far` its metrics (without the
  /// distance), `signs` each coordinate's last step direction (-1, 0 or 1) and `last` its last
  /// point. Throws std::invalid_argument if their sizes differ or a sign is not -1, 0 or 1.
  MetricsTracker(double tol, const Metrics& so_far, std::vector<int> signs,
                 std::span<const double> last);
  /// The next step of the path: its step number, point (dim values) and loss.
  void observe(std::uint64_t step, std::span<const double> point, double loss);
  /// Steps observed so far.
  std::size_t observed() const { return rows_; }
  /// The last point observed.
  std::span<const double> last_point() const { return last_; }
  /// Per coordinate, the direction of the last step that moved it: -1, 0 (none yet) or 1.
  std::span<const int> step_signs() const { return last_sign_; }
  /// The metrics of the steps observed (at least one). `minimizers` may be empty.
  Metrics metrics(std::span<const std::vector<double>> minimizers) const;

 private:
  double tol_;
  std::size_t rows_ = 0;
  Metrics m_;
  std::vector<int> last_sign_;
  std::vector<double> last_;
};

/// Computes the metrics of a non-empty trajectory. `minimizers` may be empty.
Metrics compute_metrics(const Trajectory& t, double tol,
                        std::span<const std::vector<double>> minimizers);

}  // namespace descent
