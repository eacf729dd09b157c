// `descent sweep`: a phase diagram of one optimizer's hyperparameters over a 1-D or 2-D grid.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstring>
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
#include "outputs.hpp"
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

// The sweep's files, each built in one pass over the cells (each axis value formatted once per
// axis) and written on a thread of its own:
//   - sweep.csv, one row per cell: the axes' values, the metric (its median, minimum and maximum
//     and the runs that diverged, when a cell has several runs), how its first run ended
//     (`status`: completed, diverged or converged), and with --cell-specs the cell's spec;
//   - sweep.json: the sweep's settings, the cells' statistics as columns (row-major, the last axis
//     fastest), and a note for each cell whose first run did not complete (its step and reason).

// Text built at a cursor into a buffer grown ahead of each piece (the rows are many and short);
// the buffer is not cleared first, only written.
class TextBuilder {
 public:
  explicit TextBuilder(std::size_t reserve) : buf_(new char[reserve]), size_(reserve) {}
  // Room for `n` more characters.
  void room(std::size_t n) {
    if (used_ + n <= size_) return;
    size_ = std::max(2 * size_, used_ + n);
    std::unique_ptr<char[]> grown(new char[size_]);
    std::memcpy(grown.get(), buf_.get(), used_);
    buf_ = std::move(grown);
  }
  // Appends without checking for room: after room().
  void put(std::string_view s) {
    std::memcpy(buf_.get() + used_, s.data(), s.size());
    used_ += s.size();
  }
  void put(char c) { buf_[used_++] = c; }
  // A number as the shortest text that reads back the same, or `inf` for infinity (at most
  // kNumberChars characters).
  void number(double v, std::string_view inf) {
    if (!std::isfinite(v)) return put(inf);
    used_ = static_cast<std::size_t>(std::to_chars(end(), buf_.get() + size_, v).ptr - buf_.get());
  }
  void count(std::size_t v) {
    used_ = static_cast<std::size_t>(std::to_chars(end(), buf_.get() + size_, v).ptr - buf_.get());
  }
  // `text` as a JSON string.
  void json_string(std::string_view text) {
    room(2 + 6 * text.size());
    put('"');
    for (const char c : text) {
      if (c == '"' || c == '\\') {
        put('\\');
        put(c);
      } else if (static_cast<unsigned char>(c) < 0x20) {
        put(fmt::format("\\u{:04x}", static_cast<unsigned>(c)));
      } else {
        put(c);
      }
    }
    put('"');
  }
  std::string_view text() const { return {buf_.get(), used_}; }

 private:
  char* end() { return buf_.get() + used_; }
  std::unique_ptr<char[]> buf_;
  std::size_t size_, used_ = 0;
};
constexpr std::size_t kNumberChars = 32;

// How cell i's first run ended.
class Statuses {
 public:
  explicit Statuses(const SweepResult& r) : r_(r), note_(r.notes.begin()) {}
  // For i = 0, 1, 2, ... in order.
  std::string_view operator()(std::size_t i) {
    while (note_ != r_.notes.end() && note_->cell < i) ++note_;
    return note_ != r_.notes.end() && note_->cell == i ? to_string(note_->termination)
                                                       : std::string_view("completed");
  }

 private:
  const SweepResult& r_;
  std::vector<CellNote>::const_iterator note_;
};

TextBuilder sweep_csv(const SweepResult& r, bool cell_specs) {
  const SweepConfig& c = r.config;
  const bool several = r.runs > 1;
  const std::string metric = to_string(c.metric);
  std::vector<std::vector<std::string>> axis_text(c.axes.size());
  std::size_t axis_chars = 0;
  for (std::size_t k = 0; k < c.axes.size(); ++k) {
    std::size_t longest = 0;
    for (double v : r.axis_values[k]) {
      axis_text[k].push_back(format_double(v) + ",");
      longest = std::max(longest, axis_text[k].back().size());
    }
    axis_chars += longest;
  }
  std::string head;
  for (const GridAxis& a : c.axes) head += a.key + ",";
  head += several ? fmt::format("{0}_median,{0}_min,{0}_max,diverged,status", metric)
                  : metric + ",status";
  head += cell_specs ? ",spec\n" : "\n";
  const std::size_t n = r.size();
  // A row without its spec: the axes, up to four numbers and their commas, the status, '\n'.
  const std::size_t row = axis_chars + 4 * (kNumberChars + 1) + 16;
  TextBuilder out(head.size() + n * (several ? row : axis_chars + 48));
  out.room(head.size());
  out.put(head);
  std::vector<std::size_t> index(c.axes.size());
  Statuses status(r);
  for (std::size_t i = 0; i < n; ++i) {
    out.room(row);
    for (std::size_t k = 0; k < c.axes.size(); ++k) out.put(axis_text[k][index[k]]);
    out.number(r.median[i], "inf");
    out.put(',');
    if (several) {
      out.number(r.min[i], "inf");
      out.put(',');
      out.number(r.max[i], "inf");
      out.put(',');
      out.count(r.diverged[i]);
      out.put(',');
    }
    out.put(status(i));
    if (cell_specs) {
      const std::string spec = r.cell_config(i).spec();
      out.room(spec.size() + 4);
      out.put(",\"");
      out.put(spec);
      out.put('"');
    }
    out.put('\n');
    // The next cell's position on each axis (row-major, the last axis fastest).
    for (std::size_t k = c.axes.size(); k-- > 0;) {
      if (++index[k] < r.axis_values[k].size()) break;
      index[k] = 0;
    }
  }
  return out;
}

TextBuilder sweep_json(const SweepResult& r, const Objective& f) {
  const SweepConfig& c = r.config;
  const bool several = r.runs > 1;
  nlohmann::json axes = nlohmann::json::array();
  for (std::size_t k = 0; k < c.axes.size(); ++k)
    axes.push_back({{"key", c.axes[k].key}, {"log", c.axes[k].log}, {"values", r.axis_values[k]}});
  const nlohmann::json head = {{"function", f.spec()},
                               {"optimizer", c.optimizer.spec()},
                               {"steps", c.options.steps},
                               {"tol", c.options.tol},
                               {"metric", to_string(c.metric)},
                               {"starts", r.starts},
                               {"seeds", c.seeds},
                               {"noise", c.noise},
                               {"batch", c.batch},
                               {"runs", r.runs},
                               {"axes", axes}};
  const std::string settings = head.dump(1);
  const std::size_t n = r.size();
  TextBuilder out(settings.size() + n * (several ? 4 * 8 : 8) + r.notes.size() * 64 + 512);
  out.room(settings.size());
  out.put(std::string_view(settings).substr(0, settings.size() - 2));  // "\n}": the cells follow
  const auto put = [&](std::string_view s) {
    out.room(s.size());
    out.put(s);
  };
  put(",\n \"cells\": {\n  \"order\": \"row-major, the last axis fastest\"");
  const std::vector<double>* stats[3] = {&r.median, &r.min, &r.max};
  const char* names[4] = {"median", "min", "max", "diverged"};
  for (std::size_t q = 0; q < (several ? 4 : 1); ++q) {
    put(",\n  \"");
    put(names[q]);
    put("\": [");
    for (std::size_t i = 0; i < n; ++i) {
      out.room(kNumberChars + 1);
      if (i > 0) out.put(',');
      if (q < 3)
        out.number((*stats[q])[i], "null");
      else
        out.count(r.diverged[i]);
    }
    put("]");
  }
  // The notes as columns: cell, termination, step, reason.
  put("\n },\n \"notes\": {");
  for (int column = 0; column < 4; ++column) {
    put(std::array{"\n  \"cell\": [", ",\n  \"termination\": [", ",\n  \"step\": [",
                   ",\n  \"reason\": ["}[column]);
    for (std::size_t k = 0; k < r.notes.size(); ++k) {
      const CellNote& m = r.notes[k];
      out.room(kNumberChars + 1);
      if (k > 0) out.put(',');
      if (column == 0) out.count(m.cell);
      if (column == 1) out.json_string(to_string(m.termination));
      if (column == 2) out.count(m.step);
      if (column == 3) out.json_string(m.reason);
    }
    put("]");
  }
  put("\n }\n}\n");
  return out;
}

}  // namespace

int sweep_command(const SweepArgs& args) {
  SweepConfig c;
  c.optimizer = OptimizerConfig::parse(args.optimizer);
  for (const std::string& g : args.grids) c.axes.push_back(parse_grid_axis(g));
  const plot::Format format = plot::parse_format(args.format);
  read_protocol(args, c);
  // Every output, checked before the sweep runs.
  const std::filesystem::path out = args.out;
  const std::filesystem::path heatmap = out / (std::string("heatmap") + plot::extension(format));
  Outputs outputs;
  outputs.folder(out);
  outputs.file(out / "sweep.csv");
  outputs.file(out / "sweep.json");
  if (!args.no_plots) outputs.file(heatmap);

  ProgressLine line("sweep", "cells");
  const SweepResult r = sweep(c, [&](std::size_t done, std::size_t total) { line(done, total); });
  line.finish();
  const double seconds = line.seconds();

  const std::unique_ptr<Objective> f = make_function(c.function);
  // The two files are built and written at once, each on a thread.
  parallel_for(2, [&](std::size_t file) {
    if (file == 0)
      write_file_atomically(out / "sweep.csv", sweep_csv(r, args.cell_specs).text());
    else
      write_file_atomically(out / "sweep.json", sweep_json(r, *f).text());
  });
  std::size_t diverged_cells = 0;
  // The cell with the lowest finite median of those whose runs did not all blow up (a diverging
  // run's final loss is finite, 1e35 say, but it counts as diverged, as in the heatmap).
  std::optional<std::size_t> best;
  for (std::size_t i = 0; i < r.size(); ++i) {
    if (r.diverged[i] == r.runs) {
      ++diverged_cells;
      continue;
    }
    if (std::isfinite(r.median[i]) && (!best || r.median[i] < r.median[*best])) best = i;
  }

  fmt::print("sweep     {} over {} on {}\n", c.optimizer.label(), fmt::join(args.grids, " x "),
             f->spec());
  fmt::print("cells     {} ({} run(s) each, {} steps), {:.3g} s on {}\n", r.size(), r.runs,
             c.options.steps, seconds, workers_text(threads()));
  fmt::print("diverged  {} cell(s) in every run\n", diverged_cells);
  if (best)
    fmt::print("best      {} = {} at {}\n", to_string(c.metric), metric_text(r.median[*best]),
               r.cell_config(*best).label());
  else
    fmt::print("best      no cell that did not diverge has a finite {}\n", to_string(c.metric));
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
    plot::draw_heatmap(h, heatmap, format);
    fmt::print(", {}", heatmap.string());
  }
  fmt::print("\n");
  return 0;
}

}  // namespace descent::cli
