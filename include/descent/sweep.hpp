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
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/optimizer_config.hpp"
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
  /// The base configuration; each cell sets the axes' keys.
  OptimizerConfig optimizer = OptimizerConfig::parse("momentum");
  std::vector<GridAxis> axes;  ///< one or two
  RunOptions options;          ///< steps and tol of every run
  SweepMetric metric = SweepMetric::steps_to_tol;
  std::size_t starts = 1;  ///< start points per cell
  std::size_t seeds = 1;   ///< noise seeds per start (only with noise > 0)
  double noise = 0;        ///< standard deviation of gradient noise
  /// Mini-batch size for a finite-sum function (least_squares); 0: full gradients. Each seed
  /// draws its own sequence of batches.
  std::size_t batch = 0;
  std::uint64_t seed = 0;  ///< first noise seed; also draws the extra starts
};

/// One cell of a sweep (SweepResult::cell), or one setting of a tuning run, with all it reports.
struct SweepCell {
  std::vector<double> values;  ///< the axes' values, in axis order
  std::string spec;            ///< the cell's canonical optimizer spec
  double median = 0;           ///< of the metric over the cell's runs
  double min = 0;
  double max = 0;
  std::size_t runs = 0;
  std::size_t diverged = 0;  ///< runs that blew up (blew_up(): diverged or diverging)
  std::string termination;   ///< the first run's message, e.g. "diverged at step 12: ..."
};

/// The first run of a cell that did not complete its steps: how and where it ended, and why.
struct CellNote {
  std::size_t cell = 0;
  Termination termination = Termination::diverged;
  std::size_t step = 0;  ///< the step it ended at
  std::string reason;    ///< e.g. "loss is inf" (RunResult::reason)
  /// "diverged at step 12: loss is inf".
  std::string message() const;
};

/// A sweep's results, one entry per cell in each array, row-major: the last axis varies fastest.
/// Only numbers are kept per cell; a cell's values, configuration, spec and message are made on
/// request (cell() makes them all), so that a large grid costs a few numbers per cell.
struct SweepResult {
  SweepConfig config;
  std::vector<std::vector<double>> axis_values;  ///< per axis
  std::vector<std::vector<double>> starts;       ///< the start points every cell used
  std::size_t runs = 0;                          ///< per cell: starts x seeds
  std::vector<double> median;                    ///< per cell: of the metric over its runs
  std::vector<double> min;                       ///< per cell
  std::vector<double> max;                       ///< per cell
  std::vector<std::size_t> diverged;  ///< per cell: runs that blew up (diverged or diverging)
  /// The cells whose first run did not complete its steps, in cell order.
  std::vector<CellNote> notes;

  std::size_t size() const { return median.size(); }
  /// The axes' values of a cell, in axis order.
  std::vector<double> values(std::size_t cell) const;
  /// The optimizer configuration of a cell: the base with the axes' keys set.
  OptimizerConfig cell_config(std::size_t cell) const;
  /// The first run's message of a cell, e.g. "completed 1000 steps" or "diverged at step 12: ...".
  std::string termination(std::size_t cell) const;
  /// How the first run of a cell ended.
  Termination status(std::size_t cell) const;
  /// Everything about one cell.
  SweepCell cell(std::size_t i) const;
};

/// Largest grid and work a sweep accepts: cells, and cells x runs x steps.
inline constexpr std::size_t kMaxSweepCells = std::size_t{1} << 20;
inline constexpr double kMaxSweepSteps = 2e10;

/// The objective of one run under a protocol: `function` (a spec or an expression) drawing its
/// mini-batches of `batch` rows from `seed` when batch > 0 (InputError for a function that is not
/// a finite sum), then wrapped in gradient noise of standard deviation `noise` with `seed` when
/// noise > 0. Sweeps, tuning and `descent run` build their runs' objectives this way.
std::unique_ptr<Objective> protocol_objective(std::string_view function, double noise,
                                              std::size_t batch, std::uint64_t seed);

/// Checks a configuration without running it: the function, the start, the base spec and the
/// spec of the grid's corner cells, and the limits. Throws InputError naming the problem.
void check_sweep(const SweepConfig& config);

/// Runs every cell. `progress(done, total)` is called now and then with the number of finished
/// cells (from one thread at a time). Throws InputError for a bad configuration, before running.
SweepResult sweep(const SweepConfig& config,
                  const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace descent
