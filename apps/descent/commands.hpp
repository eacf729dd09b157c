// The subcommands of the `descent` program.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace descent::cli {

/// Options of `descent run` as given on the command line (unset ones keep the experiment's).
struct RunArgs {
  std::string experiment_file;
  std::optional<std::string> function;
  std::optional<std::string> start;
  std::optional<std::string> steps;
  std::optional<std::string> tol;
  std::optional<std::string> noise;
  std::optional<std::string> seed;
  std::optional<std::string> batch;
  std::vector<std::string> optimizers;
  std::optional<std::string> schedule;
  std::optional<std::string> record;          ///< all, every:K or none
  std::optional<std::string> checkpoint_dir;  ///< save each optimizer's final state here
  std::optional<std::string> resume_dir;      ///< continue from the states saved here
  std::optional<std::string> trajectory;
  std::optional<std::string> json;
  std::optional<std::string> out;
  bool no_plots = false;
  std::string format = "png";
};

/// Runs the experiment, prints the metrics table, writes the trajectory CSV and the JSON.
/// Throws InputError for bad input before anything is written. Returns the exit status.
int run_command(const RunArgs& args);

struct ListArgs {
  std::string what = "all";  ///< optimizers, functions or all
  bool markdown = false;
  std::string family;  ///< only the optimizers of this family (empty: all)
};

/// Options of `descent schedule`.
struct ScheduleArgs {
  std::string spec;
  std::string lr = "0.1";
  std::string steps = "100";
  std::string losses_file;  ///< one loss per line, seen after each step (reduce-on-plateau)
};

/// Prints the learning rate of each step of a schedule as CSV (step,lr).
int schedule_command(const ScheduleArgs& args);

/// Options of `descent analyze`.
struct AnalyzeArgs {
  std::string function = "anisotropic";
  std::optional<std::string> at;
};

/// Prints the theory at a point: Hessian eigenvalues, condition number, stable and optimal
/// settings for gradient descent and heavy-ball momentum.
int analyze_command(const AnalyzeArgs& args);

/// Options of `descent plot`.
struct PlotArgs {
  std::string csv;
  std::optional<std::string> function;
  std::vector<std::string> kinds;  ///< empty: every kind that fits the data
  /// png, svg or pdf; unset: the --out file's extension where it names one of them, else png.
  std::optional<std::string> format;
  std::string out = ".";  ///< folder, or a file name when one kind is asked for
  bool no_check = false;  ///< draw without checking the file's loss against the function
};

/// Draws figures of a trajectory CSV file (descent's format, from any program).
int plot_command(const PlotArgs& args);

/// Options of `descent bench`.
struct BenchArgs {
  std::string size = "16M";             ///< parameters; K, M, G suffixes are powers of 1024
  std::string threads = "all";          ///< a count, a list such as 1,2, or all
  std::vector<std::string> optimizers;  ///< specs (-o, repeatable)
  std::string names;                    ///< comma-separated optimizer names (--optimizers)
  std::string type = "float32";         ///< float32, float64 or both
  std::string repeat = "5";             ///< interleaved rounds per measurement
  std::string min_time = "0.1";         ///< seconds each timing lasts at least
  std::string simd;                     ///< a narrower SIMD level than the CPU's widest
  std::string json;                     ///< write the results here too
};

/// Measures every elementwise optimizer's step on a large vector against a triad (see
/// descent/bandwidth.hpp) and prints a table; --json writes it as JSON.
int bench_command(const BenchArgs& args);

/// The options `descent sweep` and `descent tune` share: the function, the start point, the
/// protocol every run follows, and the outputs.
struct ProtocolArgs {
  std::string function;
  std::optional<std::string> start;
  std::string steps = "1000";
  std::string tol = "1e-6";
  std::string metric;
  std::string starts = "1";
  std::string seeds = "1";
  std::string noise = "0";
  std::string batch = "0";  ///< mini-batch size for a finite-sum function (0: full gradients)
  std::string seed = "0";
  std::optional<std::string> threads;
  std::optional<std::string> simd;  ///< force an instruction set (default: the widest)
  std::string out = "descent-out";
  std::string format = "png";
  bool no_plots = false;
};

/// Options of `descent sweep`.
struct SweepArgs : ProtocolArgs {
  SweepArgs() {
    function = "anisotropic";
    metric = "steps_to_tol";
  }
  std::string optimizer = "momentum";
  std::vector<std::string> grids;  ///< KEY=LO:HI:lin|log:COUNT, one or two
  bool cell_specs = false;         ///< write each cell's optimizer spec too
};

/// Runs every cell of the grid, prints a summary, writes OUT/sweep.csv, OUT/sweep.json and the
/// heatmap.
int sweep_command(const SweepArgs& args);

/// Options of `descent tune`.
struct TuneArgs : ProtocolArgs {
  TuneArgs() {
    function = "rosenbrock";
    metric = "final_loss";
  }
  std::vector<std::string> optimizers;
  std::optional<std::string> keys;  ///< comma-separated keys to tune
  std::string budget = "64";
  std::string search = "random";
};

/// Tunes every optimizer under one protocol, prints the leaderboard, writes OUT/tune.csv,
/// OUT/tune.json and the race of the tuned optimizers (contour and loss figures).
int tune_command(const TuneArgs& args);

/// Options of `descent study`.
struct StudyArgs {
  std::string study;                     ///< which study: "tuning"
  bool quick = false;                    ///< the reduced suite (about a minute)
  std::vector<std::string> optimizers;   ///< default: the study's list
  std::optional<std::string> problems;   ///< comma-separated names; default: the whole suite
  std::optional<std::string> points;     ///< learning rates per optimizer
  std::optional<std::string> range;      ///< LO,HI: decades around the default learning rate
  std::optional<std::string> tolerance;  ///< of the score, for the tuning width
  std::optional<std::string> data;       ///< default: Debian's Fashion-MNIST
  bool no_training = false;              ///< leave out the training problems
  std::optional<std::string> threads;
  std::string out = "descent-out";
  std::string format = "png";
  bool no_plots = false;
};

/// Runs a study (descent/study.hpp), prints its leaderboard, writes OUT/tuning-report.md,
/// OUT/tuning-curves.csv, OUT/tuning-summary.csv and a figure per problem.
int study_command(const StudyArgs& args);

/// Options of `descent train`.
struct TrainArgs {
  std::optional<std::string> data;  ///< default: Debian's Fashion-MNIST
  std::string model = "mlp";
  std::optional<std::string> hidden;  ///< the mlp's hidden sizes, "256,128" by default
  std::string epochs = "10";
  std::string batch = "128";
  std::string seed = "0";
  std::vector<std::string> optimizers;  ///< default: sgd, momentum, rmsprop, adam
  std::optional<std::string> train_limit;
  std::optional<std::string> test_limit;
  std::optional<std::string> threads;
  std::string out = "descent-out";
  std::string format = "png";
  bool resume = false;
  bool progress = false;  ///< draw the progress bar even when stderr is not a terminal
  bool no_plots = false;
  std::string iterate_every = "1";             ///< keep the parameters after every this many epochs
  std::optional<std::string> sharpness_every;  ///< steps between sharpness estimates
  std::string sharpness_images = "2000";       ///< training images the sharpness is taken on
  bool data_parallel = false;  ///< under mpirun: each rank takes a share of every batch
};

/// Trains the model with each optimizer in turn; prints every epoch, writes OUT/train.csv,
/// OUT/train.json, the figures and a checkpoint per optimizer after every epoch.
int train_command(const TrainArgs& args);

/// Options of `descent landscape`.
struct LandscapeArgs {
  std::string from = "descent-out";    ///< a folder `descent train` wrote
  std::optional<std::string> out;      ///< default: FROM/landscape
  std::optional<std::string> data;     ///< default: the folder train.json names
  std::string grid = "51";             ///< points per side of each plane
  std::string images = "10000";        ///< training images the loss is taken on (the first N)
  std::string test_images = "2000";    ///< test images (the first N)
  std::string range = "1";             ///< the random plane spans [-R, R] along each direction
  std::optional<std::string> through;  ///< the run the planes go through; default: the first
                                       ///< that did not diverge
  std::string seed = "0";              ///< the random directions'
  std::optional<std::string> threads;
  std::string format = "png";
  bool no_plots = false;
};

/// Reads a `descent train` output folder and writes the loss along lines, on a filter-normalised
/// random plane and on the planes of the runs' paths (descent/nn/landscape.hpp), as CSV, JSON and
/// figures.
int landscape_command(const LandscapeArgs& args);

/// Options of `descent serve`.
struct ServeArgs {
  std::string host = "127.0.0.1";
  std::string port = "8080";  ///< 0: any free port (printed)
  std::string web;            ///< the page's folder; empty: found by find_page (web_assets.hpp)
  bool no_page = false;       ///< serve the API alone
  std::string network = "descent-out";  ///< the `descent train` output GET /api/network reads
  /// Host names accepted in requests besides localhost, 127.0.0.1, [::1] and --host.
  std::vector<std::string> allow_hosts;
};

/// Serves the page and the JSON API until interrupted.
int serve_command(const ServeArgs& args);

/// Prints the registry: every optimizer and function with parameters, defaults, ranges and docs.
int list_command(const ListArgs& args);

}  // namespace descent::cli
