// descent: sweeps of an optimizer's hyperparameters over a 1-D or 2-D grid.
//
// Every cell of the grid is a set of runs with that cell's settings: from `starts` start points
// (the given one first, the others drawn uniformly from the function's box) and, with gradient
// noise, `seeds` noise seeds each. A cell reports the median, minimum and maximum of the chosen
// metric over its runs and how many diverged. Each run is exactly what `descent run` does with
// the cell's spec (the same runner, a fresh objective per run), so a cell with one start and one
// seed gives bit for bit the result of that single run. Cells run in parallel on the thread pool
// (parallel.hpp); results do not depend on the thread count.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "descent/runner.hpp"

namespace descent {

/// One axis of a grid: `count` values of the hyperparameter `key` from `lo` to `hi` inclusive,
/// evenly spaced, or evenly spaced in log10 when `log` is set.
struct GridAxis {
  std::string key;
  double lo = 0;
  double hi = 0;
  bool log = false;
  std::size_t count = 0;
  /// The axis' values, lo first. With count = 1, just lo.
  std::vector<double> values() const;
};

/// Parses "KEY=LO:HI:lin|log:COUNT", e.g. "lr=1e-3:1:log:256". Throws InputError naming the
/// problem (missing parts, unparsable or non-finite numbers, lo > hi, log with lo <= 0, count 0 or
/// above 4096).
GridAxis parse_grid_axis(std::string_view text);

/// What a cell reports for each run.
enum class SweepMetric {
  steps_to_tol,  ///< the first step with loss <= tol; infinite if never (or diverged)
  final_loss,    ///< loss after the last step; infinite if the run diverged
  best_loss,     ///< lowest loss seen; infinite if the run diverged
};
/// "steps_to_tol", "final_loss" or "best_loss"; throws InputError for anything else.
SweepMetric parse_sweep_metric(std::string_view name);
const char* to_string(SweepMetric m);

struct SweepConfig {
  std::string function = "anisotropic";  ///< function spec or expression
  std::vector<double> start;             ///< empty: the function's default start
  std::string optimizer = "momentum";    ///< the base spec; each cell sets the axes' keys
  std::vector<GridAxis> axes;            ///< one or two
  RunOptions options;                    ///< steps and tol of every run
  SweepMetric metric = SweepMetric::steps_to_tol;
  std::size_t starts = 1;  ///< start points per cell
  std::size_t seeds = 1;   ///< noise seeds per start (only with noise > 0)
  double noise = 0;        ///< standard deviation of gradient noise
  std::uint64_t seed = 0;  ///< first noise seed; also draws the extra starts
};

struct SweepCell {
  std::vector<double> values;  ///< the axes' values, in axis order
  std::string spec;            ///< the cell's optimizer spec
  double median = 0;           ///< of the metric over the cell's runs
  double min = 0;
  double max = 0;
  std::size_t runs = 0;
  std::size_t diverged = 0;  ///< runs that ended with a non-finite value
  std::string termination;   ///< the first run's message, e.g. "diverged at step 12: ..."
};

struct SweepResult {
  SweepConfig config;
  std::vector<std::vector<double>> axis_values;  ///< per axis
  std::vector<SweepCell> cells;                  ///< row-major: the last axis varies fastest
  std::vector<std::vector<double>> starts;       ///< the start points every cell used
};

/// Largest grid and work a sweep accepts: cells, and cells x runs x steps.
inline constexpr std::size_t kMaxSweepCells = std::size_t{1} << 20;
inline constexpr double kMaxSweepSteps = 2e10;

/// Checks a configuration without running it: the function, the start, the base spec and the
/// spec of the grid's corner cells, and the limits. Throws InputError naming the problem.
void check_sweep(const SweepConfig& config);

/// Runs every cell. `progress(done, total)` is called now and then with the number of finished
/// cells (from one thread at a time). Throws InputError for a bad configuration, before running.
SweepResult sweep(const SweepConfig& config,
                  const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace descent
