#include "figures.hpp"

#include <fmt/format.h>

namespace descent::cli {

std::filesystem::path figure_file(const std::filesystem::path& dir, plot::Kind kind,
                                  plot::Format format) {
  return dir / (std::string(plot::to_string(kind)) +
                (kind == plot::Kind::animation ? ".gif" : plot::extension(format)));
}

std::vector<std::filesystem::path> write_figures(const plot::Scene& scene,
                                                 const std::filesystem::path& dir,
                                                 plot::Format format,
                                                 const std::vector<plot::Kind>& kinds) {
  std::vector<std::filesystem::path> written;
  for (plot::Kind kind : kinds) {
    if (kind != plot::Kind::loss && (!scene.function || scene.function->dim() != 2)) {
      fmt::print("no {} figure: it needs a 2-D function\n", plot::to_string(kind));
      continue;
    }
    const auto path = figure_file(dir, kind, format);
    plot::draw(kind, scene, path, format);
    written.push_back(path);
  }
  return written;
}

}  // namespace descent::cli
