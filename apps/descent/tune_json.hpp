// A tuning search's result as JSON: one function for the tune.json of `descent tune` and for
// descent.tune() in Python, so that both read the same.
#pragma once

#include <nlohmann/json.hpp>

#include "descent/objective.hpp"
#include "descent/tune.hpp"

namespace descent::cli {

/// The search (function, settings, starts, runs), the leaderboard (best settings, best first)
/// and every optimizer's space and trials (each trial's spec, metric statistics and values).
nlohmann::json tune_json(const TuneResult& r, const Objective& f);

}  // namespace descent::cli
