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
#include "descent/optimizer_config.hpp"
#include "descent/params.hpp"
#include "descent/sweep.hpp"

namespace descent::detail {

/// The objective of a run: the function, wrapped in gradient noise with seed config.seed +
/// seed_index when config.noise > 0, and drawing its mini-batches from that seed when
/// config.batch > 0 (InputError for a function that is not a finite sum).
std::unique_ptr<Objective> make_objective(const SweepConfig& config, std::size_t seed_index);

/// The given start (or the function's default), then starts-1 points drawn uniformly from the
/// function's box with mt19937_64 seeded by config.seed.
std::vector<std::vector<double>> start_points(const SweepConfig& config, const Objective& f);

/// Checks what sweeps and tuning share: starts, seeds, noise, tol, the start point and the total
/// work of `settings` settings. Throws InputError starting with `owner`.
void check_protocol(const SweepConfig& config, std::string_view owner, std::size_t settings);

/// The settings a list of cells tries: cell c is `base` with keys[k] set to
/// values[c * keys.size() + k].
struct CellSettings {
  OptimizerConfig base;
  std::vector<std::string> keys;
  std::vector<double> values;

  std::size_t size() const { return keys.empty() ? 0 : values.size() / keys.size(); }
  /// Cell c's configuration (InputError for a value that is not valid).
  OptimizerConfig config(std::size_t cell) const;
};

/// A cell's first message when its first run completed: "completed N steps".
std::string completed_message(std::size_t steps);

/// The cells' results, one entry per cell in each array (SweepResult's).
struct CellStats {
  std::size_t runs = 0;  ///< per cell
  std::vector<double> median, min, max;
  std::vector<std::size_t> diverged;
  /// The cells whose first run did not complete its steps, in cell order.
  std::vector<CellNote> notes;
};

/// The note of a cell's first run, from `notes` (in cell order), or nothing when it completed.
const CellNote* note_of(const std::vector<CellNote>& notes, std::size_t cell);

/// The first run's message of a cell, from `notes` or completed_message(steps).
std::string first_message(const std::vector<CellNote>& notes, std::size_t cell, std::size_t steps);

/// Runs every cell of every group (cells numbered group after group) from every start (and, with
/// noise, every noise seed) under `config`'s function, noise, steps, tol and metric. Runs step in
/// lanes where the method has them and there is no noise (engine/lanes.hpp), else one at a time;
/// either way each run is exactly run(). `progress(done, total)` counts finished cells.
CellStats run_cells(const SweepConfig& config, const std::vector<std::vector<double>>& starts,
                    const std::vector<CellSettings>& groups,
                    const std::function<void(std::size_t, std::size_t)>& progress);

}  // namespace descent::detail
