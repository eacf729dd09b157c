// The 3-D surface figure: one panel per path, as the seed note draws them: back panes with grid
// lines, the surface in painter's order, the axes, and the path with its start and final point.
#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <string>
#include <vector>

#include "plot/surface3d.hpp"

namespace descent::plot::detail {
namespace {

constexpr double kZs = Projector::kZAspect;

// One panel: its projection, its corner on the page, the box's back faces (those whose outward
// normal points away from the eye) and the ticks of its three axes.
struct Panel {
  Projector P;
  double left, top;
  double bx, by, bz;  ///< the back x face, the back y face and the floor
  std::vector<double> xt, yt, zt;

  Panel(const Scene& scene, std::size_t index)
      : P(panel_projector(scene, index)),
        left(static_cast<double>(index % 3) * Surface3dLayout::kPanelW),
        top(static_cast<double>(index / 3) * Surface3dLayout::kPanelH),
        bx(P.eye[0] > 0 ? -0.5 : 0.5),
        by(P.eye[1] > 0 ? -0.5 : 0.5),
        bz(-0.5 * kZs),
        xt(nice_ticks(P.x0, P.x1, 5)),
        yt(nice_ticks(P.y0, P.y1, 5)),
        zt(nice_ticks(P.z0, P.z1, 5)) {}

  // A tick's position along each axis of the unit box.
  double ux(double t) const { return (t - P.x0) / (P.x1 - P.x0) - 0.5; }
  double uy(double t) const { return (t - P.y0) / (P.y1 - P.y0) - 0.5; }
  double uz(double t) const { return ((t - P.z0) / (P.z1 - P.z0) - 0.5) * kZs; }
};

// A filled polygon through unit-box points.
void fill_polygon(Canvas& c, const Projector& P, std::initializer_list<std::array<double, 3>> pts,
                  Rgb fill, double alpha) {
  cairo_t* cr = c.cr();
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
}

// A line between two unit-box points.
void segment(Canvas& c, const Projector& P, const double a[3], const double b[3], Rgb col, double w,
             double alpha) {
  const Pixel s0 = P.screen_unit(a), s1 = P.screen_unit(b);
  c.color(col, alpha);
  c.line(s0.x, s0.y, s1.x, s1.y, w);
}

void draw_titles(Canvas& c, const Scene& scene, const Panel& p, const Path& path) {
  c.text(p.left + Surface3dLayout::kPanelW / 2.0, p.top + 30, path.label, 16, Align::center,
         VAlign::baseline, true);
  c.text(p.left + Surface3dLayout::kPanelW / 2.0, p.top + 52, "f(w) = " + scene.function->formula(),
         13, Align::center, VAlign::baseline, false, 0, Rgb{0.3, 0.3, 0.3});
}

// The floor and the two back walls, with grid lines at the ticks.
void draw_back_panes(Canvas& c, const Panel& p) {
  const Projector& P = p.P;
  const double bx = p.bx, by = p.by, bz = p.bz;
  const Rgb pane{0.93, 0.93, 0.95};
  fill_polygon(c, P, {{-0.5, -0.5, bz}, {0.5, -0.5, bz}, {0.5, 0.5, bz}, {-0.5, 0.5, bz}}, pane,
               1.0);
  fill_polygon(
      c, P,
      {{bx, -0.5, -0.5 * kZs}, {bx, 0.5, -0.5 * kZs}, {bx, 0.5, 0.5 * kZs}, {bx, -0.5, 0.5 * kZs}},
      Rgb{0.95, 0.95, 0.97}, 1.0);
  fill_polygon(
      c, P,
      {{-0.5, by, -0.5 * kZs}, {0.5, by, -0.5 * kZs}, {0.5, by, 0.5 * kZs}, {-0.5, by, 0.5 * kZs}},
      Rgb{0.91, 0.91, 0.94}, 1.0);
  const Rgb gridc{0.8, 0.8, 0.84};
  for (double t : p.xt) {
    const double u = p.ux(t);
    const double a[3] = {u, -0.5, bz}, b[3] = {u, 0.5, bz};
    segment(c, P, a, b, gridc, 0.8, 1);
    const double a2[3] = {u, by, -0.5 * kZs}, b2[3] = {u, by, 0.5 * kZs};
    segment(c, P, a2, b2, gridc, 0.8, 1);
  }
  for (double t : p.yt) {
    const double u = p.uy(t);
    const double a[3] = {-0.5, u, bz}, b[3] = {0.5, u, bz};
    segment(c, P, a, b, gridc, 0.8, 1);
    const double a2[3] = {bx, u, -0.5 * kZs}, b2[3] = {bx, u, 0.5 * kZs};
    segment(c, P, a2, b2, gridc, 0.8, 1);
  }
  for (double t : p.zt) {
    const double u = p.uz(t);
    const double a[3] = {bx, -0.5, u}, b[3] = {bx, 0.5, u};
    segment(c, P, a, b, gridc, 0.8, 1);
    const double a2[3] = {-0.5, by, u}, b2[3] = {0.5, by, u};
    segment(c, P, a2, b2, gridc, 0.8, 1);
  }
}

// A quad of the surface grid, by its far corner (i, j), and the depth of its centre.
struct Quad {
  double depth;
  int i, j;
};

// The surface's quads far to near (painter's order).
std::vector<Quad> quads_far_to_near(const Projector& P) {
  const int n = Projector::kGrid;
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
  return quads;
}

// The surface: quads in painter's order, semi-transparent viridis. Quads are filled without
// antialiasing so that shared edges do not show as seams.
void draw_surface(Canvas& c, const Projector& P) {
  cairo_t* cr = c.cr();
  const int n = Projector::kGrid;
  const auto zat = [&](int i, int j) { return P.z[static_cast<std::size_t>(j * (n + 1) + i)]; };
  const std::vector<Quad> quads = quads_far_to_near(P);
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
}

// Text centred on a unit-box point, shifted by dx pixels.
void label_at(Canvas& c, const Projector& P, const double p[3], double dx, const std::string& s,
              double size, Align h, bool bold, double angle = 0.0) {
  const Pixel at = P.screen_unit(p);
  c.text(at.x + dx, at.y, s, size, h, VAlign::middle, bold, angle);
}

// Axes: x along the front floor edge, y along the other front floor edge, z up the left edge;
// their tick labels and names.
void draw_axes(Canvas& c, const Panel& p) {
  const Projector& P = p.P;
  const double bx = p.bx, bz = p.bz;
  const double fy = -p.by, fx = -p.bx;
  const double a[3] = {-0.5, fy, bz}, b[3] = {0.5, fy, bz};
  segment(c, P, a, b, kText, 1.0, 1);
  const double a2[3] = {fx, -0.5, bz}, b2[3] = {fx, 0.5, bz};
  segment(c, P, a2, b2, kText, 1.0, 1);
  const double a3[3] = {bx, fy, -0.5 * kZs}, b3[3] = {bx, fy, 0.5 * kZs};
  segment(c, P, a3, b3, kText, 1.0, 1);
  const std::vector<std::string> xt_labels = tick_labels(p.xt);
  for (std::size_t i = 0; i < p.xt.size(); ++i) {
    const double t = p.xt[i];
    const double q[3] = {p.ux(t), fy + 0.1 * (fy > 0 ? 1 : -1), bz};
    label_at(c, P, q, 0, xt_labels[i], 12, Align::center, false);
  }
  const double w1[3] = {0, fy + 0.28 * (fy > 0 ? 1 : -1), bz};
  label_at(c, P, w1, 0, "w1", 15, Align::center, true);
  const std::vector<std::string> yt_labels = tick_labels(p.yt);
  for (std::size_t i = 0; i < p.yt.size(); ++i) {
    const double t = p.yt[i];
    const double q[3] = {fx + 0.1 * (fx > 0 ? 1 : -1), p.uy(t), bz};
    label_at(c, P, q, 0, yt_labels[i], 12, Align::center, false);
  }
  const double w2[3] = {fx + 0.28 * (fx > 0 ? 1 : -1), 0, bz};
  label_at(c, P, w2, 0, "w2", 15, Align::center, true);
  const std::vector<std::string> zt_labels = tick_labels(p.zt);
  for (std::size_t i = 0; i < p.zt.size(); ++i) {
    const double t = p.zt[i];
    const double q[3] = {bx, fy, p.uz(t)};
    label_at(c, P, q, -8, zt_labels[i], 12, Align::right, false);
  }
  const double loss[3] = {bx, fy, 0};
  label_at(c, P, loss, -52, "loss", 15, Align::center, true, -M_PI / 2);
}

// The path: a thin line, then the points, light early and dark late (the seed's
// alpha = min(1, k/N + 0.2)), the start outlined, the final point red. Returns how many points
// lie outside the box (they are not drawn).
std::size_t draw_path(Canvas& c, const Projector& P, const Trajectory& t, Rgb col) {
  cairo_t* cr = c.cr();
  const std::size_t N = t.size();
  std::size_t outside = 0;
  std::vector<std::array<double, 3>> up(N);
  for (std::size_t k = 0; k < N; ++k) {
    const auto w = t.point(k);
    P.unit(w[0], w[1], t.loss[k], up[k].data());
    if (!inside_box(up[k].data())) ++outside;
  }
  // The points drawn: a quarter of a pixel apart in the box (the projection shortens no
  // distance, so they are at most that apart on screen either).
  const std::vector<std::size_t> drawn = thin_path(N, [&](std::size_t i, std::size_t j) {
    const double d = std::hypot(up[j][0] - up[i][0], up[j][1] - up[i][1], up[j][2] - up[i][2]);
    return d * P.scale >= 0.25;
  });
  c.color(col, 0.7);
  cairo_set_line_width(cr, 1.8);
  std::size_t pending = 0;  // segments in the current stroke
  for (std::size_t m = 1; m < drawn.size(); ++m) {
    double a[3], b[3];
    std::copy(up[drawn[m - 1]].begin(), up[drawn[m - 1]].end(), a);
    std::copy(up[drawn[m]].begin(), up[drawn[m]].end(), b);
    if (!clip_to_box(a, b)) continue;
    const Pixel s0 = P.screen_unit(a), s1 = P.screen_unit(b);
    cairo_move_to(cr, s0.x, s0.y);
    cairo_line_to(cr, s1.x, s1.y);
    if (++pending == kStrokePiece) {
      cairo_stroke(cr);
      pending = 0;
    }
  }
  cairo_stroke(cr);
  for (std::size_t k : drawn) {
    if (k + 1 == N || !inside_box(up[k].data())) continue;
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
  return outside;
}

// Red notes at the panel's foot: points outside the box, and where a diverged run ended.
void draw_notes(Canvas& c, const Panel& p, const Path& path, std::size_t outside) {
  const Trajectory& t = path.trajectory;
  double note_y = p.top + Surface3dLayout::kPanelH - 18;
  if (outside > 0) {
    c.text(p.left + 16, note_y,
           std::to_string(outside) + " of " + std::to_string(t.size()) +
               " points lie outside the box and are not drawn",
           12, Align::left, VAlign::baseline, false, 0, kRed);
    note_y -= 18;
  }
  if (path.diverged)
    c.text(p.left + 16, note_y, "diverged after step " + std::to_string(t.steps.back()), 12,
           Align::left, VAlign::baseline, false, 0, kRed);
}

void draw_panel(Canvas& c, const Scene& scene, std::size_t index) {
  const Panel p(scene, index);
  const Path& path = scene.paths[index];
  draw_titles(c, scene, p, path);
  draw_back_panes(c, p);
  draw_surface(c, p.P);
  draw_axes(c, p);
  const std::size_t outside = draw_path(c, p.P, path.trajectory, hex(path_color(index)));
  draw_notes(c, p, path, outside);
}

}  // namespace

void draw_surface3d(Canvas& c, const Scene& scene, const Surface3dLayout& L) {
  c.fill_rect(0, 0, L.width, L.height, kWhite);
  for (std::size_t i = 0; i < scene.paths.size(); ++i) draw_panel(c, scene, i);
}

}  // namespace descent::plot::detail
