// The contour map: the function sampled on a grid, filled bands and level lines between
// log-spaced levels, axes, a colorbar and a legend, and the paths over them (the animation draws
// its frames with the same steps).
#include "plot/contour.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "plot/scene.hpp"

namespace descent::plot::detail {
namespace {

// A path's legend entry: its label, and what its ring is where it has one.
std::string legend_label(const Path& p) {
  return p.solution.empty() ? p.label : p.label + " (ring: its answer x)";
}

// Values on the layout's grid, relative to the minimum (known, or the grid's).
void sample(ContourLayout& L, const Objective& f) {
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
}

// Log-spaced levels: half decades over the top five decades.
void place_levels(ContourLayout& L) {
  const double hi_exp = std::floor(std::log10(L.top) * 2) / 2;
  for (double e = hi_exp; e > hi_exp - 5.01; e -= 0.5)
    L.levels.insert(L.levels.begin(), std::pow(10, e));
  L.low = L.levels.front();
}

// The legend: entries 22 pixels apart, columns 16 apart.
constexpr double kLegendRowH = 22, kLegendGap = 16;

// Which points of each path are drawn, and where each path first leaves the view.
void place_paths(ContourLayout& L, const Scene& scene) {
  for (const Path& p : scene.paths) {
    const Trajectory& t = p.trajectory;
    std::vector<Pixel> at(t.size());
    std::size_t outside = t.size();
    for (std::size_t k = 0; k < t.size(); ++k) {
      const auto w = t.point(k);
      at[k] = {L.sx(w[0]), L.sy(w[1])};
      if (outside == t.size() &&
          (w[0] < L.view.x0 || w[0] > L.view.x1 || w[1] < L.view.y0 || w[1] > L.view.y1))
        outside = k;
    }
    L.drawn.push_back(thin_path(at));
    L.first_outside.push_back(outside);
  }
}

}  // namespace

ContourLayout contour_layout(const Scene& scene) {
  ContourLayout L;
  L.view = choose_view(*scene.function, scene.paths);
  double label_w = measure("minimizer", 13);
  for (const Path& p : scene.paths) label_w = std::max(label_w, measure(legend_label(p), 13));
  L.legend_col_w = label_w + 40;
  L.plot_x = 80;
  L.plot_y = 70;
  L.plot_w = 600;
  L.plot_h = 600;
  L.bar_x = L.plot_x + L.plot_w + 28;
  L.legend_x = L.bar_x + 20 + 64;
  // As many rows as leave room for the start and the minimizer below them within the plot's
  // height.
  L.legend = LegendColumns::of(scene.paths.size(),
                               static_cast<std::size_t>((L.plot_h - 38) / kLegendRowH));
  const auto cols = static_cast<double>(L.legend.cols);
  L.width = static_cast<int>(L.legend_x + cols * L.legend_col_w + (cols - 1) * kLegendGap + 20);
  L.height = static_cast<int>(L.plot_y + L.plot_h + 70);
  sample(L, *scene.function);
  place_levels(L);
  place_paths(L, scene);
  return L;
}

double ContourLayout::sx(double x) const {
  return plot_x + (x - view.x0) / (view.x1 - view.x0) * plot_w;
}
double ContourLayout::sy(double y) const {
  return plot_y + plot_h - (y - view.y0) / (view.y1 - view.y0) * plot_h;
}

namespace {

Rgb band_color(const ContourLayout& L, double v) {
  // Filled bands between levels, lightened so that paths stand out on them.
  const double rel = v - L.base;
  std::size_t band = 0;
  while (band < L.levels.size() && rel > L.levels[band]) ++band;
  const double t = static_cast<double>(band) / static_cast<double>(L.levels.size());
  return lighten(viridis(t), 0.45);
}

// The bands, as an image of one pixel per grid cell scaled onto the plot.
void draw_bands(Canvas& c, const ContourLayout& L) {
  const int n = ContourLayout::kGrid;
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
}

// Screen position of a fractional grid index.
double grid_x(const ContourLayout& L, double i) {
  const int n = ContourLayout::kGrid;
  return L.plot_x + i / (n - 1) * L.plot_w;
}
double grid_y(const ContourLayout& L, double j) {
  const int n = ContourLayout::kGrid;
  return L.plot_y + L.plot_h - j / (n - 1) * L.plot_h;
}

// Adds to the current path where level `lv` crosses grid cell (i, j), by marching squares (a
// cell is split at its centre value when ambiguous).
void trace_cell(cairo_t* cr, const ContourLayout& L, int i, int j, double lv) {
  const int n = ContourLayout::kGrid;
  const double a = L.grid[static_cast<std::size_t>(j * n + i)];
  const double b = L.grid[static_cast<std::size_t>(j * n + i + 1)];
  const double cc = L.grid[static_cast<std::size_t>((j + 1) * n + i + 1)];
  const double d = L.grid[static_cast<std::size_t>((j + 1) * n + i)];
  if (!(std::isfinite(a) && std::isfinite(b) && std::isfinite(cc) && std::isfinite(d))) return;
  // Crossing points on the four edges (bottom a-b, right b-c, top d-c, left a-d).
  double px[4], py[4];
  bool hit[4];
  const auto edge = [&](int k, double v0, double v1, double x0, double y0, double x1, double y1) {
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
  const auto link = [&](int p, int q) {
    cairo_move_to(cr, grid_x(L, px[p]), grid_y(L, py[p]));
    cairo_line_to(cr, grid_x(L, px[q]), grid_y(L, py[q]));
  };
  int ks[4], m = 0;
  for (int k = 0; k < 4; ++k)
    if (hit[k]) ks[m++] = k;
  if (m == 2) {
    link(ks[0], ks[1]);
  } else if (m == 4) {
    // A saddle: a and c lie on one side, b and d on the other. If the centre is on a's side, a
    // and c connect through it and the lines cut off b (edges 0, 1) and d (2, 3); otherwise they
    // cut off a (0, 3) and c (1, 2).
    const bool centre_low = (a + b + cc + d) / 4 < lv;
    const bool with_a = centre_low == (a < lv);
    const int p0 = 0, q0 = with_a ? 1 : 3;
    const int p1 = with_a ? 2 : 1, q1 = with_a ? 3 : 2;
    link(p0, q0);
    link(p1, q1);
  }
}

// The level lines, one stroke per level, clipped to the plot.
void draw_level_lines(Canvas& c, const ContourLayout& L) {
  const int n = ContourLayout::kGrid;
  cairo_t* cr = c.cr();
  cairo_save(cr);
  c.rect(L.plot_x, L.plot_y, L.plot_w, L.plot_h);
  cairo_clip(cr);
  c.color(Rgb{0.25, 0.25, 0.3}, 0.55);
  cairo_set_line_width(cr, 0.8);
  for (double level : L.levels) {
    const double lv = L.base + level;
    for (int j = 0; j + 1 < n; ++j)
      for (int i = 0; i + 1 < n; ++i) trace_cell(cr, L, i, j, lv);
    cairo_stroke(cr);
  }
  cairo_restore(cr);
}

void draw_axes_2d(Canvas& c, double px, double py, double pw, double ph, double x0, double x1,
                  double y0, double y1, const char* xlabel, const char* ylabel) {
  c.stroke_rect(px, py, pw, ph, kText, 1.0);
  const std::vector<double> xs = nice_ticks(x0, x1, 6), ys = nice_ticks(y0, y1, 6);
  const std::vector<std::string> xl = tick_labels(xs), yl = tick_labels(ys);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const double x = px + (xs[i] - x0) / (x1 - x0) * pw;
    c.color(kText);
    c.line(x, py + ph, x, py + ph + 5, 1.0);
    c.text(x, py + ph + 8, xl[i], 13, Align::center, VAlign::top);
  }
  for (std::size_t i = 0; i < ys.size(); ++i) {
    const double y = py + ph - (ys[i] - y0) / (y1 - y0) * ph;
    c.color(kText);
    c.line(px - 5, y, px, y, 1.0);
    c.text(px - 8, y, yl[i], 13, Align::right, VAlign::middle);
  }
  c.text(px + pw / 2, py + ph + 32, xlabel, 15, Align::center, VAlign::top);
  c.text(px - 56, py + ph / 2, ylabel, 15, Align::center, VAlign::middle, false, -M_PI / 2);
}

void draw_titles(Canvas& c, const Scene& scene, const ContourLayout& L) {
  c.text(L.plot_x, 28, "f(w) = " + scene.function->formula(), 17, Align::left, VAlign::baseline,
         true);
  c.text(L.plot_x, 50,
         scene.function->spec() + "   " + std::to_string(scene.paths.size()) +
             (scene.paths.size() == 1 ? " path" : " paths"),
         13, Align::left, VAlign::baseline, false, 0, Rgb{0.35, 0.35, 0.35});
}

// The colorbar: the bands on a log scale of f - base, with decade ticks.
void draw_colorbar(Canvas& c, const ContourLayout& L) {
  const double bx = L.bar_x, by = L.plot_y, bw = 18, bh = L.plot_h;
  for (int k = 0; k < 200; ++k) {
    const double t0 = k / 200.0;
    const double v = L.base + L.low * std::pow(L.top / L.low, t0);
    c.fill_rect(bx, by + bh - (k + 1) * bh / 200, bw, bh / 200 + 0.5, band_color(L, v));
  }
  c.stroke_rect(bx, by, bw, bh, kText, 0.8);
  const int e0 = static_cast<int>(std::ceil(std::log10(L.low) - 1e-9));
  const int e1 = static_cast<int>(std::floor(std::log10(L.top) + 1e-9));
  std::vector<double> decades;
  for (int e : decade_ticks(e0, e1, 7)) decades.push_back(std::pow(10.0, e));
  const std::vector<std::string> labels = tick_labels(decades);
  for (std::size_t i = 0; i < decades.size(); ++i) {
    const double y = by + bh - std::log(decades[i] / L.low) / std::log(L.top / L.low) * bh;
    c.color(kText);
    c.line(bx + bw, y, bx + bw + 4, y, 1.0);
    c.text(bx + bw + 7, y, labels[i], 12, Align::left, VAlign::middle);
  }
  const bool offset = L.base != 0;
  c.text(bx + bw / 2, by - 10, offset ? "f - min" : "f", 13, Align::center, VAlign::baseline);
}

// The legend: each path's colour and label, then the start and minimizer marks.
void draw_legend(Canvas& c, const Scene& scene, const ContourLayout& L) {
  for (std::size_t i = 0; i < scene.paths.size(); ++i) {
    const double lx =
        L.legend_x + static_cast<double>(L.legend.col(i)) * (L.legend_col_w + kLegendGap);
    const double ly = L.plot_y + 8 + static_cast<double>(L.legend.row(i)) * kLegendRowH;
    const Rgb col = hex(path_color(i));
    c.color(col);
    c.line(lx, ly, lx + 26, ly, 2.5);
    c.dot(lx + 13, ly, 3.5, col, 1.0);
    c.text(lx + 34, ly, legend_label(scene.paths[i]), 13, Align::left, VAlign::middle);
  }
  double ly = L.plot_y + 8 + static_cast<double>(L.legend.rows) * kLegendRowH + 8;
  c.dot(L.legend_x + 13, ly, 6, kWhite, 1.0, &kBlack, 1.5);
  c.text(L.legend_x + 34, ly, "start", 13, Align::left, VAlign::middle);
  // The minimizer's mark only where one is drawn: a known 2-D minimizer inside the view.
  const auto inside = [&](const std::vector<double>& m) {
    if (m.size() != 2) return false;
    const double x = L.sx(m[0]), y = L.sy(m[1]);
    return x >= L.plot_x && x <= L.plot_x + L.plot_w && y >= L.plot_y && y <= L.plot_y + L.plot_h;
  };
  if (std::ranges::none_of(scene.function->minimizers(), inside)) return;
  ly += 22;
  c.cross(L.legend_x + 13, ly, 6, kBlack, 2.2);
  c.text(L.legend_x + 34, ly, "minimizer", 13, Align::left, VAlign::middle);
}

// Path `i` up to step `upto_step`: its line, its points, and its end (a cross where a diverged
// run ended). Returns whether a drawn point lies outside the view.
bool draw_path(Canvas& c, const ContourLayout& L, const Path& path, std::size_t i, Rgb col,
               std::uint64_t upto_step) {
  cairo_t* cr = c.cr();
  const Trajectory& t = path.trajectory;
  // The last row drawn, and the points drawn up to it: those kept below it, then it.
  const auto last = static_cast<std::size_t>(
      std::upper_bound(t.steps.begin(), t.steps.end(), upto_step) - t.steps.begin());
  const std::size_t end = last == 0 ? 0 : last - 1;
  std::vector<Pixel> at;
  for (std::size_t k : L.drawn[i]) {
    if (k >= end) break;
    const auto w = t.point(k);
    at.push_back({L.sx(w[0]), L.sy(w[1])});
  }
  const auto w_end = t.point(end);
  at.push_back({L.sx(w_end[0]), L.sy(w_end[1])});
  c.color(col, 0.9);
  cairo_set_line_width(cr, 2.0);
  stroke_polyline(cr, at);
  for (std::size_t k = 1; k < at.size(); ++k) c.dot(at[k].x, at[k].y, 2.6, col, 1.0);
  const bool done = end + 1 == t.size();
  if (done && path.diverged)
    c.cross(at.back().x, at.back().y, 6, col, 2.5);
  else
    c.dot(at.back().x, at.back().y, 5.5, col, 1.0, &kBlack, 1.2);
  if (done && path.solution.size() >= 2) {
    const Pixel x{L.sx(path.solution[0]), L.sy(path.solution[1])};
    c.color(col, 0.9);
    c.line(at.back().x, at.back().y, x.x, x.y, 1.2);
    c.dot(x.x, x.y, 6.5, kWhite, 1.0, &col, 2.2);
  }
  return L.first_outside[i] <= end;
}

}  // namespace

void draw_contour_frame(Canvas& c, const Scene& scene, const ContourLayout& L) {
  c.fill_rect(0, 0, L.width, L.height, kWhite);
  draw_bands(c, L);
  draw_level_lines(c, L);
  draw_axes_2d(c, L.plot_x, L.plot_y, L.plot_w, L.plot_h, L.view.x0, L.view.x1, L.view.y0,
               L.view.y1, "w1", "w2");
  draw_titles(c, scene, L);
  draw_colorbar(c, L);
  draw_legend(c, scene, L);
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
  for (std::size_t i = 0; i < scene.paths.size(); ++i)
    if (draw_path(c, L, scene.paths[i], i, hex(path_color(i)), upto_step)) clipped = true;
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

}  // namespace descent::plot::detail
