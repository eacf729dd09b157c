// `descent sweep`: a phase diagram of one optimizer's hyperparameters over a 1-D or 2-D grid.
#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "commands.hpp"
#include "descent/error.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/parallel.hpp"
#include "descent/params.hpp"
#include "descent/plot/figures.hpp"
#include "descent/registry.hpp"
#include "descent/sweep.hpp"
#include "descent/theory.hpp"
#include "experiment.hpp"
#include "progress.hpp"
#include "protocol.hpp"
#include "util/atomic_file.hpp"

namespace descent::cli {
namespace {

// The seed's settings, the theory's optimum and stability boundary, where they apply to the
// optimizer and axes of this sweep.
void add_overlays(const SweepResult& r, const Objective& f, plot::Heatmap& h) {
  const std::string name = r.config.optimizer.method().name;
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

// The sweep's files, written in one pass over the cells (each axis value is formatted once per
// axis, each statistic once for both files):
//   - sweep.csv, one row per cell: the axes' values, the metric (its median, minimum and maximum
//     and the runs that diverged, when a cell has several runs), how its first run ended
//     (`status`: completed, diverged or converged), and with --cell-specs the cell's spec;
//   - sweep.json: the sweep's settings, the cells' statistics as columns (row-major, the last axis
//     fastest), and a note for each cell whose first run did not complete (its step and reason).
struct SweepFiles {
  std::string csv, json;
  std::optional<std::size_t> best;  ///< the cell with the lowest finite median
  std::size_t diverged_cells = 0;
};

// `text` as a JSON string.
void append_json_string(std::string& out, std::string_view text) {
  out += '"';
  for (const char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    } else {
      out += c;
    }
  }
  out += '"';
}

// A metric as text: the shortest round-trip number, or `inf` (CSV) or `null` (JSON) for infinity.
std::string_view metric_chars(double v, char (&buf)[32], std::string_view inf) {
  if (!std::isfinite(v)) return inf;
  return {buf, static_cast<std::size_t>(std::to_chars(buf, buf + sizeof buf, v).ptr - buf)};
}

SweepFiles sweep_files(const SweepResult& r, const Objective& f, bool cell_specs) {
  const SweepConfig& c = r.config;
  const bool several = r.runs > 1;
  const std::string metric = to_string(c.metric);
  SweepFiles out;
  std::vector<std::vector<std::string>> axis_text(c.axes.size());
  for (std::size_t k = 0; k < c.axes.size(); ++k)
    for (double v : r.axis_values[k]) axis_text[k].push_back(format_double(v) + ",");
  for (const GridAxis& a : c.axes) out.csv += a.key + ",";
  out.csv += several ? fmt::format("{0}_median,{0}_min,{0}_max,diverged,status", metric)
                     : metric + ",status";
  out.csv += cell_specs ? ",spec\n" : "\n";
  const std::size_t n = r.size();
  out.csv.reserve(out.csv.size() + n * (c.axes.size() * 24 + (several ? 64 : 24)));
  std::string columns[4];  // median, min, max, diverged
  for (std::string& col : columns) col.reserve(n * (several ? 12 : 6));
  std::vector<std::size_t> index(c.axes.size());
  auto note = r.notes.begin();
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < c.axes.size(); ++k) out.csv += axis_text[k][index[k]];
    char b[3][32];
    const double v[3] = {r.median[i], r.min[i], r.max[i]};
    for (std::size_t q = 0; q < (several ? 3 : 1); ++q) {
      // Equal statistics are formatted once.
      const std::string_view csv =
          q > 0 && v[q] == v[0] ? metric_chars(v[0], b[0], "inf") : metric_chars(v[q], b[q], "inf");
      out.csv.append(csv).append(",");
      if (i > 0) columns[q] += ',';
      columns[q].append(std::isfinite(v[q]) ? csv : "null");
    }
    if (several) {
      const std::string d = std::to_string(r.diverged[i]);
      out.csv.append(d).append(",");
      columns[3].append(i > 0 ? "," : "").append(d);
    }
    while (note != r.notes.end() && note->cell < i) ++note;
    out.csv.append(note != r.notes.end() && note->cell == i ? to_string(note->termination)
                                                            : "completed");
    if (cell_specs) out.csv.append(",\"").append(r.cell_config(i).spec()).append("\"");
    out.csv += '\n';
    if (r.diverged[i] == r.runs) ++out.diverged_cells;
    if (std::isfinite(r.median[i]) && (!out.best || r.median[i] < r.median[*out.best]))
      out.best = i;
    // The next cell's position on each axis (row-major, the last axis fastest).
    for (std::size_t k = c.axes.size(); k-- > 0;) {
      if (++index[k] < r.axis_values[k].size()) break;
      index[k] = 0;
    }
  }
  nlohmann::json axes = nlohmann::json::array();
  for (std::size_t k = 0; k < c.axes.size(); ++k)
    axes.push_back({{"key", c.axes[k].key}, {"log", c.axes[k].log}, {"values", r.axis_values[k]}});
  const nlohmann::json head = {{"function", f.spec()},     {"optimizer", c.optimizer.spec()},
                               {"steps", c.options.steps}, {"tol", c.options.tol},
                               {"metric", metric},         {"starts", r.starts},
                               {"seeds", c.seeds},         {"noise", c.noise},
                               {"runs", r.runs},           {"axes", axes}};
  out.json = head.dump(1);
  out.json.resize(out.json.size() - 2);  // "\n}": the cells follow the last member
  out.json += ",\n \"cells\": {\n  \"order\": \"row-major, the last axis fastest\"";
  const char* names[4] = {"median", "min", "max", "diverged"};
  for (std::size_t q = 0; q < (several ? 4 : 1); ++q)
    out.json.append(",\n  \"").append(names[q]).append("\": [").append(columns[q]).append("]");
  std::string cells, termination, step, reason;
  for (const CellNote& m : r.notes) {
    const char* sep = cells.empty() ? "" : ",";
    cells.append(sep).append(std::to_string(m.cell));
    termination.append(sep).append("\"").append(to_string(m.termination)).append("\"");
    step.append(sep).append(std::to_string(m.step));
    reason.append(sep);
    append_json_string(reason, m.reason);
  }
  out.json += "\n },\n \"notes\": {\n  \"cell\": [" + cells + "],\n  \"termination\": [" +
              termination + "],\n  \"step\": [" + step + "],\n  \"reason\": [" + reason +
              "]\n }\n}\n";
  return out;
}

}  // namespace

int sweep_command(const SweepArgs& args) {
  SweepConfig c;
  c.optimizer = OptimizerConfig::parse(args.optimizer);
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
  const SweepFiles files = sweep_files(r, *f, args.cell_specs);
  write_file_atomically(out / "sweep.csv", files.csv);
  write_file_atomically(out / "sweep.json", files.json);

  fmt::print("sweep     {} over {} on {}\n", c.optimizer.label(), fmt::join(args.grids, " x "),
             f->spec());
  fmt::print("cells     {} ({} run(s) each, {} steps), {:.3g} s on {} thread(s)\n", r.size(),
             r.runs, c.options.steps, seconds, threads());
  fmt::print("diverged  {} cell(s) in every run\n", files.diverged_cells);
  if (files.best)
    fmt::print("best      {} = {} at {}\n", to_string(c.metric), metric_text(r.median[*files.best]),
               r.cell_config(*files.best).label());
  else
    fmt::print("best      no cell has a finite {}\n", to_string(c.metric));
  fmt::print("wrote     {}, {}", (out / "sweep.csv").string(), (out / "sweep.json").string());

  if (!args.no_plots) {
    plot::Heatmap h;
    h.title = fmt::format("{} on {}: {} in {} steps", c.optimizer.method().name, f->spec(),
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
