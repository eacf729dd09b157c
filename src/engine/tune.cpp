#include "descent/tune.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <utility>

#include "descent/error.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "descent/spec.hpp"
#include "engine/sweep_cells.hpp"

namespace descent {
namespace {

// Whether setting a scores better than b: a lower median, then fewer runs that blew up (a
// setting that never reaches --tol scores inf, as one that diverged does), then a lower worst
// run. Ties keep the earlier setting, the spec as given first.
bool scores_better(const SweepCell& a, const SweepCell& b) {
  if (a.median != b.median) return a.median < b.median;
  if (a.diverged != b.diverged) return a.diverged < b.diverged;
  return a.max < b.max;
}

// A uniform number in [0, 1) from the generator's output, mapped by hand so that every standard
// library draws the same settings.
double uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

// A drawn value rounded to 4 significant digits, so that settings read (and are typed back) as
// short specs; kept inside the axis.
double rounded(const TuneAxis& a, double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.4g", v);
  const double r = std::strtod(text, nullptr);
  return std::clamp(r, std::min(a.lo, a.hi), std::max(a.lo, a.hi));
}

// Grid search: the most values per axis whose full grid over `dims` axes fits the budget.
std::size_t grid_per_axis(std::size_t budget, std::size_t dims) {
  std::size_t per_axis = 1;
  while (std::pow(static_cast<double>(per_axis + 1), static_cast<double>(dims)) <=
         static_cast<double>(budget))
    ++per_axis;
  return per_axis;
}

// The settings one optimizer tries, each in the space's key order.
std::vector<std::vector<double>> settings(const TuneConfig& c, std::size_t index,
                                          const std::vector<TuneAxis>& space,
                                          const std::vector<double>& defaults) {
  std::vector<std::vector<double>> out;
  const std::size_t d = space.size();
  if (c.search == TuneSearch::grid) {
    const std::size_t per_axis = grid_per_axis(c.budget, d);
    std::size_t total = 1;
    for (std::size_t k = 0; k < d; ++k) total *= per_axis;
    for (std::size_t i = 0; i < total; ++i) {
      std::vector<double> v(d);
      std::size_t rest = i;
      for (std::size_t k = d; k-- > 0;) {
        const std::size_t j = rest % per_axis;
        rest /= per_axis;
        v[k] =
            rounded(space[k], space[k].at(per_axis == 1 ? 0.5
                                                        : static_cast<double>(j) /
                                                              static_cast<double>(per_axis - 1)));
      }
      out.push_back(std::move(v));
    }
    return out;
  }
  // Random search: the defaults first, then draws from a generator of this optimizer's own, so
  // that adding an optimizer changes no other's settings.
  out.push_back(defaults);
  std::mt19937_64 rng(c.seed * 1000003 + index + 1);
  while (out.size() < c.budget) {
    std::vector<double> v(d);
    for (std::size_t k = 0; k < d; ++k) v[k] = rounded(space[k], space[k].at(uniform(rng)));
    out.push_back(std::move(v));
  }
  return out;
}

SweepConfig protocol(const TuneConfig& c) {
  SweepConfig s;
  s.function = c.function;
  s.start = c.start;
  s.options = c.options;
  s.metric = c.metric;
  s.starts = c.starts;
  s.seeds = c.seeds;
  s.noise = c.noise;
  s.batch = c.batch;
  s.seed = c.seed;
  return s;
}

std::size_t settings_count(const TuneConfig& c, std::size_t dims) {
  if (c.search == TuneSearch::random) return c.budget;
  std::size_t total = 1;
  for (std::size_t k = 0; k < dims; ++k) total *= grid_per_axis(c.budget, dims);
  return total;
}

}  // namespace

const char* to_string(TuneScale s) {
  switch (s) {
    case TuneScale::linear:
      return "linear";
    case TuneScale::log:
      return "log";
    case TuneScale::one_minus_log:
      return "1-log";
  }
  return "unknown";
}

double TuneAxis::at(double u) const {
  switch (scale) {
    case TuneScale::linear:
      return lo + (hi - lo) * u;
    case TuneScale::log:
      return std::pow(10.0, std::log10(lo) + (std::log10(hi) - std::log10(lo)) * u);
    case TuneScale::one_minus_log: {
      // u = 0 gives lo (r = 1 - lo, the largest r), u = 1 gives hi.
      const double r_hi = 1 - lo, r_lo = 1 - hi;
      return 1 - std::pow(10.0, std::log10(r_hi) + (std::log10(r_lo) - std::log10(r_hi)) * u);
    }
  }
  return lo;
}

std::vector<TuneAxis> tune_space(const OptimizerConfig& optimizer,
                                 const std::vector<std::string>& keys) {
  std::vector<TuneAxis> out;
  for (const ParamInfo& p : optimizer.keys()) {
    const bool wanted =
        keys.empty() ? p.always_shown : std::find(keys.begin(), keys.end(), p.name) != keys.end();
    if (!wanted || p.type != ParamType::real) continue;
    if (optimizer.given(p.name)) continue;  // set in the spec: kept fixed
    TuneAxis a;
    a.key = p.name;
    if (p.log_scale && p.default_value > 0) {
      a.scale = TuneScale::log;
      a.lo = std::min(1e-5, p.default_value / 1e4);
      a.hi = std::max(1.0, p.default_value * 10);
    } else if (p.min == 0 && p.max == 1) {
      a.scale = TuneScale::one_minus_log;
      a.lo = 0;
      a.hi = 0.999;
    } else if (std::isfinite(p.min) && std::isfinite(p.max)) {
      a.scale = TuneScale::linear;
      a.lo = p.min;
      a.hi = p.max;
    } else {
      continue;
    }
    out.push_back(a);
  }
  return out;
}

TuneSearch parse_tune_search(std::string_view name) {
  if (name == "random") return TuneSearch::random;
  if (name == "grid") return TuneSearch::grid;
  throw InputError("unknown search '" + std::string(name) + "'; valid: random, grid");
}

const char* to_string(TuneSearch s) { return s == TuneSearch::grid ? "grid" : "random"; }

void check_tune(const TuneConfig& c) {
  if (c.optimizers.empty()) throw InputError("tune: give at least one optimizer (-o)");
  if (c.optimizers.size() > kMaxTuneOptimizers)
    throw InputError("tune: " + std::to_string(c.optimizers.size()) +
                     " optimizers is above the limit of " + std::to_string(kMaxTuneOptimizers));
  if (c.budget < 1 || c.budget > kMaxTuneBudget)
    throw InputError("tune: the budget must be in [1, " + std::to_string(kMaxTuneBudget) +
                     "] settings per optimizer");
  for (const std::string& key : c.keys) {
    bool somewhere = false;
    for (const OptimizerConfig& o : c.optimizers) {
      const std::vector<TuneAxis> space = tune_space(o, {key});
      somewhere = somewhere || !space.empty();
    }
    if (!somewhere)
      throw InputError("tune: no optimizer given has a tunable key '" + key +
                       "' (a real parameter with a log scale or a finite range, not set in the "
                       "spec)");
  }
  std::size_t total = 0;
  for (const OptimizerConfig& o : c.optimizers) {
    const std::vector<TuneAxis> space = tune_space(o, c.keys);
    const std::string spec = o.label();
    if (space.empty())
      throw InputError("tune: '" + spec + "' leaves nothing to tune (" +
                       (c.keys.empty() ? std::string("its tunable keys are all set in the spec")
                                       : "it has none of the keys asked for, or sets them") +
                       ")");
    // The ends of every axis must be valid settings (then every setting between them is).
    for (std::size_t corner = 0;
         corner < (std::size_t{1} << std::min<std::size_t>(space.size(), 8)); ++corner) {
      std::vector<std::pair<std::string, double>> v;
      for (std::size_t k = 0; k < space.size(); ++k)
        v.emplace_back(space[k].key, space[k].at((corner >> k) & 1));
      try {
        OptimizerConfig setting = o;
        setting.set(v);
      } catch (const InputError& e) {
        throw InputError("tune: the search space of '" + spec +
                         "' reaches an invalid setting: " + e.what());
      }
    }
    // A grid has at least two values on each axis: a budget below 2^keys would leave a grid of
    // one point (every key at its range's middle), no search at all.
    if (c.search == TuneSearch::grid &&
        std::pow(2.0, static_cast<double>(space.size())) > static_cast<double>(c.budget)) {
      std::string keys;
      for (const TuneAxis& a : space) keys += (keys.empty() ? "" : ", ") + a.key;
      throw InputError("tune: a grid over the " + std::to_string(space.size()) + " keys of '" +
                       spec + "' (" + keys + ") needs two values of each, a budget of at least " +
                       std::to_string(std::size_t{1} << std::min<std::size_t>(space.size(), 63)) +
                       "; the budget is " + std::to_string(c.budget));
    }
    total += settings_count(c, space.size());
  }
  detail::check_protocol(protocol(c), "tune", total);
}

TuneResult tune(const TuneConfig& config,
                const std::function<void(std::size_t, std::size_t)>& progress) {
  check_tune(config);
  const SweepConfig p = protocol(config);
  TuneResult out;
  out.config = config;
  out.starts = detail::start_points(p, *detail::make_objective(p, 0));
  // Every optimizer's settings, run as one list of cells so that all cores share the work.
  std::vector<detail::CellSettings> groups;
  std::size_t first = 0;
  for (std::size_t i = 0; i < config.optimizers.size(); ++i) {
    TuneEntry e{config.optimizers[i], tune_space(config.optimizers[i], config.keys), {}, 0};
    detail::CellSettings g{e.optimizer, {}, {}};
    std::vector<double> d;
    for (const TuneAxis& a : e.space) {
      g.keys.push_back(a.key);
      d.push_back(e.optimizer.get(a.key));
    }
    for (const std::vector<double>& v : settings(config, i, e.space, d))
      g.values.insert(g.values.end(), v.begin(), v.end());
    out.entries.push_back(std::move(e));
    groups.push_back(std::move(g));
  }
  const detail::CellStats cells = detail::run_cells(p, out.starts, groups, progress);
  for (std::size_t i = 0; i < out.entries.size(); ++i) {
    TuneEntry& e = out.entries[i];
    const detail::CellSettings& g = groups[i];
    for (std::size_t t = 0; t < g.size(); ++t) {
      const std::size_t c = first + t;
      SweepCell cell;
      cell.values.assign(g.values.begin() + static_cast<std::ptrdiff_t>(t * g.keys.size()),
                         g.values.begin() + static_cast<std::ptrdiff_t>((t + 1) * g.keys.size()));
      cell.spec = g.config(t).spec();
      cell.median = cells.median[c];
      cell.min = cells.min[c];
      cell.max = cells.max[c];
      cell.runs = cells.runs;
      cell.diverged = cells.diverged[c];
      cell.termination = detail::first_message(cells.notes, c, p.options.steps);
      e.trials.push_back(std::move(cell));
    }
    first += g.size();
    for (std::size_t t = 1; t < e.trials.size(); ++t)
      if (scores_better(e.trials[t], e.trials[e.best])) e.best = t;
    out.runs += e.trials.size() * e.trials.front().runs;
  }
  out.ranking.resize(out.entries.size());
  for (std::size_t i = 0; i < out.ranking.size(); ++i) out.ranking[i] = i;
  std::stable_sort(out.ranking.begin(), out.ranking.end(), [&](std::size_t a, std::size_t b) {
    return scores_better(out.entries[a].best_trial(), out.entries[b].best_trial());
  });
  return out;
}

}  // namespace descent
