// Writing the figures of a run (shared by `descent run` and `descent plot`).
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "descent/plot/figures.hpp"

namespace descent::cli {

/// The kinds among `kinds` that can be drawn of paths on `function` (null: unknown): those that
/// need a 2-D function are left out when it is not one.
std::vector<plot::Kind> drawable_kinds(const Objective* function,
                                       const std::vector<plot::Kind>& kinds);

/// Writes each kind into `dir` as KIND.EXT (animation.gif for the animation) and returns the
/// paths written. Kinds that need a 2-D function are skipped (with a note on `report`) when the
/// scene has none.
std::vector<std::filesystem::path> write_figures(const plot::Scene& scene,
                                                 const std::filesystem::path& dir,
                                                 plot::Format format,
                                                 const std::vector<plot::Kind>& kinds,
                                                 std::FILE* report = stdout);

/// The file a kind is written to in a folder.
std::filesystem::path figure_file(const std::filesystem::path& dir, plot::Kind kind,
                                  plot::Format format);

}  // namespace descent::cli
