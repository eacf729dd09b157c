#include "report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "descent/registry.hpp"
#include "descent/version.hpp"

namespace descent::cli {
namespace {

std::string point_text(std::span<const double> w) {
  std::string s = "(";
  for (std::size_t i = 0; i < w.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", w[i]);
  return s + ")";
}

std::string sci(double x) { return fmt::format("{:.3g}", x); }

}  // namespace

std::string metrics_table(const RunSetup& setup, std::span<const RunResult> results) {
  const Objective& f = *setup.function;
  std::string out =
      fmt::format("function  {}   f(w) = {}\nstart     {}   steps {}   tol {}\n\n", f.spec(),
                  f.formula(), point_text(setup.start), setup.options.steps, setup.options.tol);
  std::vector<std::string> labels;
  for (const auto& r : results) labels.push_back(short_label(r.optimizer));
  std::size_t name_w = 9;
  for (const auto& l : labels) name_w = std::max(name_w, l.size());
  const auto row = [&](auto&&... cols) {
    out += fmt::format("{:<{}}  {:>10}  {:>16}  {:>11}  {:>11}  {:>14}  {:>11}  {}\n", cols...);
  };
  row("optimizer", name_w, "final loss", "best loss (step)", "steps to tol", "path length",
      "zig-zags", "dist to min", "status");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const RunResult& r = results[i];
    const Metrics& m = r.metrics;
    std::string zz;
    if (m.zigzags.size() <= 3) {
      for (std::size_t c = 0; c < m.zigzags.size(); ++c)
        zz += fmt::format("{}{}", c ? "," : "", m.zigzags[c]);
    } else {
      std::size_t total = 0;
      for (std::size_t z : m.zigzags) total += z;
      zz = fmt::format("{} in all", total);
    }
    row(labels[i], name_w, sci(m.final_loss), fmt::format("{} ({})", sci(m.best_loss), m.best_step),
        m.steps_to_tol ? std::to_string(*m.steps_to_tol) : "never", sci(m.path_length), zz,
        m.distance_to_minimizer ? sci(*m.distance_to_minimizer) : "-", r.message);
  }
  out +=
      "\nsteps to tol: first step with loss <= tol.  zig-zags: sign reversals of successive "
      "steps, per coordinate (w1,w2,...; summed above 3 coordinates).\n";
  return out;
}

std::string run_json(const RunSetup& setup, std::span<const RunResult> results) {
  using nlohmann::json;
  const Objective& f = *setup.function;
  json doc;
  doc["descent_version"] = descent::version();
  json fn;
  fn["spec"] = f.spec();
  fn["formula"] = f.formula();
  fn["minimizers"] = f.minimizers();
  fn["minimum"] = f.minimum() ? json(*f.minimum()) : json(nullptr);
  doc["function"] = fn;
  doc["start"] = setup.start;
  doc["steps"] = setup.options.steps;
  doc["tol"] = setup.options.tol;
  json runs = json::array();
  for (const auto& r : results) {
    const Metrics& m = r.metrics;
    json run;
    run["optimizer"] = r.optimizer;
    run["label"] = short_label(r.optimizer);
    run["evaluations"] = r.evaluations;
    run["termination"] = to_string(r.termination);
    run["stop_step"] = r.stop_step;
    run["message"] = r.message;
    run["metrics"] = {
        {"final_loss", m.final_loss},
        {"best_loss", m.best_loss},
        {"best_step", m.best_step},
        {"steps_to_tol", m.steps_to_tol ? json(*m.steps_to_tol) : json(nullptr)},
        {"path_length", m.path_length},
        {"zigzags", m.zigzags},
        {"distance_to_minimizer",
         m.distance_to_minimizer ? json(*m.distance_to_minimizer) : json(nullptr)},
    };
    const Trajectory& t = r.trajectory;
    json w = json::array();
    for (std::size_t k = 0; k < t.size(); ++k) {
      const auto p = t.point(k);
      w.push_back(std::vector<double>(p.begin(), p.end()));
    }
    run["trajectory"] = {{"step", t.steps}, {"loss", t.loss}, {"grad_norm", t.grad_norm}, {"w", w}};
    runs.push_back(run);
  }
  doc["runs"] = runs;
  return doc.dump() + "\n";
}

}  // namespace descent::cli
