// `descent sweep`: a phase diagram of one optimizer's hyperparameters over a 1-D or 2-D grid.
#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "descent/atomic_file.hpp"
#include "descent/error.hpp"
#include "descent/parallel.hpp"
#include "descent/params.hpp"
#include "descent/plot/figures.hpp"
#include "descent/registry.hpp"
#include "descent/spec.hpp"
#include "descent/sweep.hpp"
#include "descent/theory.hpp"
#include "experiment.hpp"
#include "progress.hpp"
#include "protocol.hpp"

namespace descent::cli {
namespace {

// The seed's settings, the theory's optimum and stability boundary, where they apply to the
// optimizer and axes of this sweep.
void add_overlays(const SweepResult& r, const Objective& f, plot::Heatmap& h) {
  const std::string name =
      parse_spec(r.config.optimizer.substr(0, r.config.optimizer.find('@'))).name;
  const std::string kx = r.config.axes[0].key;
  const std::string ky = r.config.axes.size() > 1 ? r.config.axes[1].key : "";
  const bool two_d = r.config.axes.size() == 2;
  const double ymid = two_d ? h.ys[h.ys.size() / 2] : 0.5;
  auto in_x = [&](double x) { return x >= h.xs.front() && x <= h.xs.back(); };
  auto in_y = [&](double y) { return !two_d || (y >= h.ys.front() && y <= h.ys.back()); };
  auto mark = [&](double x, double y, const std::string& label) {
    if (in_x(x) && in_y(y)) h.markers.push_back({x, y, label});
  };
  // The seed's momentum 0.9 and RMSProp 0.9, both at lr 0.1.
  if (name == "momentum" && kx == "lr" && ky == "alpha") mark(0.1, 0.9, "seed");
  if (name == "rmsprop" && kx == "lr" && ky == "beta") mark(0.1, 0.9, "seed");
  if ((name == "sgd" || name == "gd") && kx == "lr") mark(0.1, ymid, "seed");
  std::optional<Analysis> a;
  try {
    a = analyze(f);
  } catch (const InputError&) {
    return;  // no known minimizer: no theory to draw
  }
  if (!a->not_applicable.empty()) return;
  if (name == "momentum" && a->momentum && kx == "lr" && ky == "alpha") {
    const MomentumTheory& m = *a->momentum;
    mark(m.lr_star, m.alpha_star, "theory optimum");
    // lr * lambda_max = 2 + 2 * alpha, i.e. alpha = lr * lambda_max / 2 - 1.
    for (double x : h.xs) h.boundary.emplace_back(x, x * m.lambda_max / 2 - 1);
    h.boundary_label = "stability limit";
  }
  if ((name == "sgd" || name == "gd") && a->gd && kx == "lr") {
    mark(a->gd->best_lr, ymid, "theory best");
    const double lo = two_d ? h.ys.front() : 0, hi = two_d ? h.ys.back() : 1;
    h.boundary = {{a->gd->lr_max, lo}, {a->gd->lr_max, hi}};
    h.boundary_label = "stability limit";
  }
}

}  // namespace

int sweep_command(const SweepArgs& args) {
  SweepConfig c;
  c.optimizer = args.optimizer;
  for (const std::string& g : args.grids) c.axes.push_back(parse_grid_axis(g));
  const plot::Format format = plot::parse_format(args.format);
  read_protocol(args, c);
  ProgressLine line("sweep", "cells");
  const SweepResult r = sweep(c, [&](std::size_t done, std::size_t total) { line(done, total); });
  line.finish();
  const double seconds = line.seconds();

  const std::unique_ptr<Objective> f = make_function(c.function);
  const std::filesystem::path out = args.out;
  std::filesystem::create_directories(out);
  // CSV: one row per cell. JSON: the document without its cells, then one line per cell,
  // written as it goes, so that a large grid never becomes one document tree in memory.
  std::string csv;
  for (const GridAxis& a : c.axes) csv += a.key + ",";
  csv += fmt::format("spec,{0}_median,{0}_min,{0}_max,runs,diverged,termination\n",
                     to_string(c.metric));
  nlohmann::json axes = nlohmann::json::array();
  for (std::size_t k = 0; k < c.axes.size(); ++k)
    axes.push_back({{"key", c.axes[k].key}, {"log", c.axes[k].log}, {"values", r.axis_values[k]}});
  const nlohmann::json head = {{"function", f->spec()},
                               {"optimizer", c.optimizer},
                               {"steps", c.options.steps},
                               {"tol", c.options.tol},
                               {"metric", to_string(c.metric)},
                               {"starts", r.starts},
                               {"seeds", c.seeds},
                               {"noise", c.noise},
                               {"axes", axes}};
  std::string json = head.dump(1);
  json.resize(json.size() - 2);  // "\n}": the cells follow the last member
  json += ",\n \"cells\": [";
  std::size_t diverged_cells = 0;
  std::optional<SweepCell> best;
  // Each cell's values, spec and message are made here, from the sweep's numbers.
  const CellSpecs spec_of(c.optimizer, c.axes);
  for (std::size_t i = 0; i < r.size(); ++i) {
    const SweepCell cell = r.cell(i, spec_of);
    for (double v : cell.values) csv += format_double(v) + ",";
    csv += fmt::format("\"{}\",{},{},{},{},{},\"{}\"\n", cell.spec, metric_text(cell.median),
                       metric_text(cell.min), metric_text(cell.max), cell.runs, cell.diverged,
                       cell.termination);
    nlohmann::json j = cell_json(cell);
    j["values"] = cell.values;
    json += i == 0 ? "\n  " : ",\n  ";
    json += j.dump();
    if (cell.diverged == cell.runs) ++diverged_cells;
    if (std::isfinite(cell.median) && (!best || cell.median < best->median)) best = cell;
  }
  json += "\n ]\n}\n";
  write_file_atomically(out / "sweep.csv", csv);
  write_file_atomically(out / "sweep.json", json);

  fmt::print("sweep     {} over {} on {}\n", c.optimizer, fmt::join(args.grids, " x "), f->spec());
  fmt::print("cells     {} ({} run(s) each, {} steps), {:.3g} s on {} thread(s)\n", r.size(),
             r.runs, c.options.steps, seconds, threads());
  fmt::print("diverged  {} cell(s) in every run\n", diverged_cells);
  if (best)
    fmt::print("best      {} = {} at {}\n", to_string(c.metric), metric_text(best->median),
               best->spec);
  else
    fmt::print("best      no cell has a finite {}\n", to_string(c.metric));
  fmt::print("wrote     {}, {}", (out / "sweep.csv").string(), (out / "sweep.json").string());

  if (!args.no_plots) {
    plot::Heatmap h;
    h.title = fmt::format("{} on {}: {} in {} steps",
                          parse_spec(c.optimizer.substr(0, c.optimizer.find('@'))).name, f->spec(),
                          to_string(c.metric), c.options.steps);
    h.x_label = c.axes[0].key + (c.axes[0].log ? " (log)" : "");
    h.xs = r.axis_values[0];
    h.x_log = c.axes[0].log;
    if (c.axes.size() == 2) {
      h.y_label = c.axes[1].key + (c.axes[1].log ? " (log)" : "");
      h.ys = r.axis_values[1];
      h.y_log = c.axes[1].log;
    }
    h.metric_label = to_string(c.metric);
    // The sweep's cells are row-major with the last axis fastest; the map wants x fastest.
    const std::size_t nx = h.xs.size(), ny = h.ys.empty() ? 1 : h.ys.size();
    h.values.resize(nx * ny);
    h.diverged.resize(nx * ny);
    for (std::size_t i = 0; i < nx; ++i) {
      for (std::size_t j = 0; j < ny; ++j) {
        h.values[j * nx + i] = r.median[i * ny + j];
        h.diverged[j * nx + i] = r.diverged[i * ny + j] == r.runs;
      }
    }
    add_overlays(r, *f, h);
    const auto path = out / (std::string("heatmap") + plot::extension(format));
    plot::draw_heatmap(h, path, format);
    fmt::print(", {}", path.string());
  }
  fmt::print("\n");
  return 0;
}

}  // namespace descent::cli
