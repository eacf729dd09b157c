#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "descent/error.hpp"
#include "descent/plot/figures.hpp"
#include "plot/canvas.hpp"
#include "plot/output.hpp"
#include "util/atomic_file.hpp"

namespace descent::plot {
namespace {

using detail::Align;
using detail::Canvas;
using detail::VAlign;

constexpr int kWidth = 1000, kHeight = 600;

bool usable(const LineChart& c, double y) { return std::isfinite(y) && (!c.log_y || y > 0); }

void check(const LineChart& c) {
  if (c.series.empty()) throw InputError("line chart '" + c.title + "': no series to draw");
  bool any = false;
  for (const Series& s : c.series) {
    if (s.xs.size() != s.ys.size())
      throw InputError("line chart '" + c.title + "': series '" + s.label + "' has " +
                       std::to_string(s.xs.size()) + " x values but " +
                       std::to_string(s.ys.size()) + " y values");
    for (std::size_t i = 0; i < s.xs.size(); ++i)
      any = any || (std::isfinite(s.xs[i]) && usable(c, s.ys[i]));
  }
  if (!any)
    throw InputError("line chart '" + c.title + "': no " + (c.log_y ? "positive" : "finite") +
                     " point to draw");
}

// The data's ranges, in plotted units (log10 on a log y axis): y padded by 5% on a linear
// axis, widened to whole decades on a log one.
struct Ranges {
  double xlo, xhi, ylo, yhi;
};

Ranges ranges(const LineChart& chart) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const Series& s : chart.series)
    for (std::size_t i = 0; i < s.xs.size(); ++i) {
      if (!std::isfinite(s.xs[i]) || !usable(chart, s.ys[i])) continue;
      const double y = chart.log_y ? std::log10(s.ys[i]) : s.ys[i];
      xlo = std::min(xlo, s.xs[i]);
      xhi = std::max(xhi, s.xs[i]);
      ylo = std::min(ylo, y);
      yhi = std::max(yhi, y);
    }
  if (xhi == xlo) xhi = xlo + 1;
  if (chart.log_y) {
    ylo = std::floor(ylo);
    yhi = std::ceil(yhi);
    if (yhi == ylo) yhi = ylo + 1;
  } else {
    const double pad = yhi > ylo ? 0.05 * (yhi - ylo) : 0.5;
    ylo -= pad;
    yhi += pad;
  }
  return {xlo, xhi, ylo, yhi};
}

// Screen positions of data points in the chart's area.
struct Axes {
  const detail::ChartArea& area;
  const Ranges& r;
  bool log_y;
  double x(double v) const { return area.x + (v - r.xlo) / (r.xhi - r.xlo) * area.w; }
  double y(double v) const {
    const double u = log_y ? std::log10(v) : v;
    return area.y + area.h - (u - r.ylo) / (r.yhi - r.ylo) * area.h;
  }
};

void draw_ticks(Canvas& c, const Axes& to) {
  const Ranges& r = to.r;
  for (double t : detail::nice_ticks(r.xlo, r.xhi, 8))
    if (t >= r.xlo - 1e-9 && t <= r.xhi + 1e-9) to.area.x_tick(c, to.x(t), detail::tick_label(t));
  const auto ytick = [&](double v, const std::string& label) { to.area.y_tick(c, to.y(v), label); };
  if (to.log_y && r.yhi - r.ylo <= 2) {
    // Few decades: 1, 2 and 5 times each power of ten.
    for (int e = static_cast<int>(r.ylo); e <= static_cast<int>(r.yhi); ++e)
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, e);
        if (std::log10(v) <= r.yhi + 1e-9) ytick(v, detail::tick_label(v));
      }
  } else if (to.log_y) {
    for (int e : detail::decade_ticks(static_cast<int>(r.ylo), static_cast<int>(r.yhi), 9))
      ytick(std::pow(10.0, e), detail::decade_label(e));
  } else {
    for (double t : detail::nice_ticks(r.ylo, r.yhi, 8))
      if (t >= r.ylo && t <= r.yhi) ytick(t, detail::tick_label(t));
  }
}

// One series: its line, broken where a point cannot be drawn, and a dot on every point (curves
// of a few epochs read better with their samples marked).
void draw_series(Canvas& c, const LineChart& chart, const Series& s, detail::Rgb col,
                 const Axes& to) {
  cairo_t* cr = c.cr();
  c.color(col);
  cairo_set_line_width(cr, 2.0);
  bool open = false;
  for (std::size_t i = 0; i < s.xs.size(); ++i) {
    if (!std::isfinite(s.xs[i]) || !usable(chart, s.ys[i])) {
      open = false;
      continue;
    }
    const double x = to.x(s.xs[i]), y = to.y(s.ys[i]);
    if (open)
      cairo_line_to(cr, x, y);
    else
      cairo_move_to(cr, x, y);
    open = true;
  }
  cairo_stroke(cr);
  for (std::size_t i = 0; i < s.xs.size(); ++i)
    if (std::isfinite(s.xs[i]) && usable(chart, s.ys[i]))
      c.dot(to.x(s.xs[i]), to.y(s.ys[i]), 3.0, col, 1.0);
}

std::vector<std::string> labels_of(const LineChart& chart) {
  std::vector<std::string> labels;
  for (const Series& s : chart.series) labels.push_back(s.label);
  return labels;
}

void draw_chart(Canvas& c, const LineChart& chart, int width) {
  c.fill_rect(0, 0, width, kHeight, detail::kWhite);
  const std::vector<std::string> labels = labels_of(chart);
  const detail::ChartArea area = detail::ChartArea::fit(c, width, kHeight, labels);
  const Ranges r = ranges(chart);
  const Axes to{area, r, chart.log_y};
  draw_ticks(c, to);
  area.frame(c, chart.x_label, chart.y_label, chart.title, chart.subtitle);
  cairo_t* cr = c.cr();
  cairo_save(cr);
  c.rect(area.x, area.y - 1, area.w, area.h + 2);
  cairo_clip(cr);
  for (std::size_t k = 0; k < chart.series.size(); ++k)
    draw_series(c, chart, chart.series[k], detail::hex(detail::path_color(k)), to);
  cairo_restore(cr);
  area.legend(c, labels);
}

}  // namespace

std::string render_line_chart(const LineChart& chart, Format format) {
  check(chart);
  const int width = detail::ChartArea::width_for(kWidth, kHeight, labels_of(chart));
  return detail::render_to_bytes(format, width, kHeight,
                                 [&](Canvas& c) { draw_chart(c, chart, width); });
}

void draw_line_chart(const LineChart& chart, const std::filesystem::path& path, Format format) {
  write_file_atomically(path, render_line_chart(chart, format));
}

}  // namespace descent::plot
