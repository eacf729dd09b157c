#include "plot/canvas.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>

namespace descent::plot::detail {

Rgb hex(unsigned rgb) {
  return {((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0, (rgb & 0xff) / 255.0};
}

constexpr std::size_t kPaletteSize = 7;

unsigned path_color(std::size_t i) {
  // Okabe & Ito (2008), "Color universal design"; yellow is left out (it vanishes on viridis and
  // on white). Blue, vermillion, bluish green, reddish purple, orange, sky blue, black.
  static constexpr unsigned kPalette[kPaletteSize] = {0x0072B2, 0xD55E00, 0x009E73, 0xCC79A7,
                                                      0xE69F00, 0x56B4E9, 0x000000};
  return kPalette[i % kPaletteSize];
}

bool path_dashed(std::size_t i) { return (i / kPaletteSize) % 2 == 1; }

Rgb viridis(double t) {
  // viridis (van der Walt & Smith, matplotlib 2.0's default colormap) sampled at ten evenly
  // spaced points; linear interpolation between them is within a few levels of 255 of the full
  // map.
  static constexpr std::array<unsigned, 10> kSamples = {0x440154, 0x482878, 0x3e4a89, 0x31688e,
                                                        0x26828e, 0x1f9e89, 0x35b779, 0x6dcd59,
                                                        0xb4de2c, 0xfde725};
  if (!(t > 0)) t = 0;  // also NaN
  if (t > 1) t = 1;
  const double x = t * (kSamples.size() - 1);
  const auto i = std::min<std::size_t>(static_cast<std::size_t>(x), kSamples.size() - 2);
  const double f = x - static_cast<double>(i);
  const Rgb a = hex(kSamples[i]), b = hex(kSamples[i + 1]);
  return {a.r + (b.r - a.r) * f, a.g + (b.g - a.g) * f, a.b + (b.b - a.b) * f};
}

Rgb lighten(Rgb c, double amount) {
  return {c.r + (1 - c.r) * amount, c.g + (1 - c.g) * amount, c.b + (1 - c.b) * amount};
}

void Canvas::color(Rgb c, double alpha) const { cairo_set_source_rgba(cr_, c.r, c.g, c.b, alpha); }

void Canvas::line(double x0, double y0, double x1, double y1, double width) const {
  cairo_set_line_width(cr_, width);
  cairo_move_to(cr_, x0, y0);
  cairo_line_to(cr_, x1, y1);
  cairo_stroke(cr_);
}

void Canvas::rect(double x, double y, double w, double h) const {
  cairo_rectangle(cr_, x, y, w, h);
}

void Canvas::fill_rect(double x, double y, double w, double h, Rgb c, double alpha) const {
  color(c, alpha);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_fill(cr_);
}

void Canvas::stroke_rect(double x, double y, double w, double h, Rgb c, double width) const {
  color(c);
  cairo_set_line_width(cr_, width);
  cairo_rectangle(cr_, x, y, w, h);
  cairo_stroke(cr_);
}

void Canvas::dot(double x, double y, double radius, Rgb fill, double alpha, const Rgb* edge,
                 double edge_width) const {
  cairo_new_sub_path(cr_);
  cairo_arc(cr_, x, y, radius, 0, 2 * M_PI);
  color(fill, alpha);
  if (edge) {
    cairo_fill_preserve(cr_);
    color(*edge);
    cairo_set_line_width(cr_, edge_width);
    cairo_stroke(cr_);
  } else {
    cairo_fill(cr_);
  }
}

void Canvas::cross(double x, double y, double size, Rgb c, double width) const {
  color(c);
  line(x - size, y - size, x + size, y + size, width);
  line(x - size, y + size, x + size, y - size, width);
}

static void set_font(cairo_t* cr, double size, bool bold) {
  cairo_select_font_face(cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL,
                         bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size(cr, size);
}

double Canvas::text_width(std::string_view s, double size, bool bold) const {
  set_font(cr_, size, bold);
  const std::string str(s);
  cairo_text_extents_t e;
  cairo_text_extents(cr_, str.c_str(), &e);
  return e.x_advance;
}

void Canvas::text(double x, double y, std::string_view s, double size, Align h, VAlign v, bool bold,
                  double angle, Rgb c) const {
  set_font(cr_, size, bold);
  const std::string str(s);
  cairo_text_extents_t e;
  cairo_text_extents(cr_, str.c_str(), &e);
  cairo_font_extents_t fe;
  cairo_font_extents(cr_, &fe);
  double dx = 0, dy = 0;
  if (h == Align::center) dx = -e.x_advance / 2;
  if (h == Align::right) dx = -e.x_advance;
  if (v == VAlign::top) dy = fe.ascent;
  if (v == VAlign::middle) dy = (fe.ascent - fe.descent) / 2;
  if (v == VAlign::bottom) dy = -fe.descent;
  cairo_save(cr_);
  cairo_translate(cr_, x, y);
  cairo_rotate(cr_, angle);
  cairo_move_to(cr_, dx, dy);
  color(c);
  cairo_show_text(cr_, str.c_str());
  cairo_restore(cr_);
}

std::vector<double> nice_ticks(double lo, double hi, int target) {
  std::vector<double> ticks;
  if (!(hi > lo) || !std::isfinite(lo) || !std::isfinite(hi) || target < 1) return ticks;
  const double raw = (hi - lo) / target;
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  double step = mag;
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    step = m * mag;
    if (step >= raw) break;
  }
  const double first = std::ceil(lo / step - 1e-9) * step;
  for (double t = first; t <= hi + step * 1e-9; t += step) {
    ticks.push_back(std::abs(t) < step * 1e-9 ? 0.0 : t);
    if (ticks.size() > 100) break;
  }
  return ticks;
}

namespace {

bool plain(double v) { return v == 0 || (std::abs(v) >= 1e-3 && std::abs(v) < 1e5); }

// v in the plain form: 4 significant digits, no exponent, no trailing zeros.
std::string plain_label(double v) {
  char buf[48];
  if (std::abs(v) >= 1e4)
    std::snprintf(buf, sizeof buf, "%.0f", v);
  else
    std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}

// v as mantissa and exponent: "1e-5", "2.5e-4", "-3e6", "1e0".
std::string exponent_label(double v) {
  int e = static_cast<int>(std::floor(std::log10(std::abs(v))));
  double m = v / std::pow(10.0, e);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%.4g", m);
  if (std::abs(std::strtod(buf, nullptr)) >= 10) {  // 9.99995 rounds up to 10
    ++e;
    m = v / std::pow(10.0, e);
    std::snprintf(buf, sizeof buf, "%.4g", m);
  }
  return std::string(buf) + "e" + std::to_string(e);
}

std::string label(double v, bool exponent) {
  if (v == 0) return "0";
  return exponent ? exponent_label(v) : plain_label(v);
}

}  // namespace

std::string tick_label(double v) { return label(v, !plain(v)); }

std::vector<std::string> tick_labels(const std::vector<double>& values) {
  const bool exponent = !std::all_of(values.begin(), values.end(), plain);
  std::vector<std::string> out;
  for (double v : values) out.push_back(label(v, exponent));
  return out;
}

ChartAxis linear_axis(double lo, double hi, int target, bool whole) {
  if (hi == lo) {
    const double pad = whole ? 0.5 : (lo == 0 ? 0.5 : 0.05 * std::abs(lo));
    lo -= pad;
    hi += pad;
  }
  ChartAxis a{lo, hi, false, {}, {}};
  // 1-2-5 steps can leave far fewer ticks than asked (3 for 8 over 0.6 to 2.3): then twice as
  // many are asked for.
  for (int want : {target, 2 * target}) {
    a.ticks.clear();
    for (double t : nice_ticks(lo, hi, want)) {
      if (t < lo - 1e-9 * (hi - lo) || t > hi + 1e-9 * (hi - lo)) continue;
      if (!whole)
        a.ticks.push_back(t);
      else if (std::abs(t - std::round(t)) < 1e-9 * (hi - lo))
        a.ticks.push_back(std::round(t));
    }
    if (2 * a.ticks.size() > static_cast<std::size_t>(target) || whole) break;
  }
  a.labels = tick_labels(a.ticks);
  return a;
}

ChartAxis log_axis(double lo, double hi) {
  const double pad = 0.04 * (hi - lo);
  ChartAxis a{lo - pad, hi + pad, true, {}, {}};
  if (a.hi - a.lo <= 2.5) {
    // Few decades: 1, 2 and 5 times each power of ten inside.
    for (int e = static_cast<int>(std::floor(a.lo)); e <= static_cast<int>(std::ceil(a.hi)); ++e)
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, e);
        if (std::log10(v) >= a.lo && std::log10(v) <= a.hi) a.ticks.push_back(v);
      }
  } else {
    for (int e :
         decade_ticks(static_cast<int>(std::ceil(a.lo)), static_cast<int>(std::floor(a.hi)), 9))
      a.ticks.push_back(std::pow(10.0, e));
  }
  a.labels = tick_labels(a.ticks);
  return a;
}

std::vector<int> decade_ticks(int lo, int hi, int target) {
  std::vector<int> out;
  if (hi < lo) return out;
  const int span = hi - lo;
  int every = 1;
  for (int e : {1, 2, 5, 10, 20, 25, 50, 100}) {
    every = e;
    if (span / e + 1 <= target) break;
  }
  const int first = static_cast<int>(std::ceil(static_cast<double>(lo) / every)) * every;
  for (int k = first; k <= hi; k += every) out.push_back(k);
  return out;
}

std::string decade_label(int k) { return tick_label(std::pow(10.0, k)); }

LegendColumns LegendColumns::of(std::size_t n, std::size_t max_rows) {
  LegendColumns c;
  c.rows = std::max<std::size_t>(1, std::min(n, max_rows));
  c.cols = std::max<std::size_t>(1, (n + c.rows - 1) / c.rows);
  return c;
}

std::vector<std::size_t> thin_path(const std::vector<Pixel>& points) {
  return thin_path(points.size(), [&](std::size_t i, std::size_t j) {
    return std::hypot(points[j].x - points[i].x, points[j].y - points[i].y) >= 0.25;
  });
}

void stroke_polyline(cairo_t* cr, const std::vector<Pixel>& points) {
  if (points.empty()) return;
  cairo_move_to(cr, points[0].x, points[0].y);
  for (std::size_t k = 1; k < points.size(); ++k) {
    cairo_line_to(cr, points[k].x, points[k].y);
    if (k % kStrokePiece == 0 && k + 1 < points.size()) {
      cairo_stroke(cr);
      cairo_move_to(cr, points[k].x, points[k].y);
    }
  }
  cairo_stroke(cr);
}

namespace {

// The chart's legend: labels 22 pixels apart from 10 below the top of an area `height` - 140
// high, each after a 36-pixel sample of its line, columns 24 apart.
constexpr double kRowH = 22, kSampleW = 36, kColumnGap = 24;

std::size_t chart_legend_rows(double area_h) {
  return static_cast<std::size_t>(std::max(0.0, std::floor((area_h - 10) / kRowH))) + 1;
}

double widest_label(const Canvas& c, const std::vector<std::string>& labels) {
  double w = 0;
  for (const std::string& l : labels) w = std::max(w, c.text_width(l, 13));
  return w;
}

}  // namespace

ChartArea ChartArea::fit(const Canvas& c, int width, int height,
                         const std::vector<std::string>& labels) {
  ChartArea a;
  a.x = 90;
  a.y = 60;
  a.h = height - 140.0;
  a.label_w = widest_label(c, labels);
  a.columns = LegendColumns::of(labels.size(), chart_legend_rows(a.h));
  const double extra =
      static_cast<double>(a.columns.cols - 1) * (kSampleW + a.label_w + kColumnGap);
  a.w = width - a.x - a.label_w - 90 - extra;
  return a;
}

int ChartArea::width_for(int width, int height, const std::vector<std::string>& labels) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t* cr = cairo_create(s);
  const double label_w = widest_label(Canvas(cr), labels);
  cairo_destroy(cr);
  cairo_surface_destroy(s);
  const LegendColumns columns = LegendColumns::of(labels.size(), chart_legend_rows(height - 140.0));
  // The plot's width in fit() for one column of the legend (x = 90, 90 right of the labels).
  const double plot_w = static_cast<double>(width) - 180 - label_w;
  return width + static_cast<int>(std::ceil(static_cast<double>(columns.cols - 1) *
                                                (kSampleW + label_w + kColumnGap) +
                                            std::max(0.0, kMinPlotW - plot_w)));
}

void ChartArea::x_tick(const Canvas& c, double at, const std::string& label) const {
  c.color(kGrid);
  c.line(at, y, at, y + h, 0.8);
  c.color(kText);
  c.line(at, y + h, at, y + h + 5, 1.0);
  c.text(at, y + h + 8, label, 13, Align::center, VAlign::top);
}

void ChartArea::y_tick(const Canvas& c, double at, const std::string& label) const {
  c.color(kGrid);
  c.line(x, at, x + w, at, 0.8);
  c.color(kText);
  c.line(x - 5, at, x, at, 1.0);
  c.text(x - 8, at, label, 13, Align::right, VAlign::middle);
}

void ChartArea::frame(const Canvas& c, const std::string& x_label, const std::string& y_label,
                      const std::string& title, const std::string& subtitle) const {
  c.stroke_rect(x, y, w, h, kText, 1.0);
  c.text(x + w / 2, y + h + 34, x_label, 15, Align::center, VAlign::top);
  c.text(x - 66, y + h / 2, y_label, 15, Align::center, VAlign::middle, false,
         -std::numbers::pi / 2);
  c.text(x, 30, title, 17, Align::left, VAlign::baseline, true);
  if (!subtitle.empty())
    c.text(x + c.text_width(title, 17, true) + 16, 30, subtitle, 13, Align::left, VAlign::baseline,
           false, 0, Rgb{0.35, 0.35, 0.35});
}

void ChartArea::legend(const Canvas& c, const std::vector<std::string>& labels,
                       const std::function<bool(std::size_t)>& dashed,
                       const std::function<std::size_t(std::size_t)>& color) const {
  for (std::size_t k = 0; k < labels.size(); ++k) {
    const double lx =
        x + w + 24 + static_cast<double>(columns.col(k)) * (kSampleW + label_w + kColumnGap);
    const double ly = y + 10 + static_cast<double>(columns.row(k)) * kRowH;
    c.color(hex(path_color(color ? color(k) : k)));
    if (dashed && dashed(k)) {
      for (double at = 0; at < 28; at += 11)
        c.line(lx + at, ly, lx + std::min(at + 7, 28.0), ly, 2.5);
    } else {
      c.line(lx, ly, lx + 28, ly, 2.5);
    }
    c.text(lx + kSampleW, ly, labels[k], 13, Align::left, VAlign::middle);
  }
}

}  // namespace descent::plot::detail
