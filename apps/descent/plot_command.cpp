#include <fmt/format.h>

#include <filesystem>
#include <fstream>

#include "commands.hpp"
#include "descent/error.hpp"
#include "descent/plot/figures.hpp"
#include "descent/registry.hpp"
#include "descent/trajectory_csv.hpp"
#include "figures.hpp"
#include "outputs.hpp"
#include "util/input_file.hpp"

namespace descent::cli {

int plot_command(const PlotArgs& args) {
  namespace fs = std::filesystem;
  // Everything is checked before anything is drawn.
  const plot::Format format = plot::parse_format(args.format);
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

  check_input_file(args.csv, "trajectory file", "a CSV file", kMaxTrajectoryBytes);
  std::ifstream in(args.csv);
  if (!in) throw InputError("trajectory file '" + args.csv + "' cannot be read");
  plot::Scene scene{f.get(), {}};
  for (auto& t : read_trajectory_csv(in, args.csv)) {
    if (f && t.trajectory.dim != f->dim())
      throw InputError(fmt::format("{}: the paths have {} coordinates but function '{}' takes {}",
                                   args.csv, t.trajectory.dim, f->spec(), f->dim()));
    scene.paths.push_back({short_label(t.optimizer), std::move(t.trajectory), false});
  }

  // One kind and a file name: write exactly there; otherwise into the folder. Every output is
  // checked before the first is written.
  // "-": the one figure asked for, on standard output.
  if (is_stdout(args.out)) {
    if (kinds.size() != 1)
      throw InputError("--out -: standard output holds one figure; ask for one with --kind");
    write_output(args.out, plot::render(kinds.front(), scene, format));
    return 0;
  }
  const bool to_file = kinds.size() == 1 && fs::path(args.out).has_extension();
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
