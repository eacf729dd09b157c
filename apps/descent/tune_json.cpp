#include "tune_json.hpp"

#include <cstddef>
#include <utility>

#include "progress.hpp"

namespace descent::cli {

nlohmann::json tune_json(const TuneResult& r, const Objective& f) {
  const TuneConfig& c = r.config;
  nlohmann::json entries = nlohmann::json::array();
  for (const TuneEntry& e : r.entries) {
    nlohmann::json trials = nlohmann::json::array();
    for (const SweepCell& cell : e.trials) {
      nlohmann::json j = cell_json(cell);
      nlohmann::json& values = j["values"] = nlohmann::json::object();
      for (std::size_t k = 0; k < e.space.size(); ++k) values[e.space[k].key] = cell.values[k];
      trials.push_back(std::move(j));
    }
    nlohmann::json space = nlohmann::json::array();
    for (const TuneAxis& a : e.space)
      space.push_back({{"key", a.key}, {"lo", a.lo}, {"hi", a.hi}, {"scale", to_string(a.scale)}});
    entries.push_back({{"optimizer", e.optimizer.spec()},
                       {"space", space},
                       {"best", e.best_trial().spec},
                       {"trials", trials}});
  }
  nlohmann::json ranking = nlohmann::json::array();
  for (std::size_t i : r.ranking) ranking.push_back(r.entries[i].best_trial().spec);
  return {{"function", f.spec()},   {"search", to_string(c.search)},
          {"budget", c.budget},     {"steps", c.options.steps},
          {"tol", c.options.tol},   {"metric", to_string(c.metric)},
          {"starts", r.starts},     {"seeds", c.seeds},
          {"noise", c.noise},       {"batch", c.batch},
          {"seed", c.seed},         {"runs", r.runs},
          {"leaderboard", ranking}, {"optimizers", entries}};
}

}  // namespace descent::cli
