// Private: the layouts and drawing steps the figures share (the animation reuses the contour
// map's).
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "plot/canvas.hpp"

namespace descent::plot::detail {

inline constexpr int kLossWidth = 1000;
inline constexpr int kLossHeight = 600;

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

struct ContourLayout {
  static constexpr int kGrid = 240;  ///< samples per side
  View view{};
  double plot_x = 0, plot_y = 0, plot_w = 0, plot_h = 0, bar_x = 0, legend_x = 0;
  int width = 0, height = 0;
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
/// The paths up to step `upto_step`, the start and the minimizers.
void draw_contour_paths(Canvas& c, const Scene& scene, const ContourLayout& L,
                        std::uint64_t upto_step);

/// The 3-D view of one surface panel: the data box, the surface samples, and an orthographic
/// projection at azimuth -35 and elevation 30 degrees.
struct Projector {
  static constexpr int kGrid = 36;          ///< quads per side
  static constexpr double kZAspect = 0.75;  ///< box height relative to its sides
  Projector(const Objective& f, double left, double top, double width, double height);
  double x0, x1, y0, y1, z0, z1;
  std::vector<double> z;  ///< f on the (kGrid+1)^2 corners
  double eye[3], right[3], up[3];
  double scale, cx, cy;
  void unit(double x, double y, double zz, double out[3]) const;  ///< data -> unit box
  Pixel screen_unit(const double p[3]) const;
  Pixel screen(double x, double y, double zz) const;
  double depth_unit(const double p[3]) const;  ///< larger is nearer the eye
};

struct Surface3dLayout {
  static constexpr int kPanelW = 620;
  static constexpr int kPanelH = 600;
  int cols = 1, rows = 1, width = 0, height = 0;
};
Surface3dLayout surface3d_layout(const Scene& scene);
Projector panel_projector(const Scene& scene, std::size_t panel);

/// The animated GIF of the contour view.
std::string render_gif(const Scene& scene);

}  // namespace descent::plot::detail
