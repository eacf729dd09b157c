// A run's result as JSON, one function for run.json (`descent run`) and for the answer to
// POST /api/run (docs/api.md), so that a run reads the same in both.
#pragma once

#include <nlohmann/json.hpp>

#include "descent/objective.hpp"
#include "descent/runner.hpp"

namespace descent::cli {

/// A finite number, or null for infinity and NaN (JSON has neither).
nlohmann::json finite_or_null(double v);

/// Where a run's JSON goes. Both hold the optimizer's spec, its label, the termination, the
/// message and the metrics; they differ in what else they hold and in how the trajectory is laid
/// out.
enum class RunJsonLayout {
  /// run.json: also the objective evaluations, the stop step and the measured rate, and the
  /// trajectory under "trajectory" as "step", "loss", "grad_norm" and "w".
  file,
  /// POST /api/run: the trajectory as "steps", "points" and "loss" beside the metrics, as the lab
  /// page draws it.
  api,
};

/// One optimizer's run on `f` as JSON, laid out for `layout`; numbers that are not finite are
/// null.
nlohmann::json run_result_json(const RunResult& r, const Objective& f, RunJsonLayout layout);

}  // namespace descent::cli
