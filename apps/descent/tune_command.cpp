// `descent tune`: every optimizer's hyperparameters searched under one protocol, a leaderboard,
// and the race of the tuned optimizers.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "descent/error.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/parallel.hpp"
#include "descent/params.hpp"
#include "descent/plot/figures.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "descent/spec.hpp"
#include "descent/tune.hpp"
#include "experiment.hpp"
#include "figures.hpp"
#include "outputs.hpp"
#include "progress.hpp"
#include "protocol.hpp"
#include "tune_json.hpp"
#include "util/atomic_file.hpp"
#include "util/text.hpp"

namespace descent::cli {
namespace {

std::string space_text(const std::vector<TuneAxis>& space) {
  std::vector<std::string> parts;
  for (const TuneAxis& a : space)
    parts.push_back(fmt::format("{} in [{}, {}] ({})", a.key, format_double(a.lo),
                                format_double(a.hi), to_string(a.scale)));
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::string csv_field(const std::string& s) { return '"' + s + '"'; }

// A metric in the leaderboard: 4 significant digits (the CSV and JSON keep every digit).
std::string short_number(double v) { return std::isfinite(v) ? fmt::format("{:.4g}", v) : "inf"; }

}  // namespace

int tune_command(const TuneArgs& args) {
  TuneConfig c;
  for (const std::string& spec : args.optimizers)
    c.optimizers.push_back(OptimizerConfig::parse(spec));
  if (args.keys)
    for (const std::string_view key : split_list(*args.keys, ',')) {
      if (trim(key).empty()) throw InputError("--keys: expected KEY[,KEY...], e.g. lr,beta1");
      c.keys.emplace_back(trim(key));
    }
  c.budget = parse_count(args.budget, "--budget", kMaxTuneBudget);
  c.search = parse_tune_search(args.search);
  const plot::Format format = plot::parse_format(args.format);
  read_protocol(args, c);
  // Every output, checked before the search runs.
  const std::filesystem::path out = args.out;
  const std::vector<plot::Kind> race_kinds = {plot::Kind::contour, plot::Kind::loss};
  Outputs outputs;
  outputs.folder(out);
  outputs.file(out / "tune.csv");
  outputs.file(out / "tune.json");
  if (!args.no_plots)
    for (plot::Kind kind : drawable_kinds(make_function(c.function).get(), race_kinds))
      outputs.file(figure_file(out, kind, format));

  ProgressLine line("tune", "settings");
  const TuneResult r = tune(c, [&](std::size_t done, std::size_t total) { line(done, total); });
  line.finish();
  const double seconds = line.seconds();

  const std::unique_ptr<Objective> f = make_function(c.function);
  const std::string metric = to_string(c.metric);
  // The settings each optimizer tried: the budget, or fewer where a grid of its keys fits less.
  std::string tried = std::to_string(r.entries.front().trials.size()) + " setting(s) each";
  for (const TuneEntry& e : r.entries)
    if (e.trials.size() != r.entries.front().trials.size()) {
      tried = "at most " + std::to_string(c.budget) + " setting(s) each (";
      for (const TuneEntry& x : r.entries)
        tried += fmt::format("{}{} {}", &x == &r.entries.front() ? "" : ", ",
                             x.optimizer.method().name, x.trials.size());
      tried += ")";
      break;
    }
  fmt::print("tune      {} optimizer(s) on {} from ({}): {} search, {}\n", r.entries.size(),
             f->spec(), fmt::join(r.starts.front(), ", "), to_string(c.search), tried);
  fmt::print("protocol  {} start(s) x {} seed(s) per setting, {} steps, metric {} (median)\n",
             c.starts, c.seeds, c.options.steps, metric);
  fmt::print("runs      {} in {:.3g} s on {}\n\n", r.runs, seconds, workers_text(threads()));

  // The leaderboard.
  std::vector<std::string> best_specs;
  std::size_t width = 12;
  for (const TuneEntry& e : r.entries)
    width = std::max(width, short_label(e.best_trial().spec).size());
  fmt::print("{:<4}  {:<{}}  {:>12}  {:>12}  {:>9}  {}\n", "rank", "best setting", width, metric,
             "worst run", "diverged", "searched");
  for (std::size_t k = 0; k < r.ranking.size(); ++k) {
    const TuneEntry& e = r.entries[r.ranking[k]];
    const SweepCell& b = e.best_trial();
    std::size_t diverged = 0;
    for (const SweepCell& t : e.trials) diverged += t.diverged == t.runs;
    fmt::print("{:<4}  {:<{}}  {:>12}  {:>12}  {:>9}  {}\n", k + 1, short_label(b.spec), width,
               short_number(b.median), short_number(b.max),
               fmt::format("{}/{}", diverged, e.trials.size()), space_text(e.space));
  }

  // CSV: one row per setting tried.
  std::ostringstream csv;
  csv << "optimizer,spec," << metric << "_median," << metric << "_min," << metric
      << "_max,runs,diverged,best,termination\n";
  for (const TuneEntry& e : r.entries)
    for (std::size_t t = 0; t < e.trials.size(); ++t) {
      const SweepCell& cell = e.trials[t];
      csv << csv_field(e.optimizer.spec()) << "," << csv_field(cell.spec) << ","
          << metric_text(cell.median) << "," << metric_text(cell.min) << ","
          << metric_text(cell.max) << "," << cell.runs << "," << cell.diverged << ","
          << (t == e.best ? 1 : 0) << "," << csv_field(cell.termination) << "\n";
    }
  const nlohmann::json doc = tune_json(r, *f);
  write_file_atomically(out / "tune.csv", csv.str());
  write_file_atomically(out / "tune.json", doc.dump(1) + "\n");
  fmt::print("\nwrote     {}, {}\n", (out / "tune.csv").string(), (out / "tune.json").string());

  if (!args.no_plots) {
    // The race: each tuned optimizer from the first start, in leaderboard order, with the same
    // step budget (and the first noise seed).
    plot::Scene scene{f.get(), {}};
    std::vector<RunResult> race;
    for (std::size_t i : r.ranking) {
      const std::unique_ptr<Objective> fi =
          protocol_objective(c.function, c.noise, c.batch, c.seed);
      auto opt = make_optimizer<double>(r.entries[i].best_trial().spec);
      const RunResult run_result = run(*fi, *opt, r.starts.front(), c.options);
      scene.paths.push_back({short_label(run_result.optimizer), run_result.trajectory,
                             blew_up(run_result.termination)});
    }
    const auto written = write_figures(scene, out, format, race_kinds);
    std::string names;
    for (const auto& p : written) names += (names.empty() ? "" : ", ") + p.filename().string();
    if (!written.empty())
      fmt::print("wrote     the race of the tuned optimizers under {}: {}\n", out.string(), names);
  }
  return 0;
}

}  // namespace descent::cli
