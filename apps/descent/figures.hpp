// Writing the figures of a run (shared by `descent run` and `descent plot`).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "descent/plot/figures.hpp"

namespace descent::cli {

/// Writes each kind into `dir` as KIND.EXT (animation.gif for the animation) and returns the
/// paths written. Kinds that need a 2-D function are skipped (with a note on stdout) when the
/// scene has none.
std::vector<std::filesystem::path> write_figures(const plot::Scene& scene,
                                                 const std::filesystem::path& dir,
                                                 plot::Format format,
                                                 const std::vector<plot::Kind>& kinds);

/// The file a kind is written to in a folder.
std::filesystem::path figure_file(const std::filesystem::path& dir, plot::Kind kind,
                                  plot::Format format);

}  // namespace descent::cli
