// The geometry of the 3-D panels: the surface sampled over the function's box, the orthographic
// projection onto a panel, the panels' grid, and segments clipped to the box.
#include <algorithm>
#include <cmath>
#include <limits>

#include "plot/surface3d.hpp"

namespace descent::plot::detail {

Projector::Projector(const Objective& f, double left, double top, double width, double height) {
  const Box b = f.bounds();
  x0 = b.lower[0];
  x1 = b.upper[0];
  y0 = b.lower[1];
  y1 = b.upper[1];
  const int n = kGrid;
  z.assign(static_cast<std::size_t>((n + 1) * (n + 1)), 0.0);
  z0 = std::numeric_limits<double>::infinity();
  z1 = -z0;
  for (int j = 0; j <= n; ++j)
    for (int i = 0; i <= n; ++i) {
      const double v = f.value(std::vector<double>{x0 + (x1 - x0) * i / n, y0 + (y1 - y0) * j / n});
      z[static_cast<std::size_t>(j * (n + 1) + i)] = v;
      if (std::isfinite(v)) {
        z0 = std::min(z0, v);
        z1 = std::max(z1, v);
      }
    }
  if (f.minimum()) z0 = std::min(z0, *f.minimum());
  if (!(z1 > z0)) z1 = z0 + 1;
  // Azimuth -35 degrees, elevation 30: matplotlib's default elevation, turned 25 degrees from its
  // default azimuth (-60) so that the w2 axis runs across the picture and a zig-zag across a
  // valley along w1 shows as side-to-side strokes.
  const double az = -35 * M_PI / 180, el = 30 * M_PI / 180;
  eye[0] = std::cos(el) * std::cos(az);
  eye[1] = std::cos(el) * std::sin(az);
  eye[2] = std::sin(el);
  const double rn = std::hypot(eye[0], eye[1]);
  right[0] = -eye[1] / rn;
  right[1] = eye[0] / rn;
  right[2] = 0;
  up[0] = eye[1] * right[2] - eye[2] * right[1];
  up[1] = eye[2] * right[0] - eye[0] * right[2];
  up[2] = eye[0] * right[1] - eye[1] * right[0];
  // Fit the box's eight corners into the area.
  double sx0 = 1e300, sx1 = -1e300, sy0 = 1e300, sy1 = -1e300;
  for (int c = 0; c < 8; ++c) {
    const double p[3] = {(c & 1) ? 0.5 : -0.5, (c & 2) ? 0.5 : -0.5,
                         ((c & 4) ? 0.5 : -0.5) * kZAspect};
    const double u = p[0] * right[0] + p[1] * right[1] + p[2] * right[2];
    const double v = p[0] * up[0] + p[1] * up[1] + p[2] * up[2];
    sx0 = std::min(sx0, u);
    sx1 = std::max(sx1, u);
    sy0 = std::min(sy0, v);
    sy1 = std::max(sy1, v);
  }
  scale = std::min(width / (sx1 - sx0), height / (sy1 - sy0));
  cx = left + width / 2 - scale * (sx0 + sx1) / 2;
  cy = top + height / 2 + scale * (sy0 + sy1) / 2;
}

void Projector::unit(double x, double y, double zz, double out[3]) const {
  out[0] = (x - x0) / (x1 - x0) - 0.5;
  out[1] = (y - y0) / (y1 - y0) - 0.5;
  out[2] = ((zz - z0) / (z1 - z0) - 0.5) * kZAspect;
}

Pixel Projector::screen_unit(const double p[3]) const {
  return {cx + scale * (p[0] * right[0] + p[1] * right[1] + p[2] * right[2]),
          cy - scale * (p[0] * up[0] + p[1] * up[1] + p[2] * up[2])};
}

Pixel Projector::screen(double x, double y, double zz) const {
  double p[3];
  unit(x, y, zz, p);
  return screen_unit(p);
}

double Projector::depth_unit(const double p[3]) const {
  return p[0] * eye[0] + p[1] * eye[1] + p[2] * eye[2];
}

Surface3dLayout surface3d_layout(const Scene& scene) {
  Surface3dLayout L;
  L.cols = static_cast<int>(std::min<std::size_t>(scene.paths.size(), 3));
  L.rows = static_cast<int>((scene.paths.size() + 2) / 3);
  L.width = L.cols * Surface3dLayout::kPanelW;
  L.height = L.rows * Surface3dLayout::kPanelH;
  return L;
}

Projector panel_projector(const Scene& scene, std::size_t panel) {
  const int col = static_cast<int>(panel % 3), row = static_cast<int>(panel / 3);
  const double left = col * Surface3dLayout::kPanelW + 70;
  const double top = row * Surface3dLayout::kPanelH + 78;
  return Projector(*scene.function, left, top, Surface3dLayout::kPanelW - 130,
                   Surface3dLayout::kPanelH - 150);
}

bool clip_to_box(double a[3], double b[3]) {
  double t0 = 0, t1 = 1;
  const double lim[3] = {0.5, 0.5, 0.5 * Projector::kZAspect};
  for (int k = 0; k < 3; ++k) {
    const double d = b[k] - a[k];
    for (const double side : {-1.0, 1.0}) {
      // Keep side*p <= lim.
      const double num = lim[k] - side * a[k], den = side * d;
      if (den == 0) {
        if (num < 0) return false;
      } else if (den > 0) {
        t1 = std::min(t1, num / den);
      } else {
        t0 = std::max(t0, num / den);
      }
    }
  }
  if (t0 > t1) return false;
  double na[3], nb[3];
  for (int k = 0; k < 3; ++k) {
    na[k] = a[k] + (b[k] - a[k]) * t0;
    nb[k] = a[k] + (b[k] - a[k]) * t1;
  }
  std::copy(na, na + 3, a);
  std::copy(nb, nb + 3, b);
  return true;
}

bool inside_box(const double p[3]) {
  return std::abs(p[0]) <= 0.5 + 1e-12 && std::abs(p[1]) <= 0.5 + 1e-12 &&
         std::abs(p[2]) <= 0.5 * Projector::kZAspect + 1e-12;
}

}  // namespace descent::plot::detail
