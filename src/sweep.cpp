#include "descent/sweep.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>

#include "descent/error.hpp"
#include "descent/noise.hpp"
#include "descent/parallel.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "descent/spec.hpp"
#include "median.hpp"

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

std::vector<std::string_view> split(std::string_view text, char sep) {
  std::vector<std::string_view> out;
  std::size_t at = 0;
  for (;;) {
    const std::size_t next = text.find(sep, at);
    out.push_back(text.substr(at, next == std::string_view::npos ? next : next - at));
    if (next == std::string_view::npos) return out;
    at = next + 1;
  }
}

// The spec of a cell: the base spec with each axis' key set to the cell's value (written so that
// it reads back as the same double), before any "@schedule".
std::string cell_spec(const std::string& base, const std::vector<GridAxis>& axes,
                      const std::vector<double>& values) {
  const std::size_t at = base.find('@');
  const std::string head = base.substr(0, at);
  const std::string tail = at == std::string::npos ? "" : base.substr(at);
  Spec s = parse_spec(head);
  for (std::size_t k = 0; k < axes.size(); ++k) {
    const std::string v = format_double(values[k]);
    auto it = std::find_if(s.args.begin(), s.args.end(),
                           [&](const auto& kv) { return kv.first == axes[k].key; });
    if (it != s.args.end())
      it->second = v;
    else
      s.args.emplace_back(axes[k].key, v);
  }
  std::string out = s.name;
  for (std::size_t i = 0; i < s.args.size(); ++i)
    out += (i == 0 ? ":" : ",") + s.args[i].first + "=" + s.args[i].second;
  return out + tail;
}

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
  const auto parts = split(text.substr(eq + 1), ':');
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
  if (c.starts < 1 || c.starts > kMaxRunsPerCell)
    throw InputError("sweep: --starts must be in [1, " + std::to_string(kMaxRunsPerCell) + "]");
  if (c.seeds < 1 || c.seeds > kMaxRunsPerCell)
    throw InputError("sweep: --seeds must be in [1, " + std::to_string(kMaxRunsPerCell) + "]");
  if (!(c.noise >= 0) || !std::isfinite(c.noise))
    throw InputError("sweep: the noise must be a finite number >= 0");
  if (c.seeds > 1 && c.noise == 0)
    throw InputError(
        "sweep: --seeds above 1 needs gradient noise (--noise), or every seed "
        "gives the same run");
  const std::size_t cells = cell_count(c.axes);
  if (cells > kMaxSweepCells)
    throw InputError("sweep: " + std::to_string(cells) + " cells is above the limit of " +
                     std::to_string(kMaxSweepCells));
  const double work = static_cast<double>(cells) * static_cast<double>(c.starts * c.seeds) *
                      static_cast<double>(c.options.steps);
  if (work > kMaxSweepSteps)
    throw InputError("sweep: " + format_double(work) +
                     " optimizer steps (cells x starts x seeds x steps) is above the limit of " +
                     format_double(kMaxSweepSteps));
  const std::unique_ptr<Objective> f = make_objective(c, 0);
  if (!c.start.empty() && c.start.size() != f->dim())
    throw InputError("sweep: the start point has " + std::to_string(c.start.size()) +
                     " coordinates but function '" + f->spec() + "' takes " +
                     std::to_string(f->dim()));
  for (double x : c.start)
    if (!std::isfinite(x)) throw InputError("sweep: the start point must be finite");
  (void)make_optimizer<double>(c.optimizer);
  // The corners hold each axis' extremes: if they are valid settings, every cell is.
  for (std::size_t corner = 0; corner < (std::size_t{1} << c.axes.size()); ++corner) {
    std::vector<double> v;
    for (std::size_t k = 0; k < c.axes.size(); ++k)
      v.push_back((corner >> k) & 1 ? c.axes[k].hi : c.axes[k].lo);
    try {
      (void)make_optimizer<double>(cell_spec(c.optimizer, c.axes, v));
    } catch (const InputError& e) {
      throw InputError(std::string("sweep: the grid reaches an invalid setting: ") + e.what());
    }
  }
}

SweepResult sweep(const SweepConfig& config,
                  const std::function<void(std::size_t, std::size_t)>& progress) {
  check_sweep(config);
  SweepResult out;
  out.config = config;
  for (const GridAxis& a : config.axes) out.axis_values.push_back(a.values());
  out.starts = start_points(config, *make_objective(config, 0));
  const std::size_t cells = cell_count(config.axes);
  out.cells.resize(cells);
  // Contiguous blocks of cells, several per thread so that slow (diverging or converging) regions
  // spread out; each cell's result depends only on its index.
  const std::size_t blocks = std::min<std::size_t>(cells, 64 * std::size_t{threads()});
  std::atomic<std::size_t> done{0};
  std::mutex report;
  parallel_for(blocks, [&](std::size_t b) {
    const std::size_t first = cells * b / blocks, last = cells * (b + 1) / blocks;
    for (std::size_t i = first; i < last; ++i) {
      SweepCell& cell = out.cells[i];
      cell.values = cell_values(out.axis_values, i);
      cell.spec = cell_spec(config.optimizer, config.axes, cell.values);
      const std::unique_ptr<Optimizer<double>> opt = make_optimizer<double>(cell.spec);
      std::vector<double> metric;
      for (const std::vector<double>& start : out.starts) {
        for (std::size_t s = 0; s < config.seeds; ++s) {
          const RunResult r = run(*make_objective(config, s), *opt, start, config.options);
          if (metric.empty()) cell.termination = r.message;
          if (r.termination == Termination::diverged) ++cell.diverged;
          metric.push_back(metric_of(r, config.metric));
        }
      }
      cell.median = detail::median(metric);
      cell.min = *std::min_element(metric.begin(), metric.end());
      cell.max = *std::max_element(metric.begin(), metric.end());
      cell.runs = metric.size();
    }
    const std::size_t now = done.fetch_add(last - first) + (last - first);
    if (progress) {
      std::lock_guard<std::mutex> lock(report);
      progress(now, cells);
    }
  });
  return out;
}

}  // namespace descent
