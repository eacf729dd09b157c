#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "descent/atomic_file.hpp"
#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "descent/trajectory_csv.hpp"
#include "experiment.hpp"
#include "report.hpp"

namespace descent::cli {

int run_command(const RunArgs& args) {
  namespace fs = std::filesystem;
  // 1. The whole experiment, checked before anything runs or is written.
  Experiment x =
      args.experiment_file.empty() ? Experiment{} : load_experiment(args.experiment_file);
  if (args.function) x.function = *args.function;
  if (args.start) x.start = parse_point(*args.start, "--start");
  if (args.steps) x.steps = parse_count(*args.steps, "--steps", kMaxSteps);
  if (args.tol) x.tol = parse_number(*args.tol, "--tol");
  if (!args.optimizers.empty()) x.optimizers = args.optimizers;
  if (args.out) x.out = *args.out;
  if (args.trajectory) x.trajectory = *args.trajectory;
  if (args.json) x.json = *args.json;
  if (x.optimizers.size() > kMaxOptimizers)
    throw InputError(fmt::format("{} optimizers given; at most {} run at once", x.optimizers.size(),
                                 kMaxOptimizers));

  const std::unique_ptr<Objective> f = make_function(x.function);
  std::vector<std::unique_ptr<Optimizer<double>>> optimizers;
  for (const auto& spec : x.optimizers) optimizers.push_back(make_optimizer<double>(spec));
  RunSetup setup{f.get(), x.start.value_or(f->default_start()), {x.steps, x.tol}};
  if (setup.start.size() != f->dim())
    throw InputError(fmt::format("the start point has {} coordinates but function '{}' takes {}",
                                 setup.start.size(), f->spec(), f->dim()));
  const fs::path csv_path =
      x.trajectory ? fs::path(*x.trajectory) : fs::path(x.out) / "trajectory.csv";
  const fs::path json_path = x.json ? fs::path(*x.json) : fs::path(x.out) / "run.json";

  // 2. Run, report, write.
  const std::vector<RunResult> results = run_all(*f, optimizers, setup.start, setup.options);
  fmt::print("{}", metrics_table(setup, results));

  std::ostringstream csv;
  write_trajectory_csv(csv, results);
  write_file_atomically(csv_path, csv.str());
  write_file_atomically(json_path, run_json(setup, results));
  fmt::print("\nwrote {} and {}\n", csv_path.string(), json_path.string());
  return 0;
}

}  // namespace descent::cli
