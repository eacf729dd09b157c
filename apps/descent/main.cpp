// descent: the command-line program.
//
// Exit status: 0 on success, 2 for a usage or input error (with one message on stderr naming the
// problem), 1 for a failure while running (SystemFailure) or an internal error.
#include <fmt/format.h>

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <exception>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "commands.hpp"
#include "completion.hpp"
#include "descent/distributed.hpp"
#include "descent/error.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/parallel.hpp"
#include "descent/simd.hpp"
#include "descent/version.hpp"
#include "experiment.hpp"
#include "util/text.hpp"

#ifdef DESCENT_WITH_MPI
#include "descent/mpi.hpp"
#endif

namespace {

constexpr int kExitInput = 2;
constexpr int kExitFailure = 1;

// Under MPI, on a rank other than 0: its rank, and where it reports a failure of its own (its
// standard output and error go nowhere). -1 on rank 0 and in a single process.
int other_rank = -1;
int own_stderr = -1;

// An input error: the same on every rank (all read the same command line and files), so said by
// rank 0 alone.
// On the other ranks, the input error not printed, in case this rank turns out to be alone in it.
std::string unsaid_error;

void print_error(const char* what) {
  if (other_rank < 0)
    fmt::print(stderr, "descent: error: {}\n", what);
  else
    unsaid_error = what;
}

// A failure while running, which may be this rank's alone (a disk, a lost peer): said by any rank,
// the others naming theirs.
void print_failure(const char* prefix, const char* what) {
  if (other_rank < 0) {
    fmt::print(stderr, "descent: {}: {}\n", prefix, what);
    return;
  }
  const std::string text = fmt::format("descent: rank {}: {}: {}\n", other_rank, prefix, what);
  [[maybe_unused]] const auto n = write(own_stderr, text.data(), text.size());
}

// Typed options: `--help` shows INT or FLOAT, and a value that is not one is refused while the
// command line is read, with the message the commands give. (Each command checks its own limits.)
CLI::Option* integer(CLI::Option* o) {
  return o->type_name("INT")->check(CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          descent::cli::parse_count(text, "", std::numeric_limits<std::size_t>::max());
          return {};
        } catch (const descent::InputError&) {
          return "'" + text + "' is not a whole number >= 0";
        }
      },
      "", ""));
}

CLI::Option* real(CLI::Option* o) {
  return o->type_name("FLOAT")->check(CLI::Validator(
      [](std::string& text) -> std::string {
        try {
          descent::cli::parse_number(text, "");
          return {};
        } catch (const descent::InputError&) {
          return "'" + text + "' is not a number";
        }
      },
      "", ""));
}

// What `descent --version` prints: what was built, by what, for which instruction sets.
std::string version_text() {
#if defined(__clang__)
  const std::string compiler = "clang " __clang_version__;
#elif defined(__GNUC__)
  const std::string compiler = "GCC " __VERSION__;
#else
  const std::string compiler = "unknown";
#endif
  std::string compiled, here;
  for (descent::Simd s : descent::simd_compiled())
    compiled += (compiled.empty() ? "" : ", ") + std::string(descent::simd_name(s));
  for (descent::Simd s : descent::simd_supported())
    here += (here.empty() ? "" : ", ") + std::string(descent::simd_name(s));
  return fmt::format(
      "descent {}\ncompiler: {} (C++{})\nSIMD compiled in: {}\nSIMD on this CPU: {} (used: {})",
      descent::version(), compiler, __cplusplus / 100 % 100, compiled, here,
      descent::simd_name(descent::simd()));
}

// The subcommand named by the first word of the command line, if any.
const CLI::App* named_command(const CLI::App& app, int argc, char** argv) {
  if (argc < 2) return nullptr;
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
    if (sub->get_name() == argv[1]) return sub;
  return nullptr;
}

// " (did you mean '--steps'?)" for the first word of the command line that looks like an option
// of `cmd` but is none of them, when one of its options is close to it; "" when none is.
std::string option_suggestion(const CLI::App& cmd, int argc, char** argv) {
  std::vector<std::string> names;
  for (const CLI::Option* o : cmd.get_options()) {
    for (const std::string& n : o->get_lnames()) names.push_back("--" + n);
    for (const std::string& n : o->get_snames()) names.push_back("-" + n);
  }
  for (int i = 2; i < argc; ++i) {
    std::string word = argv[i];
    if (word.size() < 2 || word[0] != '-' || word == "--") continue;
    if (word[1] != '-' && (word[1] == '.' || (word[1] >= '0' && word[1] <= '9'))) continue;
    word = word.substr(0, word.find('='));
    if (std::find(names.begin(), names.end(), word) != names.end()) continue;
    return descent::did_you_mean(word, names);
  }
  return {};
}

// The options sweep and tune share (descent::cli::ProtocolArgs), after each command's own. What
// a run is drawn for (`unit`), the metric's default, the seed's use and the figure differ.
void add_protocol_options(CLI::App* cmd, descent::cli::ProtocolArgs& a, const std::string& metric,
                          const std::string& unit, const std::string& seed,
                          const std::string& format, const std::string& figure) {
  integer(cmd->add_option("-n,--steps", a.steps, "Steps per run (default 1000)"));
  real(cmd->add_option("--tol", a.tol, "Loss tolerance for steps_to_tol (default 1e-6)"));
  cmd->add_option("--metric", a.metric, metric);
  integer(cmd->add_option(
      "--starts", a.starts,
      "Start points per " + unit + ": the given one, then random ones (default 1)"));
  integer(cmd->add_option("--seeds", a.seeds,
                          "Noise seeds per start, with --noise or --batch (default 1)"));
  real(cmd->add_option("--noise", a.noise, "Gradient noise standard deviation (default 0)"));
  integer(cmd->add_option("--batch", a.batch,
                          "Mini-batch size for a finite-sum function such as least_squares; "
                          "each seed draws its own batches (default 0: full gradients)"));
  integer(cmd->add_option("--seed", a.seed, seed));
  integer(cmd->add_option("--threads", a.threads, "Threads (default: all)"));
  cmd->add_option("--simd", a.simd,
                  "Instruction set: sse2, avx2 or avx512 where the CPU has it (default: the "
                  "widest)");
  cmd->add_option("--out", a.out, "Output folder (default: descent-out)");
  cmd->add_option("--format", a.format, format + " format: png (default), svg or pdf");
  cmd->add_flag("--no-plots", a.no_plots, "Do not draw " + figure);
}

}  // namespace

int run_main(int argc, char** argv) {
  // OpenBLAS (for train) starts its worker threads at load, and they spin before they sleep:
  // stopped here, so that they do not take a core from a sweep's or a tune's threads. train's
  // first matrix product starts them again.
  descent::nn::stop_blas_workers();
  using descent::cli::ListArgs;
  using descent::cli::RunArgs;

  CLI::App app{"descent: a laboratory for gradient-based optimization", "descent"};
  app.set_version_flag("--version", std::function<std::string()>(version_text),
                       "Print the version, the compiler and the SIMD levels");
  app.require_subcommand(1);
  app.footer(
      "Run 'descent run' for the seed experiment; 'descent COMMAND --help' for details.\n"
      "Exit status: 0 on success, 2 for a usage or input error (the command line, a spec, a "
      "file's content, an output path), 1 for a failure while running (a write that fails, a "
      "port that cannot be opened, an internal error).");

  RunArgs run;
  CLI::App* run_cmd = app.add_subcommand(
      "run", "Run optimizers on a function, print metrics, write the trajectory (CSV, JSON)");
  run_cmd->add_option("experiment", run.experiment_file,
                      "Experiment file (TOML); options given here override it");
  run_cmd->add_option("-f,--function", run.function,
                      "Function spec, e.g. anisotropic:ratio=8 (default: anisotropic), or an "
                      "expression, e.g. \"w1^2 + 8*w2^2\"");
  run_cmd->add_option("-s,--start", run.start,
                      "Start point, e.g. 1,1 (default: the function's default start)");
  integer(run_cmd->add_option("-n,--steps", run.steps, "Number of optimizer steps (default 50)"));
  run_cmd->add_option("-o,--optimizer", run.optimizers,
                      "Optimizer spec, repeatable, e.g. -o momentum:lr=0.1,alpha=0.99 "
                      "(default: sgd, momentum, rmsprop)");
  run_cmd->add_option("--schedule", run.schedule,
                      "Learning-rate schedule for every optimizer without its own '@schedule', "
                      "e.g. cosine:t_max=50");
  run_cmd->add_option("--checkpoint", run.checkpoint_dir,
                      "Save each optimizer's final state (and point) to DIR/optimizer-N.ckpt");
  run_cmd->add_option("--resume", run.resume_dir,
                      "Continue each optimizer from DIR/optimizer-N.ckpt up to --steps");
  real(run_cmd->add_option("--noise", run.noise,
                           "Add Gaussian noise of this standard deviation to every gradient"));
  integer(run_cmd->add_option("--seed", run.seed,
                              "Seed of the noise and the mini-batches (default 0)"));
  integer(run_cmd->add_option("--batch", run.batch,
                              "Mini-batch size for a finite-sum function such as least_squares"));
  real(run_cmd->add_option("--tol", run.tol, "Loss tolerance for 'steps to tol' (default 1e-6)"));
  run_cmd->add_option("--record", run.record,
                      "Steps kept in the trajectory CSV and figures: all (default), every:K "
                      "(every K-th step) or none (the first and last steps only); the metrics "
                      "are measured on every step");
  run_cmd->add_option("--trajectory", run.trajectory,
                      "Trajectory CSV path, or - for standard output (default: "
                      "OUT/trajectory.csv)");
  run_cmd->add_option("--json", run.json,
                      "JSON results path, or - for standard output (default: OUT/run.json)");
  run_cmd->add_option("--out", run.out, "Output folder (default: descent-out)");
  run_cmd->add_flag("--no-plots", run.no_plots, "Do not draw the figures");
  run_cmd->add_option("--format", run.format, "Figure format: png (default), svg or pdf");

  descent::cli::AnalyzeArgs analyze;
  CLI::App* analyze_cmd = app.add_subcommand(
      "analyze", "Theory at a point: Hessian, condition number, stable and optimal settings");
  analyze_cmd->add_option("-f,--function", analyze.function,
                          "Function spec or expression (default: anisotropic)");
  analyze_cmd->add_option("--at", analyze.at, "Point, e.g. 1,2 (default: the known minimizer)");

  descent::cli::PlotArgs plot;
  CLI::App* plot_cmd = app.add_subcommand(
      "plot", "Draw figures of a trajectory CSV (descent's format, written by any program)");
  plot_cmd
      ->add_option("trajectory", plot.csv,
                   "Trajectory CSV: columns step, loss, w1, w2, ... (and optimizer), found "
                   "by name; others are ignored")
      ->required();
  plot_cmd->add_option("-f,--function", plot.function,
                       "Function spec the paths ran on (needed by surface3d, contour, "
                       "animation)");
  plot_cmd->add_option("-k,--kind", plot.kinds,
                       "surface3d, contour, loss or animation; repeatable (default: all that "
                       "fit)");
  plot_cmd->add_option("--format", plot.format,
                       "png, svg or pdf (default: the --out file's extension, else png)");
  plot_cmd->add_option(
      "--out", plot.out,
      "Output folder (default: .), or a file name when one kind is asked for (- for "
      "standard output)");
  plot_cmd->add_flag("--no-check", plot.no_check,
                     "Draw without checking the file's loss against --function's value");

  descent::cli::ScheduleArgs sched;
  CLI::App* sched_cmd = app.add_subcommand(
      "schedule", "Print the learning rate of each step of a schedule (CSV: step,lr)");
  sched_cmd->add_option("spec", sched.spec, "Schedule spec, e.g. cosine:t_max=100,warmup=5")
      ->required();
  real(sched_cmd->add_option("--lr", sched.lr, "Base learning rate (default 0.1)"));
  integer(sched_cmd->add_option("-n,--steps", sched.steps, "Number of steps (default 100)"));
  sched_cmd->add_option("--losses", sched.losses_file,
                        "File with one loss per line, seen after each step (for plateau)");

  descent::cli::SweepArgs sweep;
  CLI::App* sweep_cmd = app.add_subcommand(
      "sweep", "Run an optimizer over a 1-D or 2-D grid of its settings; CSV, JSON and a heatmap");
  sweep_cmd->add_option("-f,--function", sweep.function,
                        "Function spec or expression (default: anisotropic)");
  sweep_cmd->add_option("-s,--start", sweep.start,
                        "Start point (default: the function's default start)");
  sweep_cmd->add_option("-o,--optimizer", sweep.optimizer,
                        "Base optimizer spec; each cell sets the grid's keys (default: momentum)");
  sweep_cmd
      ->add_option("--grid", sweep.grids,
                   "KEY=LO:HI:lin|log:COUNT, once or twice, e.g. --grid lr=1e-3:1:log:64 "
                   "--grid alpha=0:0.99:lin:64")
      ->required();
  sweep_cmd->add_flag("--cell-specs", sweep.cell_specs,
                      "Write each cell's optimizer spec in sweep.csv (a `spec` column)");
  add_protocol_options(sweep_cmd, sweep, "steps_to_tol (default), final_loss or best_loss", "cell",
                       "First noise seed; also draws the starts (default 0)", "Heatmap",
                       "the heatmap");

  descent::cli::TuneArgs tune;
  CLI::App* tune_cmd = app.add_subcommand(
      "tune", "Tune several optimizers under one protocol; leaderboard and the tuned race");
  tune_cmd->add_option("-f,--function", tune.function,
                       "Function spec or expression (default: rosenbrock)");
  tune_cmd->add_option("-s,--start", tune.start,
                       "Start point (default: the function's default start)");
  tune_cmd
      ->add_option("-o,--optimizer", tune.optimizers,
                   "Optimizer spec, once per optimizer; keys set here stay fixed, e.g. -o adam "
                   "-o momentum:alpha=0.9")
      ->required();
  tune_cmd->add_option("--keys", tune.keys,
                       "Keys to tune, comma-separated, e.g. lr,beta1 (default: each optimizer's "
                       "lr and momentum coefficient)");
  integer(
      tune_cmd->add_option("--budget", tune.budget, "Settings tried per optimizer (default 64)"));
  tune_cmd->add_option("--search", tune.search,
                       "random (default: the defaults, then log-uniform draws) or grid");
  add_protocol_options(
      tune_cmd, tune, "final_loss (default), best_loss or steps_to_tol; lower is better", "setting",
      "Seed of the search, the extra starts and the noise (default 0)", "Figure", "the race");

  descent::cli::TrainArgs train;
  CLI::App* train_cmd = app.add_subcommand(
      "train", "Train a classifier on Fashion-MNIST (or any IDX dataset) with each optimizer");
  train_cmd->add_option("--data", train.data,
                        "Folder of IDX files (default: /usr/share/datasets/fashion-mnist)");
  train_cmd->add_option("--model", train.model, "mlp (784-256-128-10, default) or softmax");
  train_cmd->add_option("--hidden", train.hidden,
                        "The mlp's hidden layer sizes, comma-separated (default 256,128)");
  integer(train_cmd->add_option("--epochs", train.epochs, "Epochs (default 10)"));
  integer(train_cmd->add_option("--batch", train.batch, "Mini-batch size (default 128)"));
  integer(train_cmd->add_option("--seed", train.seed,
                                "Seed of the initialization and shuffling (default 0)"));
  train_cmd->add_option("-o,--optimizer", train.optimizers,
                        "Optimizer spec, repeatable (default: sgd:lr=0.1, "
                        "momentum:lr=0.05,alpha=0.9, rmsprop:lr=0.001,beta=0.99, adam:lr=0.001); "
                        "or one optimizer per group of tensors, e.g. \"hidden=muon rest=adamw\" "
                        "(roles: matrices, hidden, vectors, rest, all)");
  integer(train_cmd->add_option("--train-limit", train.train_limit,
                                "Use only the first N training images"));
  integer(
      train_cmd->add_option("--test-limit", train.test_limit, "Use only the first N test images"));
  integer(train_cmd->add_option("--threads", train.threads,
                                "Threads for the matrix products (default: all)"));
  train_cmd->add_option("--out", train.out, "Output folder (default: descent-out)");
  train_cmd->add_option("--format", train.format, "Figure format: png (default), svg or pdf");
  train_cmd->add_flag("--resume", train.resume,
                      "Continue from the checkpoints and log in the output folder");
  train_cmd->add_flag("--progress", train.progress,
                      "Draw the progress bar even when stderr is not a terminal");
  train_cmd->add_flag("--no-plots", train.no_plots, "Do not draw the figures");
  train_cmd->add_flag("--data-parallel", train.data_parallel,
                      "Under mpirun: each rank computes the gradient of its share of every batch "
                      "(docs/distributed.md)");
  integer(train_cmd->add_option(
      "--iterate-every", train.iterate_every,
      "Keep the parameters after every N epochs for descent landscape (default 1)"));
  integer(train_cmd->add_option("--sharpness-every", train.sharpness_every,
                                "Estimate the largest Hessian eigenvalue of the training loss "
                                "every N steps (and before the first)"));
  integer(train_cmd->add_option(
      "--sharpness-images", train.sharpness_images,
      "Training images the sharpness is measured on: the first N (default 2000)"));

  descent::cli::LandscapeArgs landscape;
  CLI::App* landscape_cmd = app.add_subcommand(
      "landscape",
      "Draw the loss landscape of a network that descent train trained: lines, a random plane "
      "and the optimizers' paths");
  landscape_cmd->add_option("--from", landscape.from,
                            "The folder descent train wrote (default: descent-out)");
  landscape_cmd->add_option("--out", landscape.out, "Output folder (default: FROM/landscape)");
  landscape_cmd->add_option("--data", landscape.data,
                            "Dataset folder (default: the one train.json names)");
  integer(landscape_cmd->add_option("--grid", landscape.grid,
                                    "Points per side of each plane (default 51)"));
  integer(landscape_cmd->add_option(
      "--images", landscape.images,
      "Training images the loss is taken on, the first N (default 10000)"));
  integer(landscape_cmd->add_option("--test-images", landscape.test_images,
                                    "Test images, the first N (default 2000)"));
  real(landscape_cmd->add_option(
      "--range", landscape.range,
      "The random plane spans [-R, R] along each filter-normalised direction (default 1)"));
  integer(landscape_cmd->add_option(
      "--through", landscape.through,
      "The run (1, 2, ... in train.json's order) whose solution the planes go through "
      "(default: the first that did not diverge)"));
  integer(landscape_cmd->add_option("--seed", landscape.seed,
                                    "Seed of the random directions (default 0)"));
  integer(landscape_cmd->add_option("--threads", landscape.threads, "Threads (default: all)"));
  landscape_cmd->add_option("--format", landscape.format,
                            "Figure format: png (default), svg or pdf");
  landscape_cmd->add_flag("--no-plots", landscape.no_plots, "Write the data only");

  descent::cli::StudyArgs study;
  CLI::App* study_cmd = app.add_subcommand(
      "study",
      "Measure a question over a suite of problems: 'study tuning' asks whether every "
      "optimizer must be tuned");
  study_cmd->add_option("study", study.study, "Which study: tuning")
      ->required()
      ->check(CLI::IsMember({"tuning"}));
  study_cmd->add_flag("--quick", study.quick,
                      "A reduced suite and grid (7 learning rates, 5 optimizers): seconds");
  study_cmd->add_option("-o,--optimizer", study.optimizers,
                        "Optimizer spec, repeatable (default: sgd, momentum, nesterov, rmsprop, "
                        "adagrad, adam, lion, schedule_free_adamw, prodigy, dadapt_adam, dog, "
                        "cocob)");
  study_cmd->add_option("--problems", study.problems,
                        "Comma-separated problems of the suite (default: all): bowl, valley, "
                        "valley45, kappa1000, rosenbrock, beale, least_squares, softmax, mlp");
  integer(study_cmd->add_option("--points", study.points,
                                "Learning rates per optimizer (default 31; 7 with --quick)"));
  study_cmd->add_option("--range", study.range,
                        "Decades of the grid around each default learning rate (default -4,2)");
  real(study_cmd->add_option(
      "--tolerance", study.tolerance,
      "Score within which a learning rate counts toward the tuning width (default 0.1)"));
  study_cmd->add_option("--data", study.data,
                        "Dataset folder of the training problems (default: "
                        "/usr/share/datasets/fashion-mnist)");
  study_cmd->add_flag("--no-training", study.no_training, "Leave out the training problems");
  integer(study_cmd->add_option("--threads", study.threads, "Threads (default: all)"));
  study_cmd->add_option("--out", study.out, "Output folder (default: descent-out)");
  study_cmd->add_option("--format", study.format, "Figure format: png (default), svg or pdf");
  study_cmd->add_flag("--no-plots", study.no_plots, "Do not draw the figures");

  descent::cli::ServeArgs serve;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve",
      "Serve the interactive lab page and its JSON API (docs/api.md) over HTTP, on loopback");
  serve_cmd->add_option("--host", serve.host, "Address to listen on (default: 127.0.0.1)");
  integer(serve_cmd->add_option("--port", serve.port, "Port (default 8080; 0 picks a free one)"));
  serve_cmd->add_option("--web", serve.web,
                        "Folder of the page (default: share/descent/web of the installation)");
  serve_cmd->add_flag("--no-page", serve.no_page, "Serve only the JSON API under /api/");
  serve_cmd->add_option("--network", serve.network,
                        "The descent train output whose run and landscape GET /api/network and "
                        "the lessons' chapter 6 show (default: descent-out)");
  serve_cmd->add_option("--allow-host", serve.allow_hosts,
                        "Also answer requests for this host name (repeatable; by default only "
                        "localhost, 127.0.0.1, [::1] and --host)");

  descent::cli::BenchArgs bench;
  CLI::App* bench_cmd = app.add_subcommand(
      "bench", "Time every elementwise optimizer's step on a large vector against a triad");
  bench_cmd->add_option(
      "--size", bench.size,
      "Parameters per vector, e.g. 64M (K, M, G = 2^10, 2^20, 2^30; default 16M)");
  bench_cmd
      ->add_option("--threads", bench.threads,
                   "Thread count, a list such as 1,2, or 'all' (default: all)")
      ->type_name("N|LIST|all");
  bench_cmd->add_option("--optimizers", bench.names,
                        "Comma-separated optimizer names (default: every elementwise one)");
  bench_cmd->add_option("-o,--optimizer", bench.optimizers,
                        "Optimizer spec, repeatable, e.g. -o adam:amsgrad=true");
  bench_cmd->add_option("--type", bench.type, "float32 (default), float64 or both");
  integer(bench_cmd->add_option(
      "--repeat", bench.repeat,
      "Interleaved rounds of triad and step; the median is reported (default 5)"));
  real(bench_cmd->add_option("--min-time", bench.min_time,
                             "Seconds each timing lasts at least (default 0.1)"));
  bench_cmd->add_option("--simd", bench.simd,
                        "Use a narrower SIMD level than the CPU's widest: sse2, avx2 or avx512");
  bench_cmd->add_option("--json", bench.json,
                        "Also write the results as JSON to this file (- for standard output)");

  ListArgs list;
  CLI::App* list_cmd = app.add_subcommand(
      "list", "List the optimizers and functions with their parameters, defaults and ranges");
  list_cmd->add_option("what", list.what,
                       "optimizers, schedules, functions, all (default), or the name of one "
                       "optimizer, schedule or function, e.g. adam");
  list_cmd->add_flag("--markdown", list.markdown, "Print as Markdown (the docs are made this way)");
  list_cmd->add_option("--family", list.family,
                       "Only the optimizers of this family: classic, adaptive, sign-based, "
                       "lr-free, second-order, layer-wise or wrapper");

  std::string shell;
  CLI::App* completion_cmd = app.add_subcommand(
      "completion", "Print a shell completion script: source <(descent completion bash)");
  completion_cmd->add_option("shell", shell, "bash or zsh")
      ->required()
      ->check(CLI::IsMember({"bash", "zsh"}));

  // The kind of value each remaining text option takes, as --help shows it.
  const std::map<std::string, std::string> value_kinds = {{"function", "SPEC"},
                                                          {"optimizer", "SPEC"},
                                                          {"schedule", "SPEC"},
                                                          {"spec", "SPEC"},
                                                          {"start", "X,Y,..."},
                                                          {"at", "X,Y,..."},
                                                          {"checkpoint", "DIR"},
                                                          {"resume", "DIR"},
                                                          {"out", "PATH"},
                                                          {"data", "DIR"},
                                                          {"web", "DIR"},
                                                          {"trajectory", "FILE"},
                                                          {"json", "FILE"},
                                                          {"losses", "FILE"},
                                                          {"experiment", "FILE"},
                                                          {"format", "FORMAT"},
                                                          {"kind", "KIND"},
                                                          {"grid", "KEY=LO:HI:SCALE:N"},
                                                          {"keys", "KEY,..."},
                                                          {"search", "NAME"},
                                                          {"metric", "NAME"},
                                                          {"simd", "LEVEL"},
                                                          {"model", "NAME"},
                                                          {"host", "ADDRESS"},
                                                          {"allow-host", "HOST"},
                                                          {"size", "SIZE"},
                                                          {"optimizers", "NAME,..."},
                                                          {"type", "TYPE"},
                                                          {"what", "NAME"},
                                                          {"shell", "SHELL"},
                                                          {"study", "NAME"},
                                                          {"problems", "NAME,..."},
                                                          {"range", "LO,HI"},
                                                          {"record", "all|every:K|none"}};
  for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; }))
    for (CLI::Option* o : sub->get_options())
      if (o->get_type_name() == "TEXT")
        if (const auto it = value_kinds.find(o->get_single_name()); it != value_kinds.end())
          o->type_name(it->second);

  // A first word that is neither an option nor a command: name it (CLI11 would only say that a
  // subcommand is required).
  const CLI::App* command = named_command(app, argc, argv);
  if (argc > 1 && argv[1][0] != '-' && command == nullptr) {
    std::string valid;
    std::vector<std::string> names;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      valid += (valid.empty() ? "" : ", ") + sub->get_name();
      names.push_back(sub->get_name());
    }
    fmt::print(stderr, "descent: error: unknown command '{}'{}; valid: {}\n", argv[1],
               descent::did_you_mean(argv[1], names), valid);
    fmt::print(stderr, "Run 'descent --help' for the commands.\n");
    return kExitInput;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help and --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    const std::string suggestion = command ? option_suggestion(*command, argc, argv) : "";
    print_error((e.what() + suggestion).c_str());
    if (command)
      fmt::print(stderr, "Run 'descent {} --help' for its options.\n", command->get_name());
    else
      fmt::print(stderr, "Run 'descent --help' for the commands and options.\n");
    return kExitInput;
  }

  try {
    if (app.got_subcommand(run_cmd)) return descent::cli::run_command(run);
    if (app.got_subcommand(list_cmd)) return descent::cli::list_command(list);
    if (app.got_subcommand(completion_cmd)) {
      fmt::print("{}", descent::cli::completion_script(app, shell));
      return 0;
    }
    if (app.got_subcommand(sched_cmd)) return descent::cli::schedule_command(sched);
    if (app.got_subcommand(plot_cmd)) return descent::cli::plot_command(plot);
    if (app.got_subcommand(analyze_cmd)) return descent::cli::analyze_command(analyze);
    if (app.got_subcommand(bench_cmd)) return descent::cli::bench_command(bench);
    if (app.got_subcommand(sweep_cmd)) return descent::cli::sweep_command(sweep);
    if (app.got_subcommand(tune_cmd)) return descent::cli::tune_command(tune);
    if (app.got_subcommand(train_cmd)) return descent::cli::train_command(train);
    if (app.got_subcommand(study_cmd)) return descent::cli::study_command(study);
    if (app.got_subcommand(landscape_cmd)) return descent::cli::landscape_command(landscape);
    if (app.got_subcommand(serve_cmd)) {
      if (descent::shared_group() != nullptr)
        throw descent::InputError(
            "descent serve runs in one process: start it without mpirun (its requests share "
            "this machine's threads)");
      return descent::cli::serve_command(serve);
    }
  } catch (const descent::InputError& e) {
    print_error(e.what());
    return kExitInput;
  } catch (const descent::SystemFailure& e) {
    print_failure("error", e.what());
    return kExitFailure;
  } catch (const std::exception& e) {
    print_failure("internal error", e.what());
    return kExitFailure;
  }
  return 0;
}

#ifdef DESCENT_WITH_MPI
// Started by an MPI launcher: the ranks share the work (distributed.hpp), rank 0 alone prints
// and writes files, and each rank's threads default to its share of this machine's cores.
int mpi_main(int argc, char** argv) {
  std::shared_ptr<descent::ProcessGroup> group;
  try {
    group = descent::mpi::init(&argc, &argv);
  } catch (const descent::SystemFailure& e) {
    fmt::print(stderr, "descent: error: {}\n", e.what());
    return kExitFailure;
  }
  descent::set_process_group(group);
  // Threads: the cores this rank is bound to (mpirun --bind-to, Slurm's binding), or if it is not
  // bound, the machine's share of each of the ranks on it.
  const unsigned all = descent::hardware_threads();
  unsigned bound = all;
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof mask, &mask) == 0)
    bound = static_cast<unsigned>(std::max(1, CPU_COUNT(&mask)));
  int local = 1;
  try {
    local = descent::mpi::local_size();
  } catch (const descent::SystemFailure&) {
  }
  descent::set_threads(bound < all ? bound : std::max(1u, all / static_cast<unsigned>(local)));
  if (group->rank() != 0) {
    std::fflush(stdout);
    std::fflush(stderr);
    other_rank = group->rank();
    own_stderr = dup(STDERR_FILENO);
    const int null = open("/dev/null", O_WRONLY);
    if (null >= 0) {
      dup2(null, STDOUT_FILENO);
      dup2(null, STDERR_FILENO);
      close(null);
    }
  }
  const int code = run_main(argc, argv);
  // A rank that failed alone (the others did not stop with it within a minute) says why, then
  // ends the job.
  descent::mpi::finish(code, std::chrono::seconds(60), [] {
    if (!unsaid_error.empty()) {
      const std::string text =
          fmt::format("descent: rank {}: error: {}\n", other_rank, unsaid_error);
      [[maybe_unused]] const auto n = write(own_stderr, text.data(), text.size());
    }
  });
  descent::set_process_group(nullptr);
  group.reset();  // MPI_Finalize
  return code;
}
#endif

int main(int argc, char** argv) {
#ifdef DESCENT_WITH_MPI
  if (descent::mpi::launched()) return mpi_main(argc, argv);
#endif
  return run_main(argc, argv);
}
