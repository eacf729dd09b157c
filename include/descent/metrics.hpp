// descent: figures of merit of one trajectory.
#pragma once

#include <cstddef>
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

/// Computes the metrics of a non-empty trajectory. `minimizers` may be empty.
Metrics compute_metrics(const Trajectory& t, double tol,
                        std::span<const std::vector<double>> minimizers);

}  // namespace descent
