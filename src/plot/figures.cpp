// The figures: layout, the 3-D surface panels, the contour map, the loss curves, and the
// animation's frames (gif.cpp writes them out).
#include "plot/figures.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "descent/atomic_file.hpp"
#include "descent/error.hpp"
#include "plot/inspect.hpp"

namespace descent::plot {

using namespace detail;

Format parse_format(std::string_view name) {
  if (name == "png") return Format::png;
  if (name == "svg") return Format::svg;
  if (name == "pdf") return Format::pdf;
  throw InputError("unknown figure format '" + std::string(name) + "'; valid: png, svg, pdf");
}

const char* extension(Format format) {
  switch (format) {
    case Format::png:
      return ".png";
    case Format::svg:
      return ".svg";
    case Format::pdf:
      return ".pdf";
  }
  return "";
}

Kind parse_kind(std::string_view name) {
  for (Kind k : {Kind::surface3d, Kind::contour, Kind::loss, Kind::animation})
    if (name == to_string(k)) return k;
  throw InputError("unknown figure kind '" + std::string(name) +
                   "'; valid: surface3d, contour, loss, animation");
}

const char* to_string(Kind kind) {
  switch (kind) {
    case Kind::surface3d:
      return "surface3d";
    case Kind::contour:
      return "contour";
    case Kind::loss:
      return "loss";
    case Kind::animation:
      return "animation";
  }
  return "";
}

namespace detail {

void check_scene(Kind kind, const Scene& scene) {
  if (scene.paths.empty()) throw InputError("nothing to plot: no path");
  for (const Path& p : scene.paths)
    if (p.trajectory.empty()) throw InputError("nothing to plot for '" + p.label + "': no rows");
  if (kind == Kind::loss) return;
  if (!scene.function)
    throw InputError(std::string("a ") + to_string(kind) + " figure needs the function");
  if (scene.function->dim() != 2)
    throw InputError(std::string("a ") + to_string(kind) + " figure needs a 2-D function; '" +
                     scene.function->spec() + "' takes " + std::to_string(scene.function->dim()) +
                     " coordinates");
  for (const Path& p : scene.paths)
    if (p.trajectory.dim != 2)
      throw InputError("the path of '" + p.label + "' has " + std::to_string(p.trajectory.dim) +
                       " coordinates; the function takes 2");
}

View choose_view(const Objective& f, const std::vector<Path>& paths) {
  const Box b = f.bounds();
  View v{b.lower[0], b.upper[0], b.lower[1], b.upper[1], false};
  double px0 = v.x0, px1 = v.x1, py0 = v.y0, py1 = v.y1;
  bool outside = false;
  for (const Path& p : paths)
    for (std::size_t k = 0; k < p.trajectory.size(); ++k) {
      const auto w = p.trajectory.point(k);
      px0 = std::min(px0, w[0]);
      px1 = std::max(px1, w[0]);
      py0 = std::min(py0, w[1]);
      py1 = std::max(py1, w[1]);
    }
  outside = px0 < v.x0 || px1 > v.x1 || py0 < v.y0 || py1 > v.y1;
  if (!outside) return v;
  // Widen to hold the paths if that at most doubles the box (with a 5% margin); otherwise keep
  // the box and clip.
  const double wx = px1 - px0, wy = py1 - py0;
  if (wx <= 2 * (v.x1 - v.x0) && wy <= 2 * (v.y1 - v.y0)) {
    return {px0 - 0.05 * wx, px1 + 0.05 * wx, py0 - 0.05 * wy, py1 + 0.05 * wy, false};
  }
  v.clipped = true;
  return v;
}

double measure(std::string_view s, double size, bool bold) {
  cairo_surface_t* s0 = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t* cr = cairo_create(s0);
  const double w = Canvas(cr).text_width(s, size, bold);
  cairo_destroy(cr);
  cairo_surface_destroy(s0);
  return w;
}

// ---------------------------------------------------------------------------------------------
// Contour map

ContourLayout contour_layout(const Scene& scene) {
  ContourLayout L;
  L.view = choose_view(*scene.function, scene.paths);
  double legend_w = 0;
  for (const Path& p : scene.paths) legend_w = std::max(legend_w, measure(p.label, 13));
  legend_w = std::max(legend_w, measure("minimizer", 13)) + 40;
  L.plot_x = 80;
  L.plot_y = 70;
  L.plot_w = 600;
  L.plot_h = 600;
  L.bar_x = L.plot_x + L.plot_w + 28;
  L.legend_x = L.bar_x + 20 + 64;
  L.width = static_cast<int>(L.legend_x + legend_w + 20);
  L.height = static_cast<int>(L.plot_y + L.plot_h + 70);

  // Values on a grid, relative to the minimum (known, or the grid's).
  const Objective& f = *scene.function;
  const int n = ContourLayout::kGrid;
  L.grid.assign(static_cast<std::size_t>(n * n), 0.0);
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double x = L.view.x0 + (L.view.x1 - L.view.x0) * i / (n - 1);
      const double y = L.view.y0 + (L.view.y1 - L.view.y0) * j / (n - 1);
      const double v = f.value(std::vector<double>{x, y});
      L.grid[static_cast<std::size_t>(j * n + i)] = v;
      if (std::isfinite(v)) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      }
    }
  L.base = f.minimum() ? std::min(*f.minimum(), lo) : lo;
  L.top = hi - L.base;
  if (!(L.top > 0)) L.top = 1;
  // Log-spaced levels: half decades over the top five decades.
  const double hi_exp = std::floor(std::log10(L.top) * 2) / 2;
  for (double e = hi_exp; e > hi_exp - 5.01; e -= 0.5)
    L.levels.insert(L.levels.begin(), std::pow(10, e));
  L.low = L.levels.front();
  return L;
}

double ContourLayout::sx(double x) const {
  return plot_x + (x - view.x0) / (view.x1 - view.x0) * plot_w;
}
double ContourLayout::sy(double y) const {
  return plot_y + plot_h - (y - view.y0) / (view.y1 - view.y0) * plot_h;
}

static Rgb band_color(const ContourLayout& L, double v) {
  // Filled bands between levels, lightened so that paths stand out on them.
  const double rel = v - L.base;
  std::size_t band = 0;
  while (band < L.levels.size() && rel > L.levels[band]) ++band;
  const double t = static_cast<double>(band) / static_cast<double>(L.levels.size());
  return lighten(viridis(t), 0.45);
}

static void draw_contour_background(Canvas& c, const ContourLayout& L) {
  const int n = ContourLayout::kGrid;
  // The bands, as an image of one pixel per grid cell scaled onto the plot.
  cairo_surface_t* img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, n, n);
  unsigned char* data = cairo_image_surface_get_data(img);
  const int stride = cairo_image_surface_get_stride(img);
  cairo_surface_flush(img);
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double v = L.grid[static_cast<std::size_t>(j * n + i)];
      const Rgb col = std::isfinite(v) ? band_color(L, v) : Rgb{1, 1, 1};
      auto* px = reinterpret_cast<std::uint32_t*>(data + (n - 1 - j) * stride) + i;
      *px = (static_cast<std::uint32_t>(col.r * 255 + 0.5) << 16) |
            (static_cast<std::uint32_t>(col.g * 255 + 0.5) << 8) |
            static_cast<std::uint32_t>(col.b * 255 + 0.5);
    }
  cairo_surface_mark_dirty(img);
  cairo_t* cr = c.cr();
  cairo_save(cr);
  c.rect(L.plot_x, L.plot_y, L.plot_w, L.plot_h);
  cairo_clip(cr);
  cairo_translate(cr, L.plot_x, L.plot_y);
  cairo_scale(cr, L.plot_w / n, L.plot_h / n);
  cairo_set_source_surface(cr, img, 0, 0);
  cairo_pattern_set_filter(cairo_get_source(cr), CAIRO_FILTER_NEAREST);
  cairo_paint(cr);
  cairo_restore(cr);
  cairo_surface_destroy(img);

  // Level lines by marching squares (cells split at their centre value when ambiguous).
  cairo_save(cr);
  c.rect(L.plot_x, L.plot_y, L.plot_w, L.plot_h);
  cairo_clip(cr);
  c.color(Rgb{0.25, 0.25, 0.3}, 0.55);
  cairo_set_line_width(cr, 0.8);
  const auto X = [&](double i) { return L.plot_x + i / (n - 1) * L.plot_w; };
  const auto Y = [&](double j) { return L.plot_y + L.plot_h - j / (n - 1) * L.plot_h; };
  for (double level : L.levels) {
    const double lv = L.base + level;
    for (int j = 0; j + 1 < n; ++j)
      for (int i = 0; i + 1 < n; ++i) {
        const double a = L.grid[static_cast<std::size_t>(j * n + i)];
        const double b = L.grid[static_cast<std::size_t>(j * n + i + 1)];
        const double cc = L.grid[static_cast<std::size_t>((j + 1) * n + i + 1)];
        const double d = L.grid[static_cast<std::size_t>((j + 1) * n + i)];
        if (!(std::isfinite(a) && std::isfinite(b) && std::isfinite(cc) && std::isfinite(d)))
          continue;
        // Crossing points on the four edges (bottom a-b, right b-c, top d-c, left a-d).
        double px[4], py[4];
        bool hit[4];
        const auto edge = [&](int k, double v0, double v1, double x0, double y0, double x1,
                              double y1) {
          hit[k] = (v0 < lv) != (v1 < lv);
          if (hit[k]) {
            const double t = (lv - v0) / (v1 - v0);
            px[k] = x0 + (x1 - x0) * t;
            py[k] = y0 + (y1 - y0) * t;
          }
        };
        edge(0, a, b, i, j, i + 1, j);
        edge(1, b, cc, i + 1, j, i + 1, j + 1);
        edge(2, d, cc, i, j + 1, i + 1, j + 1);
        edge(3, a, d, i, j, i, j + 1);
        int ks[4], m = 0;
        for (int k = 0; k < 4; ++k)
          if (hit[k]) ks[m++] = k;
        if (m == 2) {
          cairo_move_to(cr, X(px[ks[0]]), Y(py[ks[0]]));
          cairo_line_to(cr, X(px[ks[1]]), Y(py[ks[1]]));
        } else if (m == 4) {
          // A saddle: a and c lie on one side, b and d on the other. If the centre is on a's
          // side, a and c connect through it and the lines cut off b (edges 0, 1) and d (2, 3);
          // otherwise they cut off a (0, 3) and c (1, 2).
          const bool centre_low = (a + b + cc + d) / 4 < lv;
          const bool with_a = centre_low == (a < lv);
          const int p0 = 0, q0 = with_a ? 1 : 3;
          const int p1 = with_a ? 2 : 1, q1 = with_a ? 3 : 2;
          cairo_move_to(cr, X(px[p0]), Y(py[p0]));
          cairo_line_to(cr, X(px[q0]), Y(py[q0]));
          cairo_move_to(cr, X(px[p1]), Y(py[p1]));
          cairo_line_to(cr, X(px[q1]), Y(py[q1]));
        }
      }
    cairo_stroke(cr);
  }
  cairo_restore(cr);
}

static void draw_axes_2d(Canvas& c, double px, double py, double pw, double ph, double x0,
                         double x1, double y0, double y1, const char* xlabel, const char* ylabel) {
  c.stroke_rect(px, py, pw, ph, kText, 1.0);
  for (double t : nice_ticks(x0, x1, 6)) {
    const double x = px + (t - x0) / (x1 - x0) * pw;
    c.color(kText);
    c.line(x, py + ph, x, py + ph + 5, 1.0);
    c.text(x, py + ph + 8, tick_label(t), 13, Align::center, VAlign::top);
  }
  for (double t : nice_ticks(y0, y1, 6)) {
    const double y = py + ph - (t - y0) / (y1 - y0) * ph;
    c.color(kText);
    c.line(px - 5, y, px, y, 1.0);
    c.text(px - 8, y, tick_label(t), 13, Align::right, VAlign::middle);
  }
  c.text(px + pw / 2, py + ph + 32, xlabel, 15, Align::center, VAlign::top);
  c.text(px - 56, py + ph / 2, ylabel, 15, Align::center, VAlign::middle, false, -M_PI / 2);
}

void draw_contour_frame(Canvas& c, const Scene& scene, const ContourLayout& L) {
  c.fill_rect(0, 0, L.width, L.height, kWhite);
  draw_contour_background(c, L);
  draw_axes_2d(c, L.plot_x, L.plot_y, L.plot_w, L.plot_h, L.view.x0, L.view.x1, L.view.y0,
               L.view.y1, "w1", "w2");
  c.text(L.plot_x, 28, "f(w) = " + scene.function->formula(), 17, Align::left, VAlign::baseline,
         true);
  c.text(L.plot_x, 50,
         scene.function->spec() + "   " + std::to_string(scene.paths.size()) +
             (scene.paths.size() == 1 ? " path" : " paths"),
         13, Align::left, VAlign::baseline, false, 0, Rgb{0.35, 0.35, 0.35});

  // Colorbar (log scale of f - base).
  const double bx = L.bar_x, by = L.plot_y, bw = 18, bh = L.plot_h;
  for (int k = 0; k < 200; ++k) {
    const double t0 = k / 200.0;
    const double v = L.base + L.low * std::pow(L.top / L.low, t0);
    c.fill_rect(bx, by + bh - (k + 1) * bh / 200, bw, bh / 200 + 0.5, band_color(L, v));
  }
  c.stroke_rect(bx, by, bw, bh, kText, 0.8);
  const int e0 = static_cast<int>(std::ceil(std::log10(L.low) - 1e-9));
  const int e1 = static_cast<int>(std::floor(std::log10(L.top) + 1e-9));
  for (int e : decade_ticks(e0, e1, 7)) {
    const double y = by + bh - std::log(std::pow(10.0, e) / L.low) / std::log(L.top / L.low) * bh;
    c.color(kText);
    c.line(bx + bw, y, bx + bw + 4, y, 1.0);
    c.text(bx + bw + 7, y, decade_label(e), 12, Align::left, VAlign::middle);
  }
  const bool offset = L.base != 0;
  c.text(bx + bw / 2, by - 10, offset ? "f - min" : "f", 13, Align::center, VAlign::baseline);

  // Legend.
  double ly = L.plot_y + 8;
  for (std::size_t i = 0; i < scene.paths.size(); ++i) {
    const Rgb col = hex(path_color(i));
    c.color(col);
    c.line(L.legend_x, ly, L.legend_x + 26, ly, 2.5);
    c.dot(L.legend_x + 13, ly, 3.5, col, 1.0);
    c.text(L.legend_x + 34, ly, scene.paths[i].label, 13, Align::left, VAlign::middle);
    ly += 22;
  }
  ly += 8;
  c.dot(L.legend_x + 13, ly, 6, kWhite, 1.0, &kBlack, 1.5);
  c.text(L.legend_x + 34, ly, "start", 13, Align::left, VAlign::middle);
  ly += 22;
  c.cross(L.legend_x + 13, ly, 6, kBlack, 2.2);
  c.text(L.legend_x + 34, ly, "minimizer", 13, Align::left, VAlign::middle);
}

void draw_contour_paths(Canvas& c, const Scene& scene, const ContourLayout& L,
                        std::uint64_t upto_step) {
  cairo_t* cr = c.cr();
  cairo_save(cr);
  c.rect(L.plot_x, L.plot_y, L.plot_w, L.plot_h);
  cairo_clip(cr);
  for (const auto& m : scene.function->minimizers())
    if (m.size() == 2) c.cross(L.sx(m[0]), L.sy(m[1]), 7, kBlack, 2.4);
  bool clipped = false;
  for (std::size_t i = 0; i < scene.paths.size(); ++i) {
    const Trajectory& t = scene.paths[i].trajectory;
    const Rgb col = hex(path_color(i));
    std::size_t last = 0;
    while (last + 1 < t.size() && t.steps[last + 1] <= upto_step) ++last;
    c.color(col, 0.9);
    cairo_set_line_width(cr, 2.0);
    for (std::size_t k = 0; k <= last; ++k) {
      const auto w = t.point(k);
      if (w[0] < L.view.x0 || w[0] > L.view.x1 || w[1] < L.view.y0 || w[1] > L.view.y1)
        clipped = true;
      if (k == 0)
        cairo_move_to(cr, L.sx(w[0]), L.sy(w[1]));
      else
        cairo_line_to(cr, L.sx(w[0]), L.sy(w[1]));
    }
    cairo_stroke(cr);
    for (std::size_t k = 1; k <= last; ++k) {
      const auto w = t.point(k);
      c.dot(L.sx(w[0]), L.sy(w[1]), 2.6, col, 1.0);
    }
    const auto end = t.point(last);
    const bool done = last + 1 == t.size();
    if (done && scene.paths[i].diverged)
      c.cross(L.sx(end[0]), L.sy(end[1]), 6, col, 2.5);
    else
      c.dot(L.sx(end[0]), L.sy(end[1]), 5.5, col, 1.0, &kBlack, 1.2);
  }
  // The start last, on top (shared by paths that start together).
  for (const Path& p : scene.paths) {
    const auto s = p.trajectory.point(0);
    c.dot(L.sx(s[0]), L.sy(s[1]), 6, kWhite, 1.0, &kBlack, 1.5);
  }
  cairo_restore(cr);
  if (clipped || L.view.clipped)
    c.text(L.plot_x + 8, L.plot_y + L.plot_h - 10,
           "part of a path lies outside this view and is cut off", 12, Align::left,
           VAlign::baseline, false, 0, kRed);
}

// ---------------------------------------------------------------------------------------------
// 3-D surface panels

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

// Clips the segment a-b (unit-box coordinates) to the box; false if nothing is left.
static bool clip_to_box(double a[3], double b[3]) {
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

static bool inside_box(const double p[3]) {
  return std::abs(p[0]) <= 0.5 + 1e-12 && std::abs(p[1]) <= 0.5 + 1e-12 &&
         std::abs(p[2]) <= 0.5 * Projector::kZAspect + 1e-12;
}

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

// ---------------------------------------------------------------------------------------------
// Loss curves

static void draw_loss(Canvas& c, const Scene& scene, int width, int height) {
  c.fill_rect(0, 0, width, height, kWhite);
  std::vector<std::string> labels;
  for (const Path& p : scene.paths) labels.push_back(p.label);
  const ChartArea area = ChartArea::fit(c, width, height, labels);
  const double px = area.x, py = area.y, ph = area.h, pw = area.w;

  // What is plotted: the loss if all of it is > 0; else loss - min when the minimum is known.
  const Objective* f = scene.function;
  bool all_positive = true;
  double max_step = 0;
  for (const Path& p : scene.paths) {
    for (double l : p.trajectory.loss) all_positive = all_positive && l > 0;
    max_step = std::max(max_step, static_cast<double>(p.trajectory.steps.back()));
  }
  double base = 0;
  const char* ylabel = "loss";
  if (!all_positive && f && f->minimum()) {
    base = *f->minimum();
    ylabel = "loss - min";
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  bool any_nonpositive = false;
  for (const Path& p : scene.paths)
    for (double l : p.trajectory.loss) {
      const double v = l - base;
      if (v > 0) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      } else {
        any_nonpositive = true;
      }
    }
  const bool log_scale = std::isfinite(lo);
  double ylo, yhi;  // in plotted units: log10 for log scale
  if (log_scale) {
    ylo = std::floor(std::log10(lo));
    yhi = std::ceil(std::log10(hi));
    if (ylo == yhi) yhi = ylo + 1;
  } else {
    ylo = -1;
    yhi = 1;
  }
  const double xhi = std::max(1.0, max_step);
  const auto X = [&](double s) { return px + s / xhi * pw; };
  const auto Y = [&](double v) {
    const double u = log_scale ? (v > 0 ? std::log10(v) : ylo) : v;
    return py + ph - (u - ylo) / (yhi - ylo) * ph;
  };

  // Frame, grid and ticks.
  for (double t : nice_ticks(0, xhi, 8)) area.x_tick(c, X(t), tick_label(t));
  if (log_scale)
    for (int e : decade_ticks(static_cast<int>(ylo), static_cast<int>(yhi), 9))
      area.y_tick(c, Y(std::pow(10.0, e)), decade_label(e));
  area.frame(c, "step", ylabel, "Loss per step", f ? "f(w) = " + f->formula() : "");

  cairo_t* cr = c.cr();
  cairo_save(cr);
  c.rect(px, py - 1, pw, ph + 2);
  cairo_clip(cr);
  for (std::size_t i = 0; i < scene.paths.size(); ++i) {
    const Trajectory& t = scene.paths[i].trajectory;
    const Rgb col = hex(path_color(i));
    c.color(col);
    cairo_set_line_width(cr, 2.0);
    for (std::size_t k = 0; k < t.size(); ++k) {
      const double x = X(static_cast<double>(t.steps[k])), y = Y(t.loss[k] - base);
      if (k == 0)
        cairo_move_to(cr, x, y);
      else
        cairo_line_to(cr, x, y);
    }
    cairo_stroke(cr);
  }
  cairo_restore(cr);
  // Diverged runs end with a cross at their last finite value.
  for (std::size_t i = 0; i < scene.paths.size(); ++i) {
    const Path& p = scene.paths[i];
    if (!p.diverged) continue;
    const Trajectory& t = p.trajectory;
    const double x = X(static_cast<double>(t.steps.back())), y = Y(t.loss.back() - base);
    c.cross(x, y, 7, hex(path_color(i)), 2.8);
    c.text(x + 9, y - 6, "diverged", 12, Align::left, VAlign::bottom, false, 0, hex(path_color(i)));
  }
  area.legend(c, labels);
  if (any_nonpositive && log_scale)
    c.text(px + 8, py + ph - 10, std::string(ylabel) + " <= 0 is drawn at the bottom edge", 12,
           Align::left, VAlign::baseline, false, 0, Rgb{0.35, 0.35, 0.35});
}

}  // namespace detail

Pixel surface3d_pixel(const Scene& scene, std::size_t panel, double w1, double w2, double loss) {
  check_scene(Kind::surface3d, scene);
  if (panel >= scene.paths.size()) throw std::out_of_range("surface3d_pixel: no such panel");
  return panel_projector(scene, panel).screen(w1, w2, loss);
}

Size figure_size(Kind kind, const Scene& scene) {
  check_scene(kind, scene);
  switch (kind) {
    case Kind::surface3d: {
      const auto L = surface3d_layout(scene);
      return {L.width, L.height};
    }
    case Kind::contour:
    case Kind::animation: {
      const auto L = contour_layout(scene);
      return {L.width, L.height};
    }
    case Kind::loss:
      return {kLossWidth, kLossHeight};
  }
  return {};
}

namespace {

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

// Cairo numbers the ids of surfaces and images with counters shared by every document of the
// process; renumbering them in order of appearance makes the same figure the same bytes.
std::string renumber_svg_ids(const std::string& svg) {
  std::string out;
  out.reserve(svg.size());
  std::vector<std::pair<std::string, std::string>> seen;  // old token -> new token
  int counters[2] = {0, 0};
  std::size_t i = 0;
  while (i < svg.size()) {
    std::size_t best = std::string::npos;
    int which = 0;
    for (int k = 0; k < 2; ++k) {
      const std::size_t at = svg.find(k == 0 ? "surface" : "image", i);
      if (at < best) {
        best = at;
        which = k;
      }
    }
    if (best == std::string::npos) break;
    const std::size_t name_len = which == 0 ? 7 : 5;
    std::size_t end = best + name_len;
    while (end < svg.size() && std::isdigit(static_cast<unsigned char>(svg[end]))) ++end;
    // Only ids and their references: preceded by '"' or '#', followed by digits.
    const bool id_like =
        end > best + name_len && best > 0 && (svg[best - 1] == '"' || svg[best - 1] == '#');
    out.append(svg, i, best - i);
    if (!id_like) {
      out.append(svg, best, name_len);
      i = best + name_len;
      continue;
    }
    const std::string token = svg.substr(best, end - best);
    auto it =
        std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == token; });
    if (it == seen.end()) {
      seen.emplace_back(token, svg.substr(best, name_len) + std::to_string(++counters[which]));
      it = seen.end() - 1;
    }
    out += it->second;
    i = end;
  }
  out.append(svg, i, std::string::npos);
  return out;
}

// Cairo draws text as glyph outlines; a title and a description make an SVG searchable and
// readable by screen readers.
std::string with_svg_description(std::string svg, Kind kind, const Scene& scene) {
  std::string title = std::string(to_string(kind)) + " figure";
  if (scene.function) title += " of f(w) = " + scene.function->formula();
  std::string desc = "paths:";
  for (const Path& p : scene.paths) {
    desc += " " + p.label;
    if (p.diverged)
      desc += " (diverged after step " + std::to_string(p.trajectory.steps.back()) + ")";
    desc += ";";
  }
  const auto open = svg.find("<svg");
  const auto end = open == std::string::npos ? open : svg.find('>', open);
  if (end == std::string::npos) return svg;
  svg.insert(end + 1,
             "\n<title>" + xml_escape(title) + "</title>\n<desc>" + xml_escape(desc) + "</desc>");
  return svg;
}

std::string render_raw(Kind kind, const Scene& scene, Format format) {
  switch (kind) {
    case Kind::surface3d: {
      const auto L = surface3d_layout(scene);
      return render_to_bytes(format, L.width, L.height, [&](Canvas& c) {
        c.fill_rect(0, 0, L.width, L.height, kWhite);
        for (std::size_t i = 0; i < scene.paths.size(); ++i) draw_panel(c, scene, i);
      });
    }
    case Kind::contour: {
      const auto L = contour_layout(scene);
      return render_to_bytes(format, L.width, L.height, [&](Canvas& c) {
        draw_contour_frame(c, scene, L);
        draw_contour_paths(c, scene, L, std::numeric_limits<std::uint64_t>::max());
      });
    }
    case Kind::loss:
      return render_to_bytes(format, kLossWidth, kLossHeight,
                             [&](Canvas& c) { draw_loss(c, scene, kLossWidth, kLossHeight); });
    case Kind::animation:
      return render_gif(scene);
  }
  return {};
}

}  // namespace

std::string render(Kind kind, const Scene& scene, Format format) {
  check_scene(kind, scene);
  std::string bytes = render_raw(kind, scene, format);
  if (format == Format::svg && kind != Kind::animation)
    bytes = with_svg_description(renumber_svg_ids(bytes), kind, scene);
  return bytes;
}

void draw(Kind kind, const Scene& scene, const std::filesystem::path& path, Format format) {
  write_file_atomically(path, render(kind, scene, format));
}

}  // namespace descent::plot
