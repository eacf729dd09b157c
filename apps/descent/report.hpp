// What `descent run` prints and writes: the metrics table and the JSON document.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "descent/objective.hpp"
#include "descent/runner.hpp"
#include "descent/theory.hpp"

namespace descent::cli {

/// The run's settings, as the report shows them.
struct RunSetup {
  const Objective* function = nullptr;
  std::vector<double> start;
  RunOptions options;
  double noise = 0.0;      ///< standard deviation of the gradient noise (0: none)
  std::uint64_t seed = 0;  ///< seed of the noise and the mini-batches
  std::size_t batch = 0;   ///< mini-batch size (0: the full gradient)
  std::optional<std::string> resumed_from =
      std::nullopt;  ///< the checkpoints' folder of a resumed run
};

/// The theory at a point, as text (see theory.hpp).
std::string analysis_text(const Objective& f, const Analysis& a);

/// The theory lines printed under a run's table: the predictions at the minimizer and each
/// run's measured rate. Empty when the function has no known minimizer.
std::string theory_summary(const RunSetup& setup, std::span<const RunResult> results);

/// A readable table of the metrics, one row per optimizer, with a heading line.
std::string metrics_table(const RunSetup& setup, std::span<const RunResult> results);

/// The JSON document: settings, and per optimizer the termination, metrics and trajectory.
std::string run_json(const RunSetup& setup, std::span<const RunResult> results);

}  // namespace descent::cli
