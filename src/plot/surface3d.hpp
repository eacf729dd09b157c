// Private: the 3-D surface figure: its panels' projection and layout (projection.cpp) and their
// drawing (surface3d.cpp).
#pragma once

#include <cstddef>
#include <vector>

#include "descent/plot/figures.hpp"
#include "plot/canvas.hpp"

namespace descent::plot::detail {

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

/// Clips the segment a-b (unit-box coordinates) to the box; false if nothing is left.
bool clip_to_box(double a[3], double b[3]);
/// Whether p (unit-box coordinates) lies in the box.
bool inside_box(const double p[3]);

/// The white page and one panel per path.
void draw_surface3d(Canvas& c, const Scene& scene, const Surface3dLayout& L);

}  // namespace descent::plot::detail
