// Private: the output side: a drawing rendered to PNG, SVG or PDF bytes or to an image, and the
// SVG made deterministic and described.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "descent/plot/figures.hpp"
#include "plot/canvas.hpp"

namespace descent::plot::detail {

/// Renders `draw` on a surface of the given size in the given format and returns the bytes.
std::string render_to_bytes(Format format, int width, int height,
                            const std::function<void(Canvas&)>& draw);

/// Renders `draw` into an ARGB32 image and returns it (for the animation's frames).
struct Image {
  int width = 0, height = 0, stride = 0;
  std::vector<unsigned char> pixels;  ///< cairo's native ARGB32, premultiplied
};
Image render_to_image(int width, int height, const std::function<void(Canvas&)>& draw);

/// The same SVG with Cairo's surface and image ids numbered in order of appearance.
std::string renumber_svg_ids(const std::string& svg);

/// `svg` with a title and a description of the figure (its kind, function and paths).
std::string with_svg_description(std::string svg, Kind kind, const Scene& scene);

}  // namespace descent::plot::detail
