// The description of one `descent run`: from defaults, a TOML file and command-line options.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "descent/optimizer_config.hpp"

namespace descent::cli {

/// Limits that keep a run's memory and time bounded; larger requests are refused with a message.
inline constexpr std::size_t kMaxSteps = 10'000'000;
inline constexpr std::size_t kMaxOptimizers = 64;
inline constexpr std::uintmax_t kMaxExperimentBytes = std::uintmax_t{1} << 20;  ///< 1 MiB

struct Experiment {
  std::string function = "anisotropic";
  std::optional<std::vector<double>> start;  ///< default: the function's default start
  std::size_t steps = 50;
  double tol = 1e-6;
  std::vector<OptimizerConfig> optimizers = {OptimizerConfig::parse("sgd"),
                                             OptimizerConfig::parse("momentum"),
                                             OptimizerConfig::parse("rmsprop")};
  std::optional<std::string> schedule;  ///< for optimizers whose spec has no "@schedule"
  double noise = 0.0;                   ///< standard deviation of Gaussian noise added to gradients
  std::uint64_t seed = 0;               ///< seed of the noise and of mini-batches
  std::size_t batch = 0;                ///< mini-batch size for finite sums (0: the full gradient)
  std::string out = "descent-out";
  std::optional<std::string> trajectory;  ///< default: OUT/trajectory.csv
  std::optional<std::string> json;        ///< default: OUT/run.json
};

/// Reads an experiment file (TOML). Keys it may hold:
///   function = "anisotropic:ratio=8"  or  function = { name = "anisotropic", ratio = 8 }
///   start = [1.0, 1.0]      steps = 50      tol = 1e-6
///   optimizers = ["sgd", "momentum:alpha=0.99"]  and/or  [[optimizer]] name = "rmsprop" ...
///     (a table may hold schedule = "cosine:t_max=100", its "@schedule")
///   schedule = "step:step_size=30"   for the optimizers that name none
///   noise = 0.1   seed = 7   batch = 16   stochastic gradients (see noise.hpp)
///   out = "descent-out/x"   trajectory = "path.csv"   json = "path.json"
///     (relative paths inside the current folder: no leading '/', no '..'; the command line
///     takes any path)
/// Throws InputError naming the file, the key and the problem.
Experiment load_experiment(const std::string& path);

/// Parses "1,1" or "-1.2, 1" into a point. Throws InputError naming `what`.
std::vector<double> parse_point(std::string_view text, std::string_view what);
/// Parses a whole number in [0, max]. Throws InputError naming `what`.
std::size_t parse_count(std::string_view text, std::string_view what, std::size_t max);
/// Parses a number (not NaN). Throws InputError naming `what`.
double parse_number(std::string_view text, std::string_view what);
/// Parses --threads: a whole number in [1, 1024]. Throws InputError.
unsigned parse_thread_count(std::string_view text);

/// Who does the work, for the summary lines: "2 thread(s)", or under mpirun with more than one
/// rank "4 rank(s) x 1 thread(s)".
std::string workers_text(unsigned threads);

}  // namespace descent::cli
