#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "commands.hpp"
#include "descent/error.hpp"
#include "descent/params.hpp"
#include "descent/plot/figures.hpp"
#include "descent/registry.hpp"
#include "descent/trajectory_csv.hpp"
#include "figures.hpp"
#include "outputs.hpp"
#include "util/input_file.hpp"

namespace descent::cli {
namespace {

// Whether the file's loss and the function's value at the file's point agree: to a relative 1e-4
// (a run in float32 writes its loss to 7 digits), or within 1e-6 of the largest loss of the rows
// checked (a loss near 0 computed in float32 keeps only its absolute accuracy).
bool same_loss(double file, double function, double scale) {
  return std::abs(file - function) <=
         1e-4 * std::max(std::abs(file), std::abs(function)) + 1e-6 * scale;
}

// Refuses paths whose loss column contradicts `f`: checked at the first, middle and last row of
// each run, the first disagreement named with its line, both losses and the point.
void check_losses(const Objective& f, const std::vector<NamedTrajectory>& runs,
                  const std::string& source) {
  for (const NamedTrajectory& run : runs) {
    const Trajectory& t = run.trajectory;
    const std::size_t n = t.size();
    const std::size_t rows[] = {0, n / 2, n - 1};
    double scale = 0;
    for (std::size_t k : rows) scale = std::max(scale, std::abs(t.loss[k]));
    for (std::size_t k : rows) {
      const auto w = t.point(k);
      const double value = f.value(w);
      if (same_loss(t.loss[k], value, scale)) continue;
      std::string point;
      for (double x : w) point += (point.empty() ? "" : ", ") + format_double(x);
      throw InputError(fmt::format(
          "{}:{}: the file's loss {} (optimizer '{}', step {}) is not the loss of function '{}' "
          "at ({}), which is {}: the paths ran on another function. Give the function they ran "
          "on with --function, or add --no-check to draw them over this one anyway",
          source, run.lines[k], format_double(t.loss[k]), run.optimizer, t.steps[k], f.spec(),
          point, format_double(value)));
    }
  }
}

}  // namespace

int plot_command(const PlotArgs& args) {
  namespace fs = std::filesystem;
  // Everything is checked before anything is drawn.
  std::vector<plot::Kind> kinds;
  for (const auto& k : args.kinds) kinds.push_back(plot::parse_kind(k));
  std::unique_ptr<Objective> f;
  if (args.function) f = make_function(*args.function);
  if (kinds.empty()) {
    kinds.push_back(plot::Kind::loss);
    if (f && f->dim() == 2)
      kinds.insert(kinds.begin(),
                   {plot::Kind::surface3d, plot::Kind::contour, plot::Kind::animation});
  }
  for (plot::Kind k : kinds)
    if (k != plot::Kind::loss && !f)
      throw InputError(std::string("a ") + plot::to_string(k) +
                       " figure needs the function the paths ran on: add --function SPEC");
  // A figure asked for by --kind is drawn or refused, never skipped.
  if (!args.kinds.empty()) {
    const std::vector<plot::Kind> drawable = drawable_kinds(f.get(), kinds);
    for (plot::Kind k : kinds)
      if (std::ranges::count(drawable, k) == 0)
        throw InputError(fmt::format("--kind {}: it needs a 2-D function; '{}' takes {}",
                                     plot::to_string(k), f->spec(), f->dim()));
  }
  // One kind and a file name: write exactly there, in the format the name says (an animation is
  // a GIF); otherwise into the folder.
  const bool to_file =
      !is_stdout(args.out) && kinds.size() == 1 && fs::path(args.out).has_extension();
  std::string ext = to_file ? fs::path(args.out).extension().string() : "";
  std::ranges::transform(ext, ext.begin(), [](unsigned char c) { return std::tolower(c); });
  const bool named = ext == ".png" || ext == ".svg" || ext == ".pdf";
  const plot::Format format =
      plot::parse_format(args.format ? *args.format : (named ? ext.substr(1) : "png"));
  if (to_file) {
    const std::string writes =
        kinds.front() == plot::Kind::animation ? ".gif" : plot::extension(format);
    if (ext != writes)
      throw InputError(fmt::format(
          "--out {}: the {} figure{} is written as {}; name the file {}{}", args.out,
          plot::to_string(kinds.front()), writes == ".gif" ? "" : " in " + writes.substr(1), writes,
          fs::path(args.out).replace_extension(writes).string(),
          named && writes != ".gif" ? " or give --format " + ext.substr(1) : ""));
  }

  check_input_file(args.csv, "trajectory file", "a CSV file", kMaxTrajectoryBytes);
  std::ifstream in(args.csv);
  if (!in) throw InputError("trajectory file '" + args.csv + "' cannot be read");
  std::vector<NamedTrajectory> runs = read_trajectory_csv(in, args.csv);
  if (f && runs.front().trajectory.dim != f->dim())
    throw InputError(fmt::format("{}: the paths have {} coordinates but function '{}' takes {}",
                                 args.csv, runs.front().trajectory.dim, f->spec(), f->dim()));
  if (f && !args.no_check) check_losses(*f, runs, args.csv);
  plot::Scene scene{f.get(), {}};
  for (auto& t : runs)
    scene.paths.push_back({short_label(t.optimizer), std::move(t.trajectory), false});

  // Every output is checked before the first is written. "-": the one figure asked for, on
  // standard output.
  if (is_stdout(args.out)) {
    if (kinds.size() != 1)
      throw InputError("--out -: standard output holds one figure; ask for one with --kind");
    write_output(args.out, plot::render(kinds.front(), scene, format));
    return 0;
  }
  Outputs outputs;
  if (to_file) {
    outputs.file(args.out);
  } else {
    outputs.folder(args.out);
    for (plot::Kind kind : drawable_kinds(f.get(), kinds))
      outputs.file(figure_file(args.out, kind, format));
  }
  if (to_file) {
    plot::draw(kinds.front(), scene, args.out, format);
    fmt::print("wrote {}\n", args.out);
    return 0;
  }
  const auto written = write_figures(scene, args.out, format, kinds);
  for (const auto& p : written) fmt::print("wrote {}\n", p.string());
  return 0;
}

}  // namespace descent::cli
