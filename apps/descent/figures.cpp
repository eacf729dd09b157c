#include "figures.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace descent::cli {

std::filesystem::path figure_file(const std::filesystem::path& dir, plot::Kind kind,
                                  plot::Format format) {
  return dir / (std::string(plot::to_string(kind)) +
                (kind == plot::Kind::animation ? ".gif" : plot::extension(format)));
}

std::vector<plot::Kind> drawable_kinds(const Objective* function,
                                       const std::vector<plot::Kind>& kinds) {
  std::vector<plot::Kind> out;
  for (plot::Kind kind : kinds)
    if (kind == plot::Kind::loss || (function && function->dim() == 2)) out.push_back(kind);
  return out;
}

std::vector<std::filesystem::path> write_figures(const plot::Scene& scene,
                                                 const std::filesystem::path& dir,
                                                 plot::Format format,
                                                 const std::vector<plot::Kind>& kinds,
                                                 std::FILE* report) {
  const std::vector<plot::Kind> drawable = drawable_kinds(scene.function, kinds);
  std::vector<std::filesystem::path> written;
  for (plot::Kind kind : kinds) {
    if (std::find(drawable.begin(), drawable.end(), kind) == drawable.end()) {
      fmt::print(report, "no {} figure: it needs a 2-D function\n", plot::to_string(kind));
      continue;
    }
    const auto path = figure_file(dir, kind, format);
    plot::draw(kind, scene, path, format);
    written.push_back(path);
  }
  return written;
}

}  // namespace descent::cli
