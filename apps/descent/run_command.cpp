#include <fmt/format.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>

#include "commands.hpp"
#include "descent/checkpoint.hpp"
#include "descent/error.hpp"
#include "descent/noise.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "descent/schedule.hpp"
#include "descent/sweep.hpp"
#include "descent/trajectory_csv.hpp"
#include "experiment.hpp"
#include "figures.hpp"
#include "outputs.hpp"
#include "report.hpp"

namespace descent::cli {

// Every run's figures show all of its optimizers.
static_assert(kMaxOptimizers <= plot::kMaxPaths);

namespace {

/// --record: all (every step), every:K or none (the first and last steps):
/// RunOptions::record_every.
std::size_t parse_record(const std::string& text) {
  if (text == "all") return 1;
  if (text == "none") return 0;
  if (text.starts_with("every:")) {
    const std::size_t k = parse_count(text.substr(6), "--record every:K", kMaxSteps);
    if (k == 0) throw InputError("--record every:K: K must be at least 1, got 0");
    return k;
  }
  throw InputError("--record: expected all, every:K or none, got '" + text + "'");
}

}  // namespace

int run_command(const RunArgs& args) {
  namespace fs = std::filesystem;
  // 1. The whole experiment, checked before anything runs or is written.
  Experiment x =
      args.experiment_file.empty() ? Experiment{} : load_experiment(args.experiment_file);
  if (args.function) x.function = *args.function;
  if (args.start) x.start = parse_point(*args.start, "--start");
  if (args.steps) x.steps = parse_count(*args.steps, "--steps", kMaxSteps);
  if (args.tol) x.tol = parse_number(*args.tol, "--tol");
  if (args.noise) x.noise = parse_number(*args.noise, "--noise");
  if (args.seed) x.seed = parse_count(*args.seed, "--seed", std::size_t{1} << 53);
  if (args.batch) x.batch = parse_count(*args.batch, "--batch", 1'000'000);
  if (!(x.noise >= 0) || !std::isfinite(x.noise))
    throw InputError("--noise: the standard deviation must be a finite number >= 0");
  if (!args.optimizers.empty()) {
    x.optimizers.clear();
    for (const std::string& spec : args.optimizers)
      x.optimizers.push_back(OptimizerConfig::parse(spec));
  }
  if (args.schedule) x.schedule = *args.schedule;
  if (x.schedule) {
    // One schedule for the optimizers that name none (the schedule itself keeps no state).
    const std::shared_ptr<const Schedule> schedule = make_schedule(*x.schedule);
    for (OptimizerConfig& c : x.optimizers)
      if (!c.schedule()) c.set_schedule(schedule);
  }
  if (args.out) x.out = *args.out;
  const plot::Format format = plot::parse_format(args.format);
  if (args.trajectory) x.trajectory = *args.trajectory;
  if (args.json) x.json = *args.json;
  if (x.optimizers.size() > kMaxOptimizers)
    throw InputError(fmt::format("{} optimizers given; at most {} run at once", x.optimizers.size(),
                                 kMaxOptimizers));

  // Each optimizer gets a fresh copy of the function, so that with noise or mini-batches every
  // one sees the same random sequence (common random numbers: a fair race).
  const auto make_objective = [&] {
    return protocol_objective(x.function, x.noise, x.batch, x.seed);
  };
  const std::unique_ptr<Objective> f = make_objective();
  std::vector<std::unique_ptr<Optimizer<double>>> optimizers;
  for (const OptimizerConfig& c : x.optimizers) optimizers.push_back(c.make<double>());
  RunSetup setup{f.get(), x.start.value_or(f->default_start()), {x.steps, x.tol}};
  setup.noise = x.noise;
  setup.seed = x.seed;
  setup.batch = x.batch;
  setup.resumed_from = args.resume_dir;
  if (args.record) setup.options.record_every = parse_record(*args.record);
  if (setup.start.size() != f->dim())
    throw InputError(fmt::format("the start point has {} coordinates but function '{}' takes {}",
                                 setup.start.size(), f->spec(), f->dim()));
  const fs::path csv_path =
      x.trajectory ? fs::path(*x.trajectory) : fs::path(x.out) / "trajectory.csv";
  const fs::path json_path = x.json ? fs::path(*x.json) : fs::path(x.out) / "run.json";

  const auto checkpoint_path = [](const std::string& dir, std::size_t i) {
    return fs::path(dir) / fmt::format("optimizer-{}.ckpt", i + 1);
  };
  const std::vector<plot::Kind> kinds =
      args.no_plots ? std::vector<plot::Kind>{}
                    : drawable_kinds(f.get(), {plot::Kind::surface3d, plot::Kind::contour,
                                               plot::Kind::loss, plot::Kind::animation});
  // Every output, checked before anything runs or is written.
  Outputs outputs;
  outputs.file(csv_path, true);
  outputs.file(json_path, true);
  if (!kinds.empty()) outputs.folder(x.out);
  for (plot::Kind kind : kinds) outputs.file(figure_file(x.out, kind, format));
  if (args.checkpoint_dir) {
    outputs.folder(*args.checkpoint_dir);
    for (std::size_t i = 0; i < optimizers.size(); ++i)
      outputs.file(checkpoint_path(*args.checkpoint_dir, i));
  }
  std::FILE* const report = outputs.report();

  // The settings a resumed run must keep besides what the checkpoints check themselves (the
  // optimizer, the dimension, the random streams of --noise, --batch and --seed).
  const std::map<std::string, std::string> kept = {{"--function", f->spec()},
                                                   {"--tol", fmt::format("{}", setup.options.tol)}};

  // 2. Run (or resume), report, write.
  std::vector<RunResult> results;
  if (args.resume_dir) {
    // Every checkpoint is read and checked, and each optimizer's copy of the function has its
    // random streams put back where the checkpoint's run had them, before any run starts.
    std::vector<std::vector<double>> points(optimizers.size());
    std::vector<std::uint64_t> steps(optimizers.size());
    std::vector<std::optional<RunHistory>> histories(optimizers.size());
    std::vector<std::unique_ptr<Objective>> objectives;
    for (std::size_t i = 0; i < optimizers.size(); ++i) {
      const fs::path path = checkpoint_path(*args.resume_dir, i);
      CheckpointContext context;
      steps[i] = restore_checkpoint<double>(path, *optimizers[i], points[i], &context);
      if (steps[i] > setup.options.steps)
        throw InputError(fmt::format(
            "--resume: checkpoint {} was written after {} steps; --steps {} must be at least that "
            "(a resumed run goes on to step --steps)",
            path.string(), steps[i], setup.options.steps));
      if (const auto d = context.differing(kept))
        throw InputError(fmt::format(
            "--resume: checkpoint {} was written by a run of {} {}, and this command gives {} {}",
            path.string(), d->first, d->second, d->first, kept.at(d->first)));
      if (points[i].size() != f->dim())
        throw InputError(
            fmt::format("checkpoint {} holds {} coordinates but function '{}' takes {}",
                        path.string(), points[i].size(), f->spec(), f->dim()));
      objectives.push_back(make_objective());
      restore_random_state(*objectives.back(), context, path);
      histories[i] = std::move(context.history);
      if (!histories[i])
        fmt::print(
            stderr,
            "note: checkpoint {} records no run history (an older version wrote it, or a run "
            "resumed from such a checkpoint): "
            "the metrics of {} cover steps {} to {} only\n",
            path.string(), short_label(optimizers[i]->spec()), steps[i], setup.options.steps);
    }
    for (std::size_t i = 0; i < optimizers.size(); ++i)
      results.push_back(run_from(*objectives[i], *optimizers[i], points[i], steps[i], setup.options,
                                 histories[i] ? &*histories[i] : nullptr));
  } else {
    for (const auto& opt : optimizers)
      results.push_back(run(*make_objective(), *opt, setup.start, setup.options));
  }
  fmt::print(report, "{}", metrics_table(setup, results));
  if (const std::string t = theory_summary(setup, results); !t.empty())
    fmt::print(report, "\n{}", t);

  std::ostringstream csv;
  write_trajectory_csv(csv, results);
  write_output(csv_path, csv.str());
  write_output(json_path, run_json(setup, results));
  fmt::print(report, "\nwrote {} and {}\n", output_name(csv_path), output_name(json_path));
  if (!args.no_plots) {
    plot::Scene scene{f.get(), {}};
    for (const RunResult& r : results)
      scene.paths.push_back(
          {short_label(r.optimizer), r.trajectory, blew_up(r.termination), r.solution});
    const auto written = write_figures(
        scene, x.out, format,
        {plot::Kind::surface3d, plot::Kind::contour, plot::Kind::loss, plot::Kind::animation},
        report);
    std::string names;
    for (const auto& p : written) names += (names.empty() ? "" : ", ") + p.filename().string();
    if (!written.empty()) fmt::print(report, "wrote figures under {}: {}\n", x.out, names);
  }
  if (args.checkpoint_dir) {
    for (std::size_t i = 0; i < results.size(); ++i) {
      const RunResult& r = results[i];
      if (r.termination == Termination::diverged) {
        fmt::print(report, "no checkpoint for {}: it diverged\n", short_label(r.optimizer));
        continue;
      }
      const auto last = r.trajectory.point(r.trajectory.size() - 1);
      save_checkpoint<double>(
          checkpoint_path(*args.checkpoint_dir, i), *optimizers[i], last, r.stop_step,
          {.random_state = r.random_state, .settings = kept, .history = r.history});
    }
    fmt::print(report, "saved the optimizers' states under {}\n", *args.checkpoint_dir);
  }
  return 0;
}

}  // namespace descent::cli
