// Private: the part of the sweep engine that `tune` shares.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/objective.hpp"
#include "descent/optimizer.hpp"
#include "descent/params.hpp"
#include "descent/sweep.hpp"

namespace descent::detail {

/// The objective of a run: the function, wrapped in gradient noise with seed config.seed +
/// seed_index when config.noise > 0.
std::unique_ptr<Objective> make_objective(const SweepConfig& config, std::size_t seed_index);

/// The given start (or the function's default), then starts-1 points drawn uniformly from the
/// function's box with mt19937_64 seeded by config.seed.
std::vector<std::vector<double>> start_points(const SweepConfig& config, const Objective& f);

/// Checks what sweeps and tuning share: starts, seeds, noise, tol, the start point and the total
/// work of `settings` settings. Throws InputError starting with `owner`.
void check_protocol(const SweepConfig& config, std::string_view owner, std::size_t settings);

/// Cells that are all plain optimizers of one method: the base values with each cell's keys
/// set by fill(cell, values). Lets the engine skip writing and parsing each cell's spec.
struct DirectCells {
  const OptimizerInfo* info = nullptr;  ///< null: make each cell from its spec
  ParamSet base;
  std::function<void(std::size_t, ParamSet&)> fill;
};

/// A cell's first message when its first run completed: "completed N steps".
std::string completed_message(std::size_t steps);

/// The cells' results, one entry per cell in each array (SweepResult's).
struct CellStats {
  std::size_t runs = 0;  ///< per cell
  std::vector<double> median, min, max;
  std::vector<std::size_t> diverged;
  /// The cells whose first run did not end with completed_message(steps), with its message, in
  /// cell order.
  std::vector<std::pair<std::size_t, std::string>> messages;
};

/// The first run's message of a cell, from `messages` (in cell order) or completed_message(steps).
std::string first_message(const std::vector<std::pair<std::size_t, std::string>>& messages,
                          std::size_t cell, std::size_t steps);

/// Runs `cells` cells from every start (and, with noise, every noise seed) under `config`'s
/// function, noise, steps, tol and metric. Runs step in lanes where the method has a lane kernel
/// and there is no noise (lane_engine.hpp), else one at a time; either way each run is exactly
/// run(). `progress(done, total)` counts finished cells. Cell c's optimizer is specs[c], or, when
/// `direct` names a method (and specs may be empty), the base values with fill(c, values).
CellStats run_cells(const SweepConfig& config, const std::vector<std::vector<double>>& starts,
                    std::size_t cells, const std::vector<std::string>& specs,
                    const std::function<void(std::size_t, std::size_t)>& progress,
                    const DirectCells& direct = {});

}  // namespace descent::detail
