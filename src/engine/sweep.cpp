#include "descent/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <utility>

#include "descent/distributed.hpp"
#include "descent/error.hpp"
#include "descent/noise.hpp"
#include "descent/parallel.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "descent/spec.hpp"
#include "engine/lanes.hpp"
#include "engine/median.hpp"
#include "engine/sweep_cells.hpp"
#include "util/text.hpp"

namespace descent {
namespace {

constexpr std::size_t kMaxAxisCount = 4096;
constexpr std::size_t kMaxRunsPerCell = 1000;
constexpr double kInf = std::numeric_limits<double>::infinity();

double parse_axis_number(std::string_view text, std::string_view axis, const char* what) {
  const auto v = parse_double(text);
  if (!v || !std::isfinite(*v))
    throw InputError("grid '" + std::string(axis) + "': " + what + " '" + std::string(text) +
                     "' is not a finite number");
  return *v;
}

std::size_t cell_count(const std::vector<GridAxis>& axes) {
  std::size_t n = 1;
  for (const GridAxis& a : axes) n *= a.count;
  return n;
}

// The axes' values of cell `index` (row-major, last axis fastest).
std::vector<double> cell_values(const std::vector<std::vector<double>>& axis_values,
                                std::size_t index) {
  std::vector<double> v(axis_values.size());
  for (std::size_t k = axis_values.size(); k-- > 0;) {
    v[k] = axis_values[k][index % axis_values[k].size()];
    index /= axis_values[k].size();
  }
  return v;
}

}  // namespace

std::vector<double> GridAxis::values() const {
  std::vector<double> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (i == 0) {
      out[i] = lo;
    } else if (i + 1 == count) {
      out[i] = hi;
    } else {
      const double t = static_cast<double>(i) / static_cast<double>(count - 1);
      // hi - lo overflows when the ends are far apart on either side of 0.
      const double span = hi - lo;
      const double v = log ? std::pow(10.0, std::log10(lo) + (std::log10(hi) - std::log10(lo)) * t)
                       : std::isfinite(span) ? lo + span * t
                                             : lo * (1 - t) + hi * t;
      // Rounding may step past an end when the ends are (nearly) equal: 10^log10(11) > 11.
      out[i] = std::clamp(v, lo, hi);
    }
  }
  return out;
}

GridAxis parse_grid_axis(std::string_view text) {
  const std::size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0)
    throw InputError("grid '" + std::string(text) +
                     "': expected KEY=LO:HI:lin|log:COUNT, e.g. lr=1e-3:1:log:256");
  GridAxis a;
  a.key = std::string(text.substr(0, eq));
  const auto parts = split_list(text.substr(eq + 1), ':');
  if (parts.size() != 4)
    throw InputError("grid '" + std::string(text) +
                     "': expected KEY=LO:HI:lin|log:COUNT, e.g. lr=1e-3:1:log:256");
  a.lo = parse_axis_number(parts[0], text, "low end");
  a.hi = parse_axis_number(parts[1], text, "high end");
  if (parts[2] == "log")
    a.log = true;
  else if (parts[2] != "lin")
    throw InputError("grid '" + std::string(text) + "': spacing '" + std::string(parts[2]) +
                     "' is not lin or log");
  const auto count = parse_double(parts[3]);
  if (!count || *count != std::floor(*count) || *count < 1 ||
      *count > static_cast<double>(kMaxAxisCount))
    throw InputError("grid '" + std::string(text) + "': count '" + std::string(parts[3]) +
                     "' is not a whole number in [1, " + std::to_string(kMaxAxisCount) + "]");
  a.count = static_cast<std::size_t>(*count);
  if (a.lo > a.hi)
    throw InputError("grid '" + std::string(text) + "': the low end is above the high end");
  if (a.log && a.lo <= 0)
    throw InputError("grid '" + std::string(text) + "': a log axis needs a low end above 0");
  return a;
}

SweepMetric parse_sweep_metric(std::string_view name) {
  for (SweepMetric m : {SweepMetric::steps_to_tol, SweepMetric::final_loss, SweepMetric::best_loss})
    if (name == to_string(m)) return m;
  throw InputError("unknown metric '" + std::string(name) +
                   "'; valid: steps_to_tol, final_loss, best_loss");
}

const char* to_string(SweepMetric m) {
  switch (m) {
    case SweepMetric::steps_to_tol:
      return "steps_to_tol";
    case SweepMetric::final_loss:
      return "final_loss";
    case SweepMetric::best_loss:
      return "best_loss";
  }
  return "unknown";
}

void check_sweep(const SweepConfig& c) {
  if (c.axes.empty() || c.axes.size() > 2)
    throw InputError("sweep: give one or two --grid axes (got " + std::to_string(c.axes.size()) +
                     ")");
  if (c.axes.size() == 2 && c.axes[0].key == c.axes[1].key)
    throw InputError("sweep: both axes set '" + c.axes[0].key + "'");
  const std::size_t cells = cell_count(c.axes);
  if (cells > kMaxSweepCells)
    throw InputError("sweep: " + std::to_string(cells) + " cells is above the limit of " +
                     std::to_string(kMaxSweepCells));
  detail::check_protocol(c, "sweep", cells);
  // The corners hold each axis' extremes: if they are valid settings, every cell is.
  for (std::size_t corner = 0; corner < (std::size_t{1} << c.axes.size()); ++corner) {
    std::vector<std::pair<std::string, double>> v;
    for (std::size_t k = 0; k < c.axes.size(); ++k)
      v.emplace_back(c.axes[k].key, (corner >> k) & 1 ? c.axes[k].hi : c.axes[k].lo);
    try {
      OptimizerConfig cell = c.optimizer;
      cell.set(v);
    } catch (const InputError& e) {
      throw InputError(std::string("sweep: the grid reaches an invalid setting: ") + e.what());
    }
  }
}

std::unique_ptr<Objective> protocol_objective(std::string_view function, double noise,
                                              std::size_t batch, std::uint64_t seed) {
  std::unique_ptr<Objective> f = make_function(function);
  if (batch > 0) {
    auto* sum = dynamic_cast<LeastSquares*>(f.get());
    if (sum == nullptr)
      throw InputError("--batch needs a finite-sum function such as least_squares; '" + f->spec() +
                       "' is not one");
    sum->set_batch(batch, seed);
  }
  if (noise > 0) f = std::make_unique<NoisyGradient>(std::move(f), noise, seed);
  return f;
}

namespace detail {

std::unique_ptr<Objective> make_objective(const SweepConfig& c, std::size_t seed_index) {
  return protocol_objective(c.function, c.noise, c.batch, c.seed + seed_index);
}

// The given start, then starts-1 points drawn uniformly from the function's box with a generator
// whose output the C++ standard fixes (mt19937_64), mapped to [0, 1) by hand so that every
// standard library gives the same points.
std::vector<std::vector<double>> start_points(const SweepConfig& c, const Objective& f) {
  std::vector<std::vector<double>> out;
  out.push_back(c.start.empty() ? f.default_start() : c.start);
  const Box box = f.bounds();
  std::mt19937_64 rng(c.seed);
  for (std::size_t k = 1; k < c.starts; ++k) {
    std::vector<double> p(f.dim());
    for (std::size_t i = 0; i < p.size(); ++i) {
      const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;
      p[i] = box.lower[i] + (box.upper[i] - box.lower[i]) * u;
    }
    out.push_back(std::move(p));
  }
  return out;
}

void check_protocol(const SweepConfig& c, std::string_view owner, std::size_t settings) {
  const std::string who(owner);
  if (c.starts < 1 || c.starts > kMaxRunsPerCell)
    throw InputError(who + ": --starts must be in [1, " + std::to_string(kMaxRunsPerCell) + "]");
  if (c.seeds < 1 || c.seeds > kMaxRunsPerCell)
    throw InputError(who + ": --seeds must be in [1, " + std::to_string(kMaxRunsPerCell) + "]");
  if (!(c.noise >= 0) || !std::isfinite(c.noise))
    throw InputError(who + ": the noise must be a finite number >= 0");
  if (c.seeds > 1 && c.noise == 0 && c.batch == 0)
    throw InputError(who +
                     ": --seeds above 1 needs gradient noise (--noise) or mini-batches (--batch), "
                     "or every seed gives the same run");
  if (std::isnan(c.options.tol)) throw InputError(who + ": tol must be a number, got nan");
  const double work = static_cast<double>(settings) * static_cast<double>(c.starts * c.seeds) *
                      static_cast<double>(c.options.steps);
  if (work > kMaxSweepSteps)
    throw InputError(who + ": " + format_double(work) + " optimizer steps (" +
                     (who == "sweep" ? "cells" : "settings") +
                     " x starts x seeds x steps) is above the limit of " +
                     format_double(kMaxSweepSteps));
  const std::unique_ptr<Objective> f = make_objective(c, 0);
  if (!c.start.empty() && c.start.size() != f->dim())
    throw InputError(who + ": the start point has " + std::to_string(c.start.size()) +
                     " coordinates but function '" + f->spec() + "' takes " +
                     std::to_string(f->dim()));
  for (double x : c.start)
    if (!std::isfinite(x)) throw InputError(who + ": the start point must be finite");
}

std::string completed_message(std::size_t steps) {
  return "completed " + std::to_string(steps) + " steps";
}

OptimizerConfig CellSettings::config(std::size_t cell) const {
  std::vector<std::pair<std::string, double>> set;
  for (std::size_t k = 0; k < keys.size(); ++k)
    set.emplace_back(keys[k], values[cell * keys.size() + k]);
  OptimizerConfig c = base;
  c.set(set);
  return c;
}

namespace {

// Consecutive cells of one group, whose runs step together where the method has lanes.
struct Batch {
  std::size_t group, first, last;  // cells [first, last) of the group
  std::size_t index;               // of `first` among all cells
};

// Cells of each group in batches: of one cell where the group's runs do not step together in
// lanes (`lanes[g]` false), else of at most kLanesPerBatch runs and at most a `workers`-th of
// the group, so that every worker has a share of each group and progress moves as they finish.
std::vector<Batch> batches_of(const std::vector<CellSettings>& groups, std::size_t per_cell,
                              const std::vector<char>& lanes, std::size_t workers) {
  std::vector<Batch> out;
  std::size_t index = 0;
  for (std::size_t g = 0; g < groups.size(); ++g) {
    const std::size_t n = groups[g].size();
    const std::size_t cells_per_batch =
        lanes[g] ? std::clamp<std::size_t>((n + workers - 1) / workers, 1,
                                           std::max<std::size_t>(1, kLanesPerBatch / per_cell))
                 : 1;
    for (std::size_t c = 0; c < n; c += cells_per_batch) {
      const std::size_t last = std::min(n, c + cells_per_batch);
      out.push_back({g, c, last, index});
      index += last - c;
    }
  }
  return out;
}

double metric_of(const RunResult& r, SweepMetric m) {
  if (r.termination == Termination::diverged) return kInf;
  switch (m) {
    case SweepMetric::steps_to_tol:
      return r.metrics.steps_to_tol ? static_cast<double>(*r.metrics.steps_to_tol) : kInf;
    case SweepMetric::final_loss:
      return r.metrics.final_loss;
    case SweepMetric::best_loss:
      return r.metrics.best_loss;
  }
  return kInf;
}

}  // namespace

CellStats run_cells(const SweepConfig& config, const std::vector<std::vector<double>>& starts,
                    const std::vector<CellSettings>& groups,
                    const std::function<void(std::size_t, std::size_t)>& progress) {
  const std::size_t per_cell = starts.size() * config.seeds;
  std::size_t cells = 0;
  for (const CellSettings& g : groups) cells += g.size();
  const std::size_t runs = cells * per_cell;
  const std::unique_ptr<Objective> f0 = make_objective(config, 0);
  const std::size_t dim = f0->dim();
  RunOptions options = config.options;
  options.record = false;
  // Per run: its metric and whether it diverged; per cell whose first run did not complete all
  // its steps, that run's message.
  std::vector<double> metric(runs);
  std::vector<char> diverged(runs);
  std::vector<CellNote> messages;
  // Stopping criteria and callbacks are run()'s alone: cells with them run one by one.
  const bool plain =
      !options.stop_loss && !options.stop_grad_norm && !options.time_limit && !options.on_step;
  const bool together = config.noise == 0 && config.batch == 0 && plain;
  std::vector<char> lanes_of(groups.size(), 0);  // whether the group's method has lanes
  for (std::size_t g = 0; g < groups.size() && together; ++g)
    lanes_of[g] = groups[g].size() > 0 &&
                  make_lane_optimizer(groups[g].base, groups[g].keys,
                                      std::span(groups[g].values).first(groups[g].keys.size()), 1,
                                      dim) != nullptr;
  const ProcessGroup* ranks = shared_group();
  const std::vector<Batch> batches =
      batches_of(groups, per_cell, lanes_of,
                 threads() * static_cast<std::size_t>(ranks != nullptr ? ranks->size() : 1));
  const auto record = [&](std::size_t r, RunResult& res, std::vector<CellNote>& notes) {
    diverged[r] = blew_up(res.termination);
    metric[r] = metric_of(res, config.metric);
    if (r % per_cell == 0 && res.termination != Termination::completed)
      notes.push_back({r / per_cell, res.termination, res.stop_step, std::move(res.reason)});
  };
  // Runs a batch's runs, recording each, and returns the batch's messages.
  const auto run_batch = [&](const Batch& b) {
    const CellSettings& group = groups[b.group];
    const std::size_t k = group.keys.size();
    const std::size_t n = (b.last - b.first) * per_cell, first_run = b.index * per_cell;
    std::vector<CellNote> notes;  // this batch's messages
    std::unique_ptr<LaneOptimizer> lanes;
    if (lanes_of[b.group]) {
      std::vector<double> values(n * k);
      for (std::size_t j = 0; j < n; ++j)
        std::copy_n(
            group.values.begin() + static_cast<std::ptrdiff_t>((b.first + j / per_cell) * k), k,
            values.begin() + static_cast<std::ptrdiff_t>(j * k));
      lanes = make_lane_optimizer(group.base, group.keys, values, n, dim);
    }
    if (lanes) {
      std::vector<double> w(dim * n);
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i < dim; ++i)
          w[i * n + j] = starts[(j % per_cell) / config.seeds][i];
      std::vector<RunResult> out = run_lanes(*f0, *lanes, n, w, options);
      for (std::size_t j = 0; j < n; ++j) record(first_run + j, out[j], notes);
    } else {
      for (std::size_t c = b.first; c < b.last; ++c) {
        const std::unique_ptr<Optimizer<double>> opt = group.config(c).make<double>();
        for (std::size_t within = 0; within < per_cell; ++within) {
          RunResult res = run(*make_objective(config, within % config.seeds), *opt,
                              starts[within / config.seeds], options);
          record(first_run + (c - b.first) * per_cell + within, res, notes);
        }
      }
    }
    return notes;
  };
  if (ranks != nullptr) {
    // Over the ranks of a process group: each batch's metrics, divergences and messages travel
    // back as bytes, and every rank ends with all of them.
    const std::vector<std::string> parts = distributed_map(
        batches.size(),
        [&](std::size_t i) {
          const Batch& b = batches[i];
          const std::vector<CellNote> notes = run_batch(b);
          const std::size_t first = b.index * per_cell, n = (b.last - b.first) * per_cell;
          Bytes out;
          out.put_span(metric.data() + first, n).put_span(diverged.data() + first, n);
          out.put<std::uint64_t>(notes.size());
          for (const CellNote& m : notes)
            out.put<std::uint64_t>(m.cell)
                .put(m.termination)
                .put<std::uint64_t>(m.step)
                .put_string(m.reason);
          return std::move(out).release();
        },
        [&](std::size_t finished) {
          if (progress) progress(cells * finished / batches.size(), cells);
        });
    for (std::size_t i = 0; i < batches.size(); ++i) {
      const Batch& b = batches[i];
      const std::size_t first = b.index * per_cell, n = (b.last - b.first) * per_cell;
      Bytes in(parts[i]);
      in.take_span(metric.data() + first, n);
      in.take_span(diverged.data() + first, n);
      for (auto k = in.take<std::uint64_t>(); k > 0; --k) {
        CellNote m;
        m.cell = in.take<std::uint64_t>();
        m.termination = in.take<Termination>();
        m.step = in.take<std::uint64_t>();
        m.reason = in.take_string();
        messages.push_back(std::move(m));
      }
    }
  } else {
    // Batches are dealt out round-robin, so that slow regions of a grid spread over the threads;
    // each run's result depends only on its own settings and start.
    std::atomic<std::size_t> done{0};
    std::mutex report;
    const std::size_t workers = std::min<std::size_t>(threads(), batches.size());
    parallel_for(workers, [&](std::size_t t) {
      for (std::size_t b = t; b < batches.size(); b += workers) {
        std::vector<CellNote> notes = run_batch(batches[b]);
        const std::size_t n = (batches[b].last - batches[b].first) * per_cell;
        const std::size_t now = done.fetch_add(n) + n;
        std::lock_guard<std::mutex> lock(report);
        std::move(notes.begin(), notes.end(), std::back_inserter(messages));
        if (progress) progress(now / per_cell, cells);
      }
    });
  }
  CellStats out;
  out.runs = per_cell;
  std::sort(messages.begin(), messages.end(),
            [](const CellNote& a, const CellNote& b) { return a.cell < b.cell; });
  out.notes = std::move(messages);
  out.diverged.resize(cells);
  if (per_cell == 1) {
    for (std::size_t c = 0; c < cells; ++c) out.diverged[c] = diverged[c] != 0;
    out.min = metric;
    out.max = metric;
    out.median = std::move(metric);
    return out;
  }
  out.median.resize(cells);
  out.min.resize(cells);
  out.max.resize(cells);
  const std::size_t blocks = std::min<std::size_t>(cells, threads());
  parallel_for(blocks, [&](std::size_t b) {
    std::vector<double> m(per_cell);
    for (std::size_t c = cells * b / blocks; c < cells * (b + 1) / blocks; ++c) {
      const auto first = metric.begin() + static_cast<std::ptrdiff_t>(c * per_cell);
      std::copy(first, first + static_cast<std::ptrdiff_t>(per_cell), m.begin());
      out.median[c] = median(m);
      out.min[c] = *std::min_element(m.begin(), m.end());
      out.max[c] = *std::max_element(m.begin(), m.end());
      const auto d = diverged.begin() + static_cast<std::ptrdiff_t>(c * per_cell);
      out.diverged[c] =
          static_cast<std::size_t>(std::count(d, d + static_cast<std::ptrdiff_t>(per_cell), 1));
    }
  });
  return out;
}

}  // namespace detail

std::string CellNote::message() const {
  RunResult r;
  r.termination = termination;
  r.stop_step = step;
  r.reason = reason;
  return r.message();
}

namespace detail {

const CellNote* note_of(const std::vector<CellNote>& notes, std::size_t cell) {
  const auto it = std::lower_bound(notes.begin(), notes.end(), cell,
                                   [](const CellNote& m, std::size_t c) { return m.cell < c; });
  return it != notes.end() && it->cell == cell ? &*it : nullptr;
}

std::string first_message(const std::vector<CellNote>& notes, std::size_t cell, std::size_t steps) {
  const CellNote* note = note_of(notes, cell);
  return note ? note->message() : completed_message(steps);
}

}  // namespace detail

std::vector<double> SweepResult::values(std::size_t cell) const {
  return cell_values(axis_values, cell);
}

std::string SweepResult::termination(std::size_t cell) const {
  return detail::first_message(notes, cell, config.options.steps);
}

Termination SweepResult::status(std::size_t cell) const {
  const CellNote* note = detail::note_of(notes, cell);
  return note ? note->termination : Termination::completed;
}

OptimizerConfig SweepResult::cell_config(std::size_t cell) const {
  const std::vector<double> v = values(cell);
  std::vector<std::pair<std::string, double>> set;
  for (std::size_t k = 0; k < v.size(); ++k) set.emplace_back(this->config.axes[k].key, v[k]);
  OptimizerConfig c = this->config.optimizer;
  c.set(set);
  return c;
}

SweepCell SweepResult::cell(std::size_t i) const {
  SweepCell c;
  c.values = values(i);
  c.spec = cell_config(i).spec();
  c.median = median[i];
  c.min = min[i];
  c.max = max[i];
  c.runs = runs;
  c.diverged = diverged[i];
  c.termination = termination(i);
  return c;
}

SweepResult sweep(const SweepConfig& config,
                  const std::function<void(std::size_t, std::size_t)>& progress) {
  check_sweep(config);
  SweepResult out;
  out.config = config;
  for (const GridAxis& a : config.axes) out.axis_values.push_back(a.values());
  out.starts = detail::start_points(config, *detail::make_objective(config, 0));
  const std::size_t cells = cell_count(config.axes);
  detail::CellSettings grid{config.optimizer, {}, std::vector<double>(cells * config.axes.size())};
  for (const GridAxis& a : config.axes) grid.keys.push_back(a.key);
  const std::size_t blocks = std::min<std::size_t>(cells, threads());
  parallel_for(blocks, [&](std::size_t b) {
    for (std::size_t i = cells * b / blocks; i < cells * (b + 1) / blocks; ++i) {
      const std::vector<double> v = cell_values(out.axis_values, i);
      std::copy(v.begin(), v.end(),
                grid.values.begin() + static_cast<std::ptrdiff_t>(i * v.size()));
    }
  });
  detail::CellStats stats = detail::run_cells(config, out.starts, {grid}, progress);
  out.runs = stats.runs;
  out.median = std::move(stats.median);
  out.min = std::move(stats.min);
  out.max = std::move(stats.max);
  out.diverged = std::move(stats.diverged);
  out.notes = std::move(stats.notes);
  return out;
}

}  // namespace descent
