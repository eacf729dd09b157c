// Private: the part of the sweep engine that `tune` shares.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
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
/// set by fill(cell, values). Lets the engine skip parsing each cell's spec.
struct DirectCells {
  const OptimizerInfo* info = nullptr;  ///< null: make each cell from its spec
  ParamSet base;
  std::function<void(std::size_t, ParamSet&)> fill;
};

/// Runs every spec from every start (and, with noise, every noise seed) under `config`'s
/// function, noise, steps, tol and metric, and returns one cell per spec (its `values` empty).
/// Runs step in lanes where the method has a lane kernel and there is no noise (lane_engine.hpp),
/// else one at a time; either way each run is exactly run(). `progress(done, total)` counts
/// finished cells. `direct`, when it names a method, makes the cells' optimizers from values
/// instead of parsing `specs` (which must spell the same settings).
std::vector<SweepCell> run_cells(const SweepConfig& config,
                                 const std::vector<std::vector<double>>& starts,
                                 std::vector<std::string> specs,
                                 const std::function<void(std::size_t, std::size_t)>& progress,
                                 const DirectCells& direct = {});

}  // namespace descent::detail
