// The sweep heatmap: cells on viridis, diverged and never-finished cells in their own colours,
// axes with lin or log ticks, a colour bar, markers and a boundary curve.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <numbers>
#include <optional>
#include <string>

#include "descent/distributed.hpp"
#include "descent/error.hpp"
#include "descent/plot/figures.hpp"
#include "plot/canvas.hpp"
#include "plot/inspect.hpp"
#include "plot/output.hpp"
#include "util/atomic_file.hpp"

namespace descent::plot {
namespace {

using detail::Align;
using detail::Canvas;
using detail::Pixel;
using detail::Rgb;
using detail::VAlign;

constexpr int kWidth = 900;
constexpr int kHeight2d = 720;
constexpr int kHeight1d = 480;
constexpr double kLeft = 95, kTop = 62, kRightBar = 170, kBottom = 70;
const Rgb kDiverged = detail::hex(0xd62728);  // red
const Rgb kNever = detail::hex(0xbdbdbd);     // grey
const Rgb kMarker = detail::hex(0xffffff);
const Rgb kCurve = detail::hex(detail::path_color(0));

struct Layout {
  double x = kLeft, y = kTop, w = 0, h = 0;
  int width = kWidth, height = kHeight2d;
  std::size_t nx = 0, ny = 1;
};

// A 1-D sweep is a line chart of the metric against the swept value, with a strip above it
// that shows the diverged and never-finished cells.
constexpr double kStrip = 22;

Layout layout(const Heatmap& h) {
  Layout L;
  L.nx = h.xs.size();
  L.ny = h.ys.empty() ? 1 : h.ys.size();
  L.height = h.ys.empty() ? kHeight1d : kHeight2d;
  if (h.ys.empty()) L.y += kStrip;
  L.w = L.width - kLeft - kRightBar;
  L.h = L.height - L.y - kBottom;
  return L;
}

// Position in [0, 1] of value v along an axis of `n` cells from lo to hi: cell centres sit at
// (i + 0.5) / n.
double axis_fraction(const std::vector<double>& vs, bool log, double v) {
  const std::size_t n = vs.size();
  const double lo = log ? std::log10(vs.front()) : vs.front();
  const double hi = log ? std::log10(vs.back()) : vs.back();
  if (n == 1 || !(hi > lo)) return 0.5;  // one value (ends equal, or one rounding apart)
  const double t = ((log ? std::log10(v) : v) - lo) / (hi - lo);
  return (0.5 + t * static_cast<double>(n - 1)) / static_cast<double>(n);
}

// A point of the map; in a 1-D chart, y is the height in the chart, 0 at the bottom and 1 at the
// top (where the markers and the boundary of a 1-D sweep are placed).
Pixel to_pixel(const Heatmap& h, const Layout& L, double x, double y) {
  const double fx = axis_fraction(h.xs, h.x_log, x);
  const double fy = h.ys.empty() ? y : axis_fraction(h.ys, h.y_log, y);
  return {L.x + fx * L.w, L.y + (1 - fy) * L.h};
}

struct Scale {
  bool log = false;
  double lo = 0, hi = 1;
  bool any = false;
  double t(double v) const {
    if (log && !(v > 0)) return 0;  // at or below 0 on a log scale: the bottom colour
    const double a = log ? std::log10(v) : v;
    return hi > lo ? (a - lo) / (hi - lo) : 0.5;
  }
};

Scale color_scale(const Heatmap& h) {
  Scale s;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo, positive = lo;
  for (std::size_t k = 0; k < h.values.size(); ++k) {
    if (h.diverged[k] || !std::isfinite(h.values[k])) continue;
    lo = std::min(lo, h.values[k]);
    hi = std::max(hi, h.values[k]);
    if (h.values[k] > 0) positive = std::min(positive, h.values[k]);
    s.any = true;
  }
  if (!s.any) return s;
  // Log where the positive values span more than a decade and none is negative: a loss that
  // underflows to 0 in a few cells takes the bottom colour rather than making the scale linear.
  s.log = lo >= 0 && hi > 10 * positive;
  if (s.log) lo = positive;
  s.lo = s.log ? std::log10(lo) : lo;
  s.hi = s.log ? std::log10(hi) : hi;
  return s;
}

void check(const Heatmap& h) {
  const std::size_t n = h.xs.size() * (h.ys.empty() ? 1 : h.ys.size());
  if (h.xs.empty() || h.values.size() != n || h.diverged.size() != n)
    throw InputError("heatmap: " + std::to_string(h.values.size()) + " values and " +
                     std::to_string(h.diverged.size()) + " divergence flags for " +
                     std::to_string(n) + " cells");
  auto bad_log = [](const std::vector<double>& v) {
    return std::any_of(v.begin(), v.end(), [](double x) { return !(x > 0); });
  };
  if ((h.x_log && bad_log(h.xs)) || (h.y_log && bad_log(h.ys)))
    throw InputError("heatmap: a log axis has a value <= 0");
}

void axis_ticks(Canvas& c, const Heatmap& h, const Layout& L, bool is_x) {
  const std::vector<double>& vs = is_x ? h.xs : h.ys;
  const bool log = is_x ? h.x_log : h.y_log;
  std::vector<double> ticks;
  if (vs.size() == 1 || !(vs.back() > vs.front())) {
    ticks = {vs.front()};
  } else if (log) {
    for (int k :
         detail::decade_ticks(static_cast<int>(std::ceil(std::log10(vs.front()) - 1e-9)),
                              static_cast<int>(std::floor(std::log10(vs.back()) + 1e-9)), 8))
      ticks.push_back(std::pow(10.0, k));
    if (ticks.empty()) ticks = {vs.front(), vs.back()};  // no power of ten inside: the ends
  } else {
    ticks = detail::nice_ticks(vs.front(), vs.back(), is_x ? 8 : 7);
  }
  const std::vector<std::string> labels = detail::tick_labels(ticks);
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    const double v = ticks[i];
    const std::string& label = labels[i];
    if (i > 0 && label == labels[i - 1]) continue;  // ends that round to one label: once
    if (is_x) {
      const double x = L.x + axis_fraction(vs, log, v) * L.w;
      c.line(x, L.y + L.h, x, L.y + L.h + 5, 1);
      c.text(x, L.y + L.h + 20, label, 13, Align::center);
    } else {
      const double y = L.y + (1 - axis_fraction(vs, log, v)) * L.h;
      c.line(L.x - 5, y, L.x, y, 1);
      c.text(L.x - 8, y, label, 13, Align::right, VAlign::middle);
    }
  }
}

void draw_cells(Canvas& c, const Heatmap& h, const Layout& L, const Scale& s) {
  const double cw = L.w / static_cast<double>(L.nx), ch = L.h / static_cast<double>(L.ny);
  for (std::size_t j = 0; j < L.ny; ++j) {
    for (std::size_t i = 0; i < L.nx; ++i) {
      const std::size_t k = j * L.nx + i;
      const Rgb col = h.diverged[k]                 ? kDiverged
                      : !std::isfinite(h.values[k]) ? kNever
                                                    : detail::viridis(s.t(h.values[k]));
      // Cells overlap by a hair so that no seam shows between them.
      c.fill_rect(L.x + static_cast<double>(i) * cw, L.y + L.h - static_cast<double>(j + 1) * ch,
                  cw + 0.6, ch + 0.6, col);
    }
  }
}

// The boundary's line, on the map and in the legend alike: dashed, white over the cells of a map,
// dark on the white of a 1-D chart.
void boundary_style(Canvas& c, const Heatmap& h) {
  c.color(h.ys.empty() ? detail::kText : kMarker);
  cairo_set_line_width(c.cr(), 2.5);
  const double dash[] = {8, 5};
  cairo_set_dash(c.cr(), dash, 2, 0);
}

// The points of the boundary that can be placed: finite, and on an axis of one value, at that
// value (such an axis has no scale to place another on). Drawn when two or more are left.
std::vector<std::pair<double, double>> boundary_points(const Heatmap& h) {
  std::vector<std::pair<double, double>> out;
  const auto fits = [](const std::vector<double>& vs, double v) {
    return vs.size() != 1 || v == vs.front();
  };
  for (const auto& [x, y] : h.boundary)
    if (std::isfinite(x) && std::isfinite(y) && fits(h.xs, x) && (h.ys.empty() || fits(h.ys, y)))
      out.emplace_back(x, y);
  return out;
}

// The boundary, dashed and clipped to the map.
void draw_boundary(Canvas& c, const Heatmap& h, const Layout& L) {
  cairo_t* cr = c.cr();
  cairo_save(cr);
  c.rect(L.x, L.y, L.w, L.h);
  cairo_clip(cr);
  boundary_style(c, h);
  bool first = true;
  for (const auto& [x, y] : boundary_points(h)) {
    const Pixel p = to_pixel(h, L, x, y);
    if (first)
      cairo_move_to(cr, p.x, p.y);
    else
      cairo_line_to(cr, p.x, p.y);
    first = false;
  }
  cairo_stroke(cr);
  cairo_restore(cr);
}

// The markers: on a map at their (x, y); on a 1-D chart on the curve at their x (where the curve
// has a value there, else at their height y).
void draw_markers(Canvas& c, const Heatmap& h, const Layout& L,
                  const std::function<std::optional<double>(double)>& curve_y = {}) {
  const Rgb text = h.ys.empty() ? detail::kText : detail::kWhite;
  std::vector<Pixel> at;
  for (const HeatmapMarker& m : h.markers) {
    at.push_back(to_pixel(h, L, m.x, m.y));
    if (curve_y)
      if (const auto y = curve_y(m.x)) at.back().y = *y;
    const Rgb edge = detail::kBlack;
    c.dot(at.back().x, at.back().y, 6, kMarker, 1.0, &edge, 1.5);
  }
  // The labels over every dot.
  for (std::size_t k = 0; k < h.markers.size(); ++k) {
    const HeatmapMarker& m = h.markers[k];
    const Pixel p = at[k];
    // Every other label goes below its marker, so that neighbours do not overlap.
    const double dy = k % 2 == 0 ? -8 : 20;
    // Labels that would run past the map's right edge go to the marker's left.
    const bool left = p.x + 10 + c.text_width(m.label, 13, true) > L.x + L.w;
    c.text(left ? p.x - 10 : p.x + 10, p.y + dy, m.label, 13, left ? Align::right : Align::left,
           VAlign::baseline, true, 0.0, text);
  }
}

// The colour bar's place, right of the map.
struct Bar {
  double x = 0, w = 18, y = 0, h = 0;
};

Bar bar_of(const Heatmap& h, const Layout& L) {
  Bar b;
  b.x = L.x + L.w + 30;
  b.y = L.y;
  b.h = h.ys.empty() ? L.h * 0.45 : L.h * 0.6;
  return b;
}

void bar_ticks(Canvas& c, const Bar& b, const Scale& s, const std::vector<double>& vs) {
  const std::vector<std::string> labels = detail::tick_labels(vs);
  for (std::size_t i = 0; i < vs.size(); ++i) {
    if (i > 0 && labels[i] == labels[i - 1]) continue;
    const double y = b.y + b.h * (1 - s.t(vs[i]));
    c.line(b.x + b.w, y, b.x + b.w + 4, y, 1);
    c.text(b.x + b.w + 7, y, labels[i], 12, Align::left, VAlign::middle);
  }
}

// The colour bar with its ticks: on a log scale 1, 2 and 5 times each power of ten in range
// (decades alone are too few for a short range; more than three decades get decades only, at
// most 7 of them), else round numbers; where none falls inside, the ends.
void draw_colorbar(Canvas& c, const Heatmap& h, const Bar& b, const Scale& s) {
  c.text(b.x, b.y - 16, h.metric_label + (s.log ? " (log)" : ""), 13);
  if (!s.any) return;
  const int steps = 100;
  for (int k = 0; k < steps; ++k) {
    const double t = (k + 0.5) / steps;
    c.fill_rect(b.x, b.y + b.h * (1 - static_cast<double>(k + 1) / steps), b.w, b.h / steps + 0.6,
                detail::viridis(t));
  }
  c.stroke_rect(b.x, b.y, b.w, b.h, detail::kBlack, 1);
  std::vector<double> ticks;
  if (s.log && s.hi - s.lo > 3) {  // decades, thinned to at most 7
    for (int k : detail::decade_ticks(static_cast<int>(std::ceil(s.lo - 1e-9)),
                                      static_cast<int>(std::floor(s.hi + 1e-9)), 7))
      ticks.push_back(std::pow(10.0, k));
  } else if (s.log) {
    for (int k = static_cast<int>(std::floor(s.lo)); k <= static_cast<int>(std::ceil(s.hi)); ++k)
      for (double m : {1.0, 2.0, 5.0}) {
        const double a = std::log10(m * std::pow(10.0, k));
        if (a >= s.lo - 1e-9 && a <= s.hi + 1e-9) ticks.push_back(m * std::pow(10.0, k));
      }
  } else {
    for (double v : detail::nice_ticks(s.lo, s.hi, 5))
      if (v >= s.lo && v <= s.hi) ticks.push_back(v);
  }
  if (ticks.empty()) {  // one value, or a range with no round number inside: its ends
    ticks.push_back(s.log ? std::pow(10.0, s.lo) : s.lo);
    if (s.hi > s.lo) ticks.push_back(s.log ? std::pow(10.0, s.hi) : s.hi);
  }
  bar_ticks(c, b, s, ticks);
}

// From `ly` down: the colours of diverged and never-finished cells, and the boundary's line drawn
// as on the map (for a map, over a swatch of the map's dark end, so that its white shows).
void draw_legend(Canvas& c, const Heatmap& h, double x, double ly) {
  for (const auto& [col, label] : {std::pair{kDiverged, "diverged"}, std::pair{kNever, "never"}}) {
    c.fill_rect(x, ly - 11, 14, 14, col);
    c.text(x + 20, ly, label, 13);
    ly += 22;
  }
  if (boundary_points(h).size() >= 2 && !h.boundary_label.empty()) {
    if (!h.ys.empty()) c.fill_rect(x - 2, ly - 11, 30, 14, detail::viridis(0.15));
    cairo_t* cr = c.cr();
    cairo_save(cr);
    boundary_style(c, h);
    cairo_move_to(cr, x, ly - 4);
    cairo_line_to(cr, x + 26, ly - 4);
    cairo_stroke(cr);
    cairo_restore(cr);
    c.text(x + 32, ly, h.boundary_label, 13);
  }
}

// The metric's axis of a 1-D chart: log when the colour scale of a map would be, over the finite
// values.
detail::ChartAxis value_axis(const Scale& s) {
  if (!s.any) return {};
  if (s.log) return detail::log_axis(s.lo, s.hi);
  const double pad = 0.05 * (s.hi - s.lo);
  return detail::linear_axis(s.lo - pad, s.hi + pad, 7, false);
}

bool finite_cell(const Heatmap& h, std::size_t i) {
  return !h.diverged[i] && std::isfinite(h.values[i]);
}

// The pixel row of metric value v on a 1-D chart.
double value_row(const Layout& L, const detail::ChartAxis& a, double v) {
  const double u = a.log ? (v > 0 ? std::log10(v) : a.lo) : v;  // at or below 0: the bottom
  return L.y + L.h * (1 - (u - a.lo) / (a.hi - a.lo));
}

// A 1-D sweep: the metric against the swept value, a dot per cell with a finite metric and a line
// through neighbouring ones; above the chart, a strip coloured where cells diverged (red) or never
// reached the metric (grey); the boundary and markers on top; the legend to the right.
void draw_chart_1d(Canvas& c, const Heatmap& h) {
  const Layout L = layout(h);
  const Scale s = color_scale(h);
  const detail::ChartAxis a = value_axis(s);
  c.fill_rect(0, 0, L.width, L.height, detail::kWhite);
  c.text(L.width / 2.0, 32, h.title, 17, Align::center, VAlign::baseline, true);
  const double cw = L.w / static_cast<double>(L.nx);
  for (std::size_t i = 0; i < L.nx; ++i)
    if (!finite_cell(h, i))
      c.fill_rect(L.x + static_cast<double>(i) * cw, L.y - kStrip + 4, cw + 0.6, kStrip - 10,
                  h.diverged[i] ? kDiverged : kNever);
  for (std::size_t i = 0; i < a.ticks.size(); ++i) {
    const double y = value_row(L, a, a.ticks[i]);
    c.color(detail::kGrid);
    c.line(L.x, y, L.x + L.w, y, 0.8);
    c.color(detail::kText);
    c.line(L.x - 5, y, L.x, y, 1);
    c.text(L.x - 8, y, a.labels[i], 13, Align::right, VAlign::middle);
  }
  c.stroke_rect(L.x, L.y, L.w, L.h, detail::kBlack, 1);
  axis_ticks(c, h, L, true);
  c.text(L.x + L.w / 2, L.height - 18, h.x_label, 14, Align::center);
  c.text(24, L.y + L.h / 2, h.metric_label + (s.log ? " (log)" : ""), 14, Align::center,
         VAlign::middle, false, -std::numbers::pi / 2);
  if (!s.any)
    c.text(L.x + L.w / 2, L.y + L.h / 2, "no cell has a finite " + h.metric_label, 14,
           Align::center, VAlign::middle);
  if (boundary_points(h).size() >= 2) draw_boundary(c, h, L);
  if (s.any) {
    cairo_t* cr = c.cr();
    c.color(kCurve);
    cairo_set_line_width(cr, 2.0);
    for (std::size_t i = 0; i + 1 < L.nx; ++i) {
      if (!finite_cell(h, i) || !finite_cell(h, i + 1)) continue;
      const Pixel p = to_pixel(h, L, h.xs[i], 0), q = to_pixel(h, L, h.xs[i + 1], 0);
      c.line(p.x, value_row(L, a, h.values[i]), q.x, value_row(L, a, h.values[i + 1]), 2.0);
    }
    for (std::size_t i = 0; i < L.nx; ++i)
      if (finite_cell(h, i))
        c.dot(to_pixel(h, L, h.xs[i], 0).x, value_row(L, a, h.values[i]), 3.0, kCurve, 1.0);
  }
  // A marker between two cells with finite values sits on the line between them; next to one
  // such cell only, at its value.
  const auto curve_y = [&](double x) -> std::optional<double> {
    for (std::size_t i = 0; i + 1 < L.nx; ++i) {
      if (x < h.xs[i] || x > h.xs[i + 1]) continue;
      const bool left = finite_cell(h, i), right = finite_cell(h, i + 1);
      if (!left && !right) return std::nullopt;
      if (!left || !right) return value_row(L, a, h.values[left ? i : i + 1]);
      const double span =
          axis_fraction(h.xs, h.x_log, h.xs[i + 1]) - axis_fraction(h.xs, h.x_log, h.xs[i]);
      const double t =
          span > 0
              ? (axis_fraction(h.xs, h.x_log, x) - axis_fraction(h.xs, h.x_log, h.xs[i])) / span
              : 0.0;
      const double y0 = value_row(L, a, h.values[i]), y1 = value_row(L, a, h.values[i + 1]);
      return y0 + t * (y1 - y0);
    }
    return std::nullopt;
  };
  draw_markers(c, h, L, curve_y);
  // The legend: the curve, then the statuses and the boundary.
  const double lx = L.x + L.w + 30;
  double ly = L.y + 10;
  c.color(kCurve);
  c.line(lx, ly - 4, lx + 26, ly - 4, 2.0);
  c.dot(lx + 13, ly - 4, 3.0, kCurve, 1.0);
  c.text(lx + 32, ly, h.metric_label, 13);
  draw_legend(c, h, lx, ly + 26);
}

void draw_map(Canvas& c, const Heatmap& h) {
  if (h.ys.empty()) {
    draw_chart_1d(c, h);
    return;
  }
  const Layout L = layout(h);
  const Scale s = color_scale(h);
  c.fill_rect(0, 0, L.width, L.height, detail::kWhite);
  c.text(L.width / 2.0, 32, h.title, 17, Align::center, VAlign::baseline, true);
  draw_cells(c, h, L, s);
  if (boundary_points(h).size() >= 2) draw_boundary(c, h, L);
  draw_markers(c, h, L);
  c.stroke_rect(L.x, L.y, L.w, L.h, detail::kBlack, 1);
  axis_ticks(c, h, L, true);
  if (!h.ys.empty()) axis_ticks(c, h, L, false);
  c.text(L.x + L.w / 2, L.height - 18, h.x_label, 14, Align::center);
  if (!h.ys.empty())
    c.text(24, L.y + L.h / 2, h.y_label, 14, Align::center, VAlign::middle, false,
           -std::numbers::pi / 2);
  const Bar b = bar_of(h, L);
  draw_colorbar(c, h, b, s);
  draw_legend(c, h, b.x, b.y + b.h + 28);
}

}  // namespace

std::string render_heatmap(const Heatmap& h, Format format) {
  check(h);
  const Layout L = layout(h);
  return detail::render_to_bytes(format, L.width, L.height, [&](Canvas& c) { draw_map(c, h); });
}

void draw_heatmap(const Heatmap& h, const std::filesystem::path& path, Format format) {
  if (is_root()) write_file_atomically(path, render_heatmap(h, format));
}

Pixel heatmap_pixel(const Heatmap& h, double x, double y) {
  check(h);
  const Layout L = layout(h);
  if (!h.ys.empty()) return to_pixel(h, L, x, y);
  return {to_pixel(h, L, x, 0).x, value_row(L, value_axis(color_scale(h)), y)};
}

detail::ChartAxis heatmap_value_axis(const Heatmap& h) {
  check(h);
  return value_axis(color_scale(h));
}

}  // namespace descent::plot
