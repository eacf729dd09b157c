#include "run_json.hpp"

#include <cmath>
#include <optional>
#include <span>
#include <vector>

#include "descent/registry.hpp"
#include "descent/theory.hpp"

namespace descent::cli {
namespace {

using json = nlohmann::json;

json numbers_json(std::span<const double> values) {
  json out = json::array();
  for (double v : values) out.push_back(finite_or_null(v));
  return out;
}

// Every point of the trajectory, the start first, each the list of its coordinates.
json points_json(const Trajectory& t) {
  json out = json::array();
  for (std::size_t k = 0; k < t.size(); ++k) {
    const auto p = t.point(k);
    out.push_back(std::vector<double>(p.begin(), p.end()));
  }
  return out;
}

json metrics_json(const Metrics& m) {
  return {{"final_loss", finite_or_null(m.final_loss)},
          {"best_loss", finite_or_null(m.best_loss)},
          {"best_step", m.best_step},
          {"steps_to_tol", m.steps_to_tol ? json(*m.steps_to_tol) : json(nullptr)},
          {"path_length", finite_or_null(m.path_length)},
          {"zigzags", m.zigzags},
          {"distance_to_minimizer",
           m.distance_to_minimizer ? finite_or_null(*m.distance_to_minimizer) : json(nullptr)}};
}

// The rate per step toward f's first known minimizer (theory.hpp); null when f has none, or when
// the run gives no rate.
json measured_rate_json(const Trajectory& t, const Objective& f) {
  const auto mins = f.minimizers();
  const std::optional<double> rate = mins.empty() ? std::nullopt : measured_rate(t, mins.front());
  return rate ? finite_or_null(*rate) : json(nullptr);
}

}  // namespace

json finite_or_null(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

json run_result_json(const RunResult& r, const Objective& f, RunJsonLayout layout) {
  const Trajectory& t = r.trajectory;
  json out = {{"optimizer", r.optimizer},
              {"label", short_label(r.optimizer)},
              {"termination", to_string(r.termination)},
              {"message", r.message()},
              {"metrics", metrics_json(r.metrics)}};
  switch (layout) {
    case RunJsonLayout::file:
      out["evaluations"] = r.evaluations;
      out["stop_step"] = r.stop_step;
      out["measured_rate"] = measured_rate_json(t, f);
      out["trajectory"] = {{"step", t.steps},
                           {"loss", numbers_json(t.loss)},
                           {"grad_norm", numbers_json(t.grad_norm)},
                           {"w", points_json(t)}};
      break;
    case RunJsonLayout::api:
      out["steps"] = t.steps;
      out["points"] = points_json(t);
      out["loss"] = numbers_json(t.loss);
      break;
  }
  // The method's answer where it is not the trajectory's point (Schedule-Free's x).
  if (!r.solution.empty())
    out["solution"] = {{"w", numbers_json(r.solution)}, {"loss", finite_or_null(r.solution_loss)}};
  return out;
}

}  // namespace descent::cli
