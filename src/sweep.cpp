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
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <utility>

#include "descent/error.hpp"
#include "descent/noise.hpp"
#include "descent/parallel.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "descent/spec.hpp"
#include "lane_engine.hpp"
#include "median.hpp"
#include "sweep_cells.hpp"

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

// The spec of a cell: the base spec with each axis' key set to the cell's value (written so that
// it reads back as the same double), before any "@schedule": the base's keys keep their places,
// keys it does not set follow them in axis order. Built once as literal text with a slot per
// axis, so that each cell costs only its numbers.
CellSpecs::CellSpecs(const std::string& base, const std::vector<GridAxis>& axes) {
  const std::size_t at = base.find('@');
  const Spec head = parse_spec(base.substr(0, at));
  std::string pending = head.name;
  std::vector<bool> placed(axes.size());
  const auto slot = [&](std::size_t k) {
    literal_.push_back(std::move(pending));
    pending.clear();
    axis_.push_back(k);
    placed[k] = true;
  };
  std::size_t written = 0;
  for (const auto& [key, value] : head.args) {
    pending += (written++ == 0 ? ":" : ",") + key + "=";
    const auto it = std::find_if(axes.begin(), axes.end(),
                                 [&name = key](const GridAxis& a) { return a.key == name; });
    if (it != axes.end())
      slot(static_cast<std::size_t>(it - axes.begin()));
    else
      pending += value;
  }
  for (std::size_t k = 0; k < axes.size(); ++k) {
    if (placed[k]) continue;
    pending += (written++ == 0 ? ":" : ",") + axes[k].key + "=";
    slot(k);
  }
  literal_.push_back(pending + (at == std::string::npos ? "" : base.substr(at)));
  for (const std::string& l : literal_) literal_size_ += l.size();
}

std::string CellSpecs::operator()(const std::vector<double>& values) const {
  // One allocation: the literals, and at most 24 characters per value (the shortest text of a
  // double that reads back as it).
  std::string out;
  out.reserve(literal_size_ + 24 * axis_.size());
  for (std::size_t k = 0; k < axis_.size(); ++k) {
    out += literal_[k];
    out += format_double(values[axis_[k]]);
  }
  return out += literal_.back();
}

std::vector<double> GridAxis::values() const {
  std::vector<double> out(count);
  for (std::size_t i = 0; i < count; ++i) {
    if (i == 0) {
      out[i] = lo;
    } else if (i + 1 == count) {
      out[i] = hi;
    } else {
      const double t = static_cast<double>(i) / static_cast<double>(count - 1);
      out[i] = log ? std::pow(10.0, std::log10(lo) + (std::log10(hi) - std::log10(lo)) * t)
                   : lo + (hi - lo) * t;
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
  (void)make_optimizer<double>(c.optimizer);
  // The corners hold each axis' extremes: if they are valid settings, every cell is.
  for (std::size_t corner = 0; corner < (std::size_t{1} << c.axes.size()); ++corner) {
    std::vector<double> v;
    for (std::size_t k = 0; k < c.axes.size(); ++k)
      v.push_back((corner >> k) & 1 ? c.axes[k].hi : c.axes[k].lo);
    try {
      (void)make_optimizer<double>(CellSpecs(c.optimizer, c.axes)(v));
    } catch (const InputError& e) {
      throw InputError(std::string("sweep: the grid reaches an invalid setting: ") + e.what());
    }
  }
}

namespace detail {

std::unique_ptr<Objective> make_objective(const SweepConfig& c, std::size_t seed_index) {
  std::unique_ptr<Objective> f = make_function(c.function);
  if (c.noise > 0) f = std::make_unique<NoisyGradient>(std::move(f), c.noise, c.seed + seed_index);
  return f;
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
  if (c.seeds > 1 && c.noise == 0)
    throw InputError(who +
                     ": --seeds above 1 needs gradient noise (--noise), or every seed "
                     "gives the same run");
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

CellStats run_cells(const SweepConfig& config, const std::vector<std::vector<double>>& starts,
                    std::size_t cells, const std::vector<std::string>& specs,
                    const std::function<void(std::size_t, std::size_t)>& progress,
                    const DirectCells& direct) {
  if (direct.info == nullptr && specs.size() != cells)
    throw std::logic_error("run_cells: one spec per cell is needed");
  const std::size_t per_cell = starts.size() * config.seeds;
  const std::size_t runs = cells * per_cell;
  const std::unique_ptr<Objective> f0 = make_objective(config, 0);
  const std::size_t dim = f0->dim();
  const std::string completed = completed_message(config.options.steps);
  // Per run: its metric and whether it diverged; per cell whose first run did not complete all
  // its steps, that run's message.
  std::vector<double> metric(runs);
  std::vector<char> diverged(runs);
  std::vector<std::pair<std::size_t, std::string>> messages;
  // Batches of consecutive runs that never mix two methods, so that the lane engine can step a
  // batch together (runs are ordered cell by cell, starts then seeds within a cell).
  std::vector<std::pair<std::size_t, std::size_t>> batches;
  const auto method = [&](std::size_t r) {
    const std::string& spec = specs[r / per_cell];
    return std::string_view(spec).substr(0, spec.find_first_of(":@"));
  };
  for (std::size_t r = 0; r < runs;) {
    std::size_t end = r;
    while (end < runs && end - r < detail::kLanesPerBatch &&
           (direct.info != nullptr || method(end) == method(r)))
      end = std::min(runs, (end / per_cell + 1) * per_cell);
    batches.emplace_back(r, end);
    r = end;
  }
  const bool lanes_possible = config.noise == 0;
  std::atomic<std::size_t> done{0};
  std::mutex report;
  const auto run_batch = [&](std::size_t first, std::size_t last) {
    const std::size_t n = last - first;
    std::vector<std::pair<std::size_t, std::string>> notes;  // this batch's messages
    std::unique_ptr<LaneOptimizer> lanes;
    std::vector<std::unique_ptr<Optimizer<double>>> opts;  // one per cell of the batch
    if (direct.info != nullptr) {
      if (lanes_possible)
        lanes = make_lane_optimizer(
            *direct.info, direct.base, n, dim,
            [&](std::size_t j, ParamSet& v) { direct.fill((first + j) / per_cell, v); });
      if (!lanes)
        for (std::size_t c = first / per_cell; c < (last + per_cell - 1) / per_cell; ++c) {
          ParamSet v = direct.base;
          direct.fill(c, v);
          opts.push_back(direct.info->make_double(v));
        }
    } else {
      for (std::size_t c = first / per_cell; c < (last + per_cell - 1) / per_cell; ++c)
        opts.push_back(make_optimizer<double>(specs[c]));
      if (lanes_possible) {
        std::vector<const Optimizer<double>*> per_run;
        for (std::size_t r = first; r < last; ++r)
          per_run.push_back(opts[r / per_cell - first / per_cell].get());
        lanes = make_lane_optimizer(per_run, dim);
      }
    }
    if (lanes) {
      std::vector<double> w(dim * n);
      for (std::size_t j = 0; j < n; ++j)
        for (std::size_t i = 0; i < dim; ++i)
          w[i * n + j] = starts[((first + j) % per_cell) / config.seeds][i];
      std::vector<LaneRun> out = run_lanes(*f0, *lanes, n, w, config.options);
      for (std::size_t j = 0; j < n; ++j) {
        LaneRun& l = out[j];
        const std::size_t r = first + j;
        const bool div = l.termination == Termination::diverged;
        diverged[r] = div;
        metric[r] = div                                        ? kInf
                    : config.metric == SweepMetric::final_loss ? l.final_loss
                    : config.metric == SweepMetric::best_loss  ? l.best_loss
                    : l.steps_to_tol ? static_cast<double>(*l.steps_to_tol)
                                     : kInf;
        // A lane that did not diverge ran all its steps.
        if (r % per_cell == 0 && div) notes.emplace_back(r / per_cell, std::move(l.message));
      }
    } else {
      for (std::size_t r = first; r < last; ++r) {
        const std::size_t within = r % per_cell;
        RunResult res = run(*make_objective(config, within % config.seeds),
                            *opts[r / per_cell - first / per_cell], starts[within / config.seeds],
                            config.options);
        diverged[r] = res.termination == Termination::diverged;
        metric[r] = metric_of(res, config.metric);
        if (within == 0 && res.message != completed)
          notes.emplace_back(r / per_cell, std::move(res.message));
      }
    }
    const std::size_t now = done.fetch_add(n) + n;
    std::lock_guard<std::mutex> lock(report);
    std::move(notes.begin(), notes.end(), std::back_inserter(messages));
    if (progress) progress(now / per_cell, cells);
  };
  // Batches are dealt out round-robin, so that slow regions of a grid spread over the threads;
  // each run's result depends only on its own settings and start.
  const std::size_t workers = std::min<std::size_t>(threads(), batches.size());
  parallel_for(workers, [&](std::size_t t) {
    for (std::size_t b = t; b < batches.size(); b += workers)
      run_batch(batches[b].first, batches[b].second);
  });
  CellStats out;
  out.runs = per_cell;
  std::sort(messages.begin(), messages.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  out.messages = std::move(messages);
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

std::string first_message(const std::vector<std::pair<std::size_t, std::string>>& messages,
                          std::size_t cell, std::size_t steps) {
  const auto it = std::lower_bound(
      messages.begin(), messages.end(), cell,
      [](const std::pair<std::size_t, std::string>& m, std::size_t c) { return m.first < c; });
  return it != messages.end() && it->first == cell ? it->second : completed_message(steps);
}

}  // namespace detail

std::vector<double> SweepResult::values(std::size_t cell) const {
  return cell_values(axis_values, cell);
}

std::string SweepResult::termination(std::size_t cell) const {
  return detail::first_message(messages, cell, config.options.steps);
}

SweepCell SweepResult::cell(std::size_t i) const {
  return cell(i, CellSpecs(config.optimizer, config.axes));
}

SweepCell SweepResult::cell(std::size_t i, const CellSpecs& specs) const {
  SweepCell c;
  c.values = values(i);
  c.spec = specs(c.values);
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
  // When the base spec makes a plain optimizer of its method (no schedule or wrapper) and the
  // axes set the method's own keys, the cells' optimizers are made from the base's values with
  // the axes' keys set, without writing and parsing each cell's spec: the same values, so the
  // same optimizer.
  const std::string name =
      parse_spec(std::string_view(config.optimizer).substr(0, config.optimizer.find('@'))).name;
  const OptimizerInfo& info = find_optimizer(name);
  const std::unique_ptr<Optimizer<double>> base = make_optimizer<double>(config.optimizer);
  const bool own_keys = std::all_of(config.axes.begin(), config.axes.end(), [&](const auto& a) {
    return std::any_of(info.params.begin(), info.params.end(),
                       [&](const ParamInfo& p) { return p.name == a.key; });
  });
  detail::DirectCells direct;
  direct.base = base->params();
  const std::unique_ptr<Optimizer<double>> plain = info.make_double(direct.base);
  std::vector<std::string> specs;
  if (own_keys && typeid(*base) == typeid(*plain)) {
    direct.info = &info;
    direct.fill = [&](std::size_t cell, ParamSet& v) {
      for (std::size_t k = config.axes.size(); k-- > 0;) {
        const std::vector<double>& axis = out.axis_values[k];
        v.set(config.axes[k].key, axis[cell % axis.size()]);
        cell /= axis.size();
      }
    };
  } else {
    specs.resize(cells);
    const CellSpecs spec_of(config.optimizer, config.axes);
    const std::size_t blocks = std::min<std::size_t>(cells, threads());
    parallel_for(blocks, [&](std::size_t b) {
      for (std::size_t i = cells * b / blocks; i < cells * (b + 1) / blocks; ++i)
        specs[i] = spec_of(cell_values(out.axis_values, i));
    });
  }
  detail::CellStats stats = detail::run_cells(config, out.starts, cells, specs, progress, direct);
  out.runs = stats.runs;
  out.median = std::move(stats.median);
  out.min = std::move(stats.min);
  out.max = std::move(stats.max);
  out.diverged = std::move(stats.diverged);
  out.messages = std::move(stats.messages);
  return out;
}

}  // namespace descent
