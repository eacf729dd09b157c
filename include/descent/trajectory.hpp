// descent: a recorded optimization path.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace descent {

/// The points an optimizer visited, with their loss (and gradient norm when known), one row per
/// recorded step. Rows are stored in step order; the runner records every step from 0 (the start).
struct Trajectory {
  std::size_t dim = 0;
  std::vector<std::uint64_t> steps;
  std::vector<double> points;     ///< row-major: row k is points[k*dim .. k*dim + dim)
  std::vector<double> loss;       ///< one per row
  std::vector<double> grad_norm;  ///< one per row, or empty when unknown (e.g. read from a file)

  std::size_t size() const { return loss.size(); }
  bool empty() const { return loss.empty(); }
  std::span<const double> point(std::size_t row) const {
    return std::span<const double>(points).subspan(row * dim, dim);
  }
};

}  // namespace descent
