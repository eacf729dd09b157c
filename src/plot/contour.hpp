// Private: the contour map's layout and drawing steps (the animation reuses them for its frames).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "descent/plot/figures.hpp"
#include "plot/canvas.hpp"
#include "plot/scene.hpp"

namespace descent::plot::detail {

struct ContourLayout {
  static constexpr int kGrid = 240;  ///< samples per side
  View view{};
  double plot_x = 0, plot_y = 0, plot_w = 0, plot_h = 0, bar_x = 0, legend_x = 0;
  double legend_col_w = 0;  ///< a legend column's width, its gap to the next one excluded
  LegendColumns legend;     ///< the paths' entries; start and minimizer below the first column
  int width = 0, height = 0;
  /// Per path: the indices of the points drawn (thin_path on screen), and the first point
  /// outside the view (the path's size if none).
  std::vector<std::vector<std::size_t>> drawn;
  std::vector<std::size_t> first_outside;
  std::vector<double> grid;    ///< f at the samples, row j = y index
  double base = 0;             ///< the value levels are measured from (the minimum)
  double low = 0, top = 0;     ///< the lowest level and the top of the map, above base
  std::vector<double> levels;  ///< above base, increasing
  double sx(double x) const;   ///< screen x of a data x
  double sy(double y) const;
};
ContourLayout contour_layout(const Scene& scene);
/// Background, level lines, axes, title, colorbar and legend.
void draw_contour_frame(Canvas& c, const Scene& scene, const ContourLayout& L);
/// The paths up to step `upto_step`, the start and the minimizers, all inside the plot area (the
/// animation redraws only that area from frame to frame).
void draw_contour_paths(Canvas& c, const Scene& scene, const ContourLayout& L,
                        std::uint64_t upto_step);

/// The animated GIF of the contour view.
std::string render_gif(const Scene& scene);

}  // namespace descent::plot::detail
