// The 3-D surface figure: one panel per path, as the seed note draws them: back panes with grid
// lines, the surface in painter's order, the axes, and the path with its start and final point.
#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "plot/surface3d.hpp"

namespace descent::plot::detail {

static void draw_panel(Canvas& c, const Scene& scene, std::size_t index) {
  const Projector P = panel_projector(scene, index);
  cairo_t* cr = c.cr();
  const double zs = Projector::kZAspect;
  const double left = static_cast<double>(index % 3) * Surface3dLayout::kPanelW;
  const double top = static_cast<double>(index / 3) * Surface3dLayout::kPanelH;
  const Path& path = scene.paths[index];

  // Titles.
  c.text(left + Surface3dLayout::kPanelW / 2.0, top + 30, path.label, 16, Align::center,
         VAlign::baseline, true);
  c.text(left + Surface3dLayout::kPanelW / 2.0, top + 52, "f(w) = " + scene.function->formula(), 13,
         Align::center, VAlign::baseline, false, 0, Rgb{0.3, 0.3, 0.3});

  // Back panes with grid lines: the faces whose outward normal points away from the eye.
  const double bx = P.eye[0] > 0 ? -0.5 : 0.5;  // back x face
  const double by = P.eye[1] > 0 ? -0.5 : 0.5;  // back y face
  const double bz = -0.5 * zs;                  // the floor
  const auto poly = [&](std::initializer_list<std::array<double, 3>> pts, Rgb fill, double alpha) {
    bool first = true;
    for (const auto& q : pts) {
      const Pixel s = P.screen_unit(q.data());
      if (first)
        cairo_move_to(cr, s.x, s.y);
      else
        cairo_line_to(cr, s.x, s.y);
      first = false;
    }
    cairo_close_path(cr);
    c.color(fill, alpha);
    cairo_fill(cr);
  };
  const Rgb pane{0.93, 0.93, 0.95};
  poly({{-0.5, -0.5, bz}, {0.5, -0.5, bz}, {0.5, 0.5, bz}, {-0.5, 0.5, bz}}, pane, 1.0);
  poly({{bx, -0.5, -0.5 * zs}, {bx, 0.5, -0.5 * zs}, {bx, 0.5, 0.5 * zs}, {bx, -0.5, 0.5 * zs}},
       Rgb{0.95, 0.95, 0.97}, 1.0);
  poly({{-0.5, by, -0.5 * zs}, {0.5, by, -0.5 * zs}, {0.5, by, 0.5 * zs}, {-0.5, by, 0.5 * zs}},
       Rgb{0.91, 0.91, 0.94}, 1.0);
  const auto seg = [&](const double a[3], const double b[3], Rgb col, double w, double alpha) {
    const Pixel s0 = P.screen_unit(a), s1 = P.screen_unit(b);
    c.color(col, alpha);
    c.line(s0.x, s0.y, s1.x, s1.y, w);
  };
  const auto xt = nice_ticks(P.x0, P.x1, 5), yt = nice_ticks(P.y0, P.y1, 5),
             zt = nice_ticks(P.z0, P.z1, 5);
  const Rgb gridc{0.8, 0.8, 0.84};
  for (double t : xt) {
    const double u = (t - P.x0) / (P.x1 - P.x0) - 0.5;
    const double a[3] = {u, -0.5, bz}, b[3] = {u, 0.5, bz};
    seg(a, b, gridc, 0.8, 1);
    const double a2[3] = {u, by, -0.5 * zs}, b2[3] = {u, by, 0.5 * zs};
    seg(a2, b2, gridc, 0.8, 1);
  }
  for (double t : yt) {
    const double u = (t - P.y0) / (P.y1 - P.y0) - 0.5;
    const double a[3] = {-0.5, u, bz}, b[3] = {0.5, u, bz};
    seg(a, b, gridc, 0.8, 1);
    const double a2[3] = {bx, u, -0.5 * zs}, b2[3] = {bx, u, 0.5 * zs};
    seg(a2, b2, gridc, 0.8, 1);
  }
  for (double t : zt) {
    const double u = ((t - P.z0) / (P.z1 - P.z0) - 0.5) * zs;
    const double a[3] = {bx, -0.5, u}, b[3] = {bx, 0.5, u};
    seg(a, b, gridc, 0.8, 1);
    const double a2[3] = {-0.5, by, u}, b2[3] = {0.5, by, u};
    seg(a2, b2, gridc, 0.8, 1);
  }

  // The surface: quads sorted far to near (painter's order), semi-transparent viridis. Quads are
  // filled without antialiasing so that shared edges do not show as seams.
  const int n = Projector::kGrid;
  struct Quad {
    double depth;
    int i, j;
  };
  std::vector<Quad> quads;
  quads.reserve(static_cast<std::size_t>(n * n));
  const auto zat = [&](int i, int j) { return P.z[static_cast<std::size_t>(j * (n + 1) + i)]; };
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double zm = (zat(i, j) + zat(i + 1, j) + zat(i, j + 1) + zat(i + 1, j + 1)) / 4;
      double p[3];
      P.unit(P.x0 + (P.x1 - P.x0) * (i + 0.5) / n, P.y0 + (P.y1 - P.y0) * (j + 0.5) / n, zm, p);
      quads.push_back({P.depth_unit(p), i, j});
    }
  std::sort(quads.begin(), quads.end(), [](const Quad& a, const Quad& b) {
    return a.depth < b.depth || (a.depth == b.depth && (a.j < b.j || (a.j == b.j && a.i < b.i)));
  });
  cairo_set_antialias(cr, CAIRO_ANTIALIAS_NONE);
  for (const Quad& q : quads) {
    const int i = q.i, j = q.j;
    const double zv[4] = {zat(i, j), zat(i + 1, j), zat(i + 1, j + 1), zat(i, j + 1)};
    if (!(std::isfinite(zv[0]) && std::isfinite(zv[1]) && std::isfinite(zv[2]) &&
          std::isfinite(zv[3])))
      continue;
    const int di[4] = {0, 1, 1, 0}, dj[4] = {0, 0, 1, 1};
    for (int k = 0; k < 4; ++k) {
      const Pixel s = P.screen(P.x0 + (P.x1 - P.x0) * (i + di[k]) / n,
                               P.y0 + (P.y1 - P.y0) * (j + dj[k]) / n, zv[k]);
      if (k == 0)
        cairo_move_to(cr, s.x, s.y);
      else
        cairo_line_to(cr, s.x, s.y);
    }
    cairo_close_path(cr);
    const double zm = (zv[0] + zv[1] + zv[2] + zv[3]) / 4;
    c.color(viridis((zm - P.z0) / (P.z1 - P.z0)), 0.5);
    cairo_fill(cr);
  }
  cairo_set_antialias(cr, CAIRO_ANTIALIAS_GOOD);

  // Axes: x along the front floor edge, y along the other front floor edge, z up the left edge.
  const double fy = -by, fx = -bx;
  {
    const double a[3] = {-0.5, fy, bz}, b[3] = {0.5, fy, bz};
    seg(a, b, kText, 1.0, 1);
    const double a2[3] = {fx, -0.5, bz}, b2[3] = {fx, 0.5, bz};
    seg(a2, b2, kText, 1.0, 1);
    const double a3[3] = {bx, fy, -0.5 * zs}, b3[3] = {bx, fy, 0.5 * zs};
    seg(a3, b3, kText, 1.0, 1);
  }
  for (double t : xt) {
    const double u = (t - P.x0) / (P.x1 - P.x0) - 0.5;
    const double p[3] = {u, fy + 0.1 * (fy > 0 ? 1 : -1), bz};
    const Pixel s = P.screen_unit(p);
    c.text(s.x, s.y, tick_label(t), 12, Align::center, VAlign::middle);
  }
  {
    const double p[3] = {0, fy + 0.28 * (fy > 0 ? 1 : -1), bz};
    const Pixel s = P.screen_unit(p);
    c.text(s.x, s.y, "w1", 15, Align::center, VAlign::middle, true);
  }
  for (double t : yt) {
    const double u = (t - P.y0) / (P.y1 - P.y0) - 0.5;
    const double p[3] = {fx + 0.1 * (fx > 0 ? 1 : -1), u, bz};
    const Pixel s = P.screen_unit(p);
    c.text(s.x, s.y, tick_label(t), 12, Align::center, VAlign::middle);
  }
  {
    const double p[3] = {fx + 0.28 * (fx > 0 ? 1 : -1), 0, bz};
    const Pixel s = P.screen_unit(p);
    c.text(s.x, s.y, "w2", 15, Align::center, VAlign::middle, true);
  }
  for (double t : zt) {
    const double u = ((t - P.z0) / (P.z1 - P.z0) - 0.5) * zs;
    const double p[3] = {bx, fy, u};
    const Pixel s = P.screen_unit(p);
    c.text(s.x - 8, s.y, tick_label(t), 12, Align::right, VAlign::middle);
  }
  {
    const double p[3] = {bx, fy, 0};
    const Pixel s = P.screen_unit(p);
    c.text(s.x - 52, s.y, "loss", 15, Align::center, VAlign::middle, true, -M_PI / 2);
  }

  // The path: a thin line, then the points, light early and dark late (the seed's
  // alpha = min(1, k/N + 0.2)), the start outlined, the final point red.
  const Trajectory& t = path.trajectory;
  const Rgb col = hex(path_color(index));
  const std::size_t N = t.size();
  std::size_t outside = 0;
  std::vector<std::array<double, 3>> up(N);
  for (std::size_t k = 0; k < N; ++k) {
    const auto w = t.point(k);
    P.unit(w[0], w[1], t.loss[k], up[k].data());
    if (!inside_box(up[k].data())) ++outside;
  }
  c.color(col, 0.7);
  cairo_set_line_width(cr, 1.8);
  for (std::size_t k = 1; k < N; ++k) {
    double a[3], b[3];
    std::copy(up[k - 1].begin(), up[k - 1].end(), a);
    std::copy(up[k].begin(), up[k].end(), b);
    if (!clip_to_box(a, b)) continue;
    const Pixel s0 = P.screen_unit(a), s1 = P.screen_unit(b);
    cairo_move_to(cr, s0.x, s0.y);
    cairo_line_to(cr, s1.x, s1.y);
  }
  cairo_stroke(cr);
  for (std::size_t k = 0; k + 1 < N; ++k) {
    if (!inside_box(up[k].data())) continue;
    const Pixel s = P.screen_unit(up[k].data());
    const double alpha = std::min(1.0, static_cast<double>(k) / N + 0.2);
    if (k == 0)
      c.dot(s.x, s.y, 5.5, kWhite, 1.0, &kBlack, 1.4);
    else
      c.dot(s.x, s.y, 4.8, col, alpha);
  }
  if (inside_box(up[N - 1].data())) {
    const Pixel s = P.screen_unit(up[N - 1].data());
    const Rgb edge{0.35, 0.0, 0.0};
    c.dot(s.x, s.y, 7.0, kRed, 1.0, &edge, 1.0);
  }
  double note_y = top + Surface3dLayout::kPanelH - 18;
  if (outside > 0) {
    c.text(left + 16, note_y,
           std::to_string(outside) + " of " + std::to_string(N) +
               " points lie outside the box and are not drawn",
           12, Align::left, VAlign::baseline, false, 0, kRed);
    note_y -= 18;
  }
  if (path.diverged)
    c.text(left + 16, note_y, "diverged after step " + std::to_string(t.steps.back()), 12,
           Align::left, VAlign::baseline, false, 0, kRed);
}

void draw_surface3d(Canvas& c, const Scene& scene, const Surface3dLayout& L) {
  c.fill_rect(0, 0, L.width, L.height, kWhite);
  for (std::size_t i = 0; i < scene.paths.size(); ++i) draw_panel(c, scene, i);
}

}  // namespace descent::plot::detail
