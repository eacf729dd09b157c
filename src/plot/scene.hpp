// Private: what every figure of a scene starts from: the check that a kind can draw it, the
// region the maps show, and the width of a text before anything is drawn.
#pragma once

#include <string_view>
#include <vector>

#include "descent/plot/figures.hpp"

namespace descent::plot::detail {

/// Throws InputError when `kind` cannot draw `scene`.
void check_scene(Kind kind, const Scene& scene);

/// The width of a text in pixels.
double measure(std::string_view s, double size, bool bold = false);

/// The 2-D region shown by maps.
struct View {
  double x0, x1, y0, y1;
  bool clipped;  ///< some path points lie outside
};
View choose_view(const Objective& f, const std::vector<Path>& paths);

}  // namespace descent::plot::detail
