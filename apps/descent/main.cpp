// descent: the command-line program.
//
// Exit status: 0 on success, 2 for invalid input (with one message on stderr naming the problem),
// 1 for an internal error.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <exception>
#include <string>

#include "commands.hpp"
#include "descent/error.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/version.hpp"

namespace {

constexpr int kExitInput = 2;

void print_error(const char* what) { fmt::print(stderr, "descent: error: {}\n", what); }

// The options sweep and tune share (descent::cli::ProtocolArgs), after each command's own. What
// a run is drawn for (`unit`), the metric's default, the seed's use and the figure differ.
void add_protocol_options(CLI::App* cmd, descent::cli::ProtocolArgs& a, const std::string& metric,
                          const std::string& unit, const std::string& seed,
                          const std::string& format, const std::string& figure) {
  cmd->add_option("-n,--steps", a.steps, "Steps per run (default 1000)");
  cmd->add_option("--tol", a.tol, "Loss tolerance for steps_to_tol (default 1e-6)");
  cmd->add_option("--metric", a.metric, metric);
  cmd->add_option("--starts", a.starts,
                  "Start points per " + unit + ": the given one, then random ones (default 1)");
  cmd->add_option("--seeds", a.seeds, "Noise seeds per start, with --noise (default 1)");
  cmd->add_option("--noise", a.noise, "Gradient noise standard deviation (default 0)");
  cmd->add_option("--seed", a.seed, seed);
  cmd->add_option("--threads", a.threads, "Threads (default: all)");
  cmd->add_option("--simd", a.simd,
                  "Instruction set: sse2, avx2 or avx512 where the CPU has it (default: the "
                  "widest)");
  cmd->add_option("--out", a.out, "Output folder (default: descent-out)");
  cmd->add_option("--format", a.format, format + " format: png (default), svg or pdf");
  cmd->add_flag("--no-plots", a.no_plots, "Do not draw " + figure);
}

}  // namespace

int main(int argc, char** argv) {
  // OpenBLAS (for train) starts its worker threads at load, and they spin before they sleep:
  // stopped here, so that they do not take a core from a sweep's or a tune's threads. train's
  // first matrix product starts them again.
  descent::nn::stop_blas_workers();
  using descent::cli::ListArgs;
  using descent::cli::RunArgs;

  CLI::App app{"descent: a laboratory for gradient-based optimization", "descent"};
  app.set_version_flag("--version", descent::version());
  app.require_subcommand(1);
  app.footer("Run 'descent run' for the seed experiment; 'descent COMMAND --help' for details.");

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
  run_cmd->add_option("-n,--steps", run.steps, "Number of optimizer steps (default 50)");
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
  run_cmd->add_option("--noise", run.noise,
                      "Add Gaussian noise of this standard deviation to every gradient");
  run_cmd->add_option("--seed", run.seed, "Seed of the noise and the mini-batches (default 0)");
  run_cmd->add_option("--batch", run.batch,
                      "Mini-batch size for a finite-sum function such as least_squares");
  run_cmd->add_option("--tol", run.tol, "Loss tolerance for 'steps to tol' (default 1e-6)");
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
  plot_cmd->add_option("trajectory", plot.csv, "Trajectory CSV: optimizer,step,loss,w1,w2,...")
      ->required();
  plot_cmd->add_option("-f,--function", plot.function,
                       "Function spec the paths ran on (needed by surface3d, contour, "
                       "animation)");
  plot_cmd->add_option("-k,--kind", plot.kinds,
                       "surface3d, contour, loss or animation; repeatable (default: all that "
                       "fit)");
  plot_cmd->add_option("--format", plot.format, "png (default), svg or pdf");
  plot_cmd->add_option("--out", plot.out,
                       "Output folder (default: .), or a file name when one kind is asked for");

  descent::cli::ScheduleArgs sched;
  CLI::App* sched_cmd = app.add_subcommand(
      "schedule", "Print the learning rate of each step of a schedule (CSV: step,lr)");
  sched_cmd->add_option("spec", sched.spec, "Schedule spec, e.g. cosine:t_max=100,warmup=5")
      ->required();
  sched_cmd->add_option("--lr", sched.lr, "Base learning rate (default 0.1)");
  sched_cmd->add_option("-n,--steps", sched.steps, "Number of steps (default 100)");
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
  tune_cmd->add_option("--budget", tune.budget, "Settings tried per optimizer (default 64)");
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
  train_cmd->add_option("--epochs", train.epochs, "Epochs (default 10)");
  train_cmd->add_option("--batch", train.batch, "Mini-batch size (default 128)");
  train_cmd->add_option("--seed", train.seed,
                        "Seed of the initialization and shuffling (default 0)");
  train_cmd->add_option("-o,--optimizer", train.optimizers,
                        "Optimizer spec, repeatable (default: sgd:lr=0.1, "
                        "momentum:lr=0.05,alpha=0.9, rmsprop:lr=0.001,beta=0.99, adam:lr=0.001)");
  train_cmd->add_option("--train-limit", train.train_limit, "Use only the first N training images");
  train_cmd->add_option("--test-limit", train.test_limit, "Use only the first N test images");
  train_cmd->add_option("--threads", train.threads,
                        "Threads for the matrix products (default: all)");
  train_cmd->add_option("--out", train.out, "Output folder (default: descent-out)");
  train_cmd->add_option("--format", train.format, "Figure format: png (default), svg or pdf");
  train_cmd->add_flag("--resume", train.resume,
                      "Continue from the checkpoints and log in the output folder");
  train_cmd->add_flag("--progress", train.progress,
                      "Draw the progress bar even when stderr is not a terminal");
  train_cmd->add_flag("--no-plots", train.no_plots, "Do not draw the figures");

  descent::cli::ServeArgs serve;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve",
      "Serve the interactive lab page and its JSON API (docs/api.md) over HTTP, on loopback");
  serve_cmd->add_option("--host", serve.host, "Address to listen on (default: 127.0.0.1)");
  serve_cmd->add_option("--port", serve.port, "Port (default 8080; 0 picks a free one)");
  serve_cmd->add_option("--web", serve.web,
                        "Folder of the page (default: web/ of the source tree)");
  serve_cmd->add_flag("--no-page", serve.no_page, "Serve only the JSON API under /api/");
  serve_cmd->add_option("--allow-host", serve.allow_hosts,
                        "Also answer requests for this host name (repeatable; by default only "
                        "localhost, 127.0.0.1, [::1] and --host)");

  descent::cli::BenchArgs bench;
  CLI::App* bench_cmd = app.add_subcommand(
      "bench", "Time every elementwise optimizer's step on a large vector against a triad");
  bench_cmd->add_option(
      "--size", bench.size,
      "Parameters per vector, e.g. 64M (K, M, G = 2^10, 2^20, 2^30; default 16M)");
  bench_cmd->add_option("--threads", bench.threads,
                        "Thread count, a list such as 1,2, or 'all' (default: all)");
  bench_cmd->add_option("--optimizers", bench.names,
                        "Comma-separated optimizer names (default: every elementwise one)");
  bench_cmd->add_option("-o,--optimizer", bench.optimizers,
                        "Optimizer spec, repeatable, e.g. -o adam:amsgrad=true");
  bench_cmd->add_option("--type", bench.type, "float32 (default), float64 or both");
  bench_cmd->add_option("--repeat", bench.repeat,
                        "Interleaved rounds of triad and step; the median is reported (default 5)");
  bench_cmd->add_option("--min-time", bench.min_time,
                        "Seconds each timing lasts at least (default 0.1)");
  bench_cmd->add_option("--simd", bench.simd,
                        "Use a narrower SIMD level than the CPU's widest: sse2, avx2 or avx512");
  bench_cmd->add_option("--json", bench.json,
                        "Also write the results as JSON to this file (- for standard output)");

  ListArgs list;
  CLI::App* list_cmd = app.add_subcommand(
      "list", "List the optimizers and functions with their parameters, defaults and ranges");
  list_cmd->add_option("what", list.what, "optimizers, schedules, functions or all (default)");
  list_cmd->add_flag("--markdown", list.markdown, "Print as Markdown (the docs are made this way)");

  // A first word that is neither an option nor a command: name it (CLI11 would only say that a
  // subcommand is required).
  if (argc > 1 && argv[1][0] != '-') {
    std::string names;
    bool known = false;
    for (const CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
      known = known || sub->get_name() == argv[1];
      names += (names.empty() ? "" : ", ") + sub->get_name();
    }
    if (!known) {
      fmt::print(stderr, "descent: error: unknown command '{}'; valid: {}\n", argv[1], names);
      return kExitInput;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help and --version
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
    fmt::print(stderr, "Run 'descent --help' for the commands and options.\n");
    return kExitInput;
  }

  try {
    if (app.got_subcommand(run_cmd)) return descent::cli::run_command(run);
    if (app.got_subcommand(list_cmd)) return descent::cli::list_command(list);
    if (app.got_subcommand(sched_cmd)) return descent::cli::schedule_command(sched);
    if (app.got_subcommand(plot_cmd)) return descent::cli::plot_command(plot);
    if (app.got_subcommand(analyze_cmd)) return descent::cli::analyze_command(analyze);
    if (app.got_subcommand(bench_cmd)) return descent::cli::bench_command(bench);
    if (app.got_subcommand(sweep_cmd)) return descent::cli::sweep_command(sweep);
    if (app.got_subcommand(tune_cmd)) return descent::cli::tune_command(tune);
    if (app.got_subcommand(train_cmd)) return descent::cli::train_command(train);
    if (app.got_subcommand(serve_cmd)) return descent::cli::serve_command(serve);
  } catch (const descent::InputError& e) {
    print_error(e.what());
    return kExitInput;
  } catch (const std::exception& e) {
    fmt::print(stderr, "descent: internal error: {}\n", e.what());
    return 1;
  }
  return 0;
}
