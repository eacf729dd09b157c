// descent: fair tuning. Each optimizer's hyperparameters are searched under one protocol (the
// same function, start points, noise seeds, step budget, metric and number of settings tried),
// so that the comparison that follows is between tuned optimizers, not between one tuned
// optimizer and the others' defaults.
//
// The search space of an optimizer comes from the registry: every real parameter marked
// always_shown (the learning rate, alpha of momentum and nesterov, beta of RMSProp), or the keys
// asked for (TuneConfig::keys, e.g. lr and beta1), that the given spec does not set. Keys written
// in the spec stay fixed ("momentum:alpha=0.9" tunes only lr). Ranges:
//   - a log-scale parameter (a learning rate, an epsilon): log-uniform in
//     [min(1e-5, default/1e4), max(1, default*10)], the same [1e-5, 1] for most learning rates;
//   - a rate in [0, 1) (alpha, beta): 1 - r with r log-uniform in [1e-3, 1], which spends as
//     many trials on 0.9..0.99 as on 0..0.9;
//   - any other real parameter with a finite range: uniform in that range.
// Random search draws `budget` settings per optimizer (the first is the spec as given, so a
// tuned optimizer is never worse than its defaults); grid search spreads `budget` settings over
// a full grid (floor(budget^(1/d)) values per axis for d axes). Drawn values are rounded to 4
// significant digits, so that every setting is a short spec that can be typed back. Each setting is
// a sweep cell: every start (and noise seed) is run, and the median of the metric scores it. The
// best setting, and the leaderboard's order of the optimizers, go by that score, then by fewer
// runs that blew up (a setting that never reaches the tolerance scores inf, as a diverged one
// does), then by the worst run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "descent/runner.hpp"
#include "descent/sweep.hpp"

namespace descent {

/// How a tuned parameter's values are spread.
enum class TuneScale {
  linear,         ///< uniform in [lo, hi]
  log,            ///< log-uniform in [lo, hi]
  one_minus_log,  ///< 1 - r, r log-uniform in [1 - hi, 1 - lo]: rates close to 1
};
const char* to_string(TuneScale s);

struct TuneAxis {
  std::string key;
  double lo = 0;  ///< the parameter's lowest value searched
  double hi = 0;  ///< its highest
  TuneScale scale = TuneScale::linear;
  /// The value at u in [0, 1] (0 gives lo's end of the scale, 1 gives hi's).
  double at(double u) const;
};

/// The search space of an optimizer configuration (see the header comment): its always_shown real
/// keys, or the `keys` given, less those the configuration was given values for. Empty when
/// nothing is left.
std::vector<TuneAxis> tune_space(const OptimizerConfig& optimizer,
                                 const std::vector<std::string>& keys = {});

enum class TuneSearch { random, grid };
/// "random" or "grid"; InputError otherwise.
TuneSearch parse_tune_search(std::string_view name);
const char* to_string(TuneSearch s);

struct TuneConfig {
  std::string function = "rosenbrock";      ///< function spec or expression
  std::vector<double> start;                ///< empty: the function's default start
  std::vector<OptimizerConfig> optimizers;  ///< base configurations, at least one
  std::vector<std::string> keys;            ///< keys to tune; empty: each one's always_shown keys
  std::size_t budget = 64;                  ///< settings tried per optimizer
  TuneSearch search = TuneSearch::random;
  RunOptions options;  ///< steps and tol of every run
  SweepMetric metric = SweepMetric::final_loss;
  std::size_t starts = 1;  ///< start points per setting (the given one, then random ones)
  std::size_t seeds = 1;   ///< noise seeds per start (only with noise > 0)
  double noise = 0;        ///< standard deviation of gradient noise
  std::size_t batch = 0;   ///< mini-batch size for a finite-sum function (0: full gradients)
  std::uint64_t seed = 0;  ///< draws the settings, the extra starts and the noise
};

/// One optimizer's search.
struct TuneEntry {
  OptimizerConfig optimizer;      ///< the base configuration
  std::vector<TuneAxis> space;    ///< what was searched
  std::vector<SweepCell> trials;  ///< every setting tried (values in the space's key order)
  std::size_t best = 0;           ///< index of the best trial
  const SweepCell& best_trial() const { return trials[best]; }
};

struct TuneResult {
  TuneConfig config;
  std::vector<std::vector<double>> starts;  ///< the start points every setting used
  std::vector<TuneEntry> entries;           ///< in the order of config.optimizers
  std::vector<std::size_t> ranking;         ///< entries, best first
  std::size_t runs = 0;                     ///< runs done in all
};

/// Largest budget per optimizer and number of optimizers.
inline constexpr std::size_t kMaxTuneBudget = 100000;
inline constexpr std::size_t kMaxTuneOptimizers = 32;

/// Checks a configuration without running it (function, start, specs, spaces, budget and the
/// sweep limits on the total work). Throws InputError naming the problem.
void check_tune(const TuneConfig& config);

/// Searches every optimizer. `progress(done, total)` counts finished settings over all
/// optimizers. Results do not depend on the thread count.
TuneResult tune(const TuneConfig& config,
                const std::function<void(std::size_t, std::size_t)>& progress = {});

}  // namespace descent
