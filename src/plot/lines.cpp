#include <algorithm>
#include <cmath>
#include <limits>
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
using detail::VAlign;

constexpr int kWidth = 1000, kHeight = 600;

bool usable(const LineChart& c, double y) { return std::isfinite(y) && (!c.log_y || y > 0); }
bool usable_x(const LineChart& c, double x) { return std::isfinite(x) && (!c.log_x || x > 0); }

void check(const LineChart& c) {
  if (c.series.empty()) throw InputError("line chart '" + c.title + "': no series to draw");
  bool any = false;
  for (const Series& s : c.series) {
    if (s.xs.size() != s.ys.size())
      throw InputError("line chart '" + c.title + "': series '" + s.label + "' has " +
                       std::to_string(s.xs.size()) + " x values but " +
                       std::to_string(s.ys.size()) + " y values");
    for (std::size_t i = 0; i < s.xs.size(); ++i)
      any = any || (usable_x(c, s.xs[i]) && usable(c, s.ys[i]));
  }
  if (!any)
    throw InputError("line chart '" + c.title + "': no " + (c.log_y ? "positive" : "finite") +
                     " point to draw");
}

// The axes of a chart: x over the data (whole-number ticks when the chart asks); y over the data
// padded by 5% on a linear axis, by 4% of the decades on a log one. A log y axis is drawn only
// when the data span a factor of 10 or more: over less, a linear one shows the curves better.
struct Ranges {
  detail::ChartAxis x, y;
};

Ranges ranges(const LineChart& chart) {
  double xlo = std::numeric_limits<double>::infinity(), xhi = -xlo, ylo = xlo, yhi = -xlo;
  for (const Series& s : chart.series)
    for (std::size_t i = 0; i < s.xs.size(); ++i) {
      if (!usable_x(chart, s.xs[i]) || !usable(chart, s.ys[i])) continue;
      xlo = std::min(xlo, s.xs[i]);
      xhi = std::max(xhi, s.xs[i]);
      ylo = std::min(ylo, s.ys[i]);
      yhi = std::max(yhi, s.ys[i]);
    }
  Ranges r{chart.log_x && xhi > xlo ? detail::log_axis(std::log10(xlo), std::log10(xhi))
                                    : detail::linear_axis(xlo, xhi, 8, chart.whole_x),
           {}};
  if (chart.log_y && yhi >= 10 * ylo) {
    r.y = detail::log_axis(std::log10(ylo), std::log10(yhi));
  } else {
    const double pad = 0.05 * (yhi - ylo);
    r.y = detail::linear_axis(ylo - pad, yhi + pad, 8, false);
  }
  return r;
}

// Screen positions of data points in the chart's area.
struct Axes {
  const detail::ChartArea& area;
  const Ranges& r;
  double x(double v) const {
    const double u = r.x.log ? std::log10(v) : v;
    return area.x + (u - r.x.lo) / (r.x.hi - r.x.lo) * area.w;
  }
  double y(double v) const {
    const double u = r.y.log ? std::log10(v) : v;
    return area.y + area.h - (u - r.y.lo) / (r.y.hi - r.y.lo) * area.h;
  }
};

void draw_ticks(Canvas& c, const Axes& to) {
  const Ranges& r = to.r;
  for (std::size_t i = 0; i < r.x.ticks.size(); ++i)
    to.area.x_tick(c, to.x(r.x.ticks[i]), r.x.labels[i]);
  for (std::size_t i = 0; i < r.y.ticks.size(); ++i)
    to.area.y_tick(c, to.y(r.y.ticks[i]), r.y.labels[i]);
}

// One series: its line, broken where a point cannot be drawn, and a dot on every point when they
// lie 6 pixels apart or more on average (curves of a few epochs read better with their samples
// marked; a curve of thousands of steps is a line).
void draw_series(Canvas& c, const LineChart& chart, const Series& s, detail::Rgb col,
                 const Axes& to, bool dashed) {
  cairo_t* cr = c.cr();
  c.color(col);
  cairo_set_line_width(cr, 2.0);
  const double dash[] = {7.0, 4.0};
  cairo_set_dash(cr, dash, dashed ? 2 : 0, 0.0);
  bool open = false;
  for (std::size_t i = 0; i < s.xs.size(); ++i) {
    if (!usable_x(chart, s.xs[i]) || !usable(chart, s.ys[i])) {
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
  cairo_set_dash(cr, dash, 0, 0.0);
  // The drawable points' span in pixels, against 6 pixels per gap.
  double lo = INFINITY, hi = -INFINITY;
  std::size_t drawn = 0;
  for (std::size_t i = 0; i < s.xs.size(); ++i)
    if (usable_x(chart, s.xs[i]) && usable(chart, s.ys[i])) {
      lo = std::min(lo, to.x(s.xs[i])), hi = std::max(hi, to.x(s.xs[i]));
      ++drawn;
    }
  if (drawn > 1 && hi - lo < 6.0 * static_cast<double>(drawn - 1)) return;
  for (std::size_t i = 0; i < s.xs.size(); ++i)
    if (usable_x(chart, s.xs[i]) && usable(chart, s.ys[i]))
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
  const Axes to{area, r};
  draw_ticks(c, to);
  area.frame(c, chart.x_label, chart.y_label, chart.title, chart.subtitle);
  cairo_t* cr = c.cr();
  cairo_save(cr);
  // Wide enough for the dots on the first and last x.
  c.rect(area.x - 4, area.y - 1, area.w + 8, area.h + 2);
  cairo_clip(cr);
  const auto color = [&](std::size_t k) { return k < chart.colors.size() ? chart.colors[k] : k; };
  for (std::size_t k = 0; k < chart.series.size(); ++k)
    draw_series(c, chart, chart.series[k], detail::hex(detail::path_color(color(k))), to,
                std::find(chart.dashed.begin(), chart.dashed.end(), k) != chart.dashed.end());
  cairo_restore(cr);
  area.legend(
      c, labels,
      [&](std::size_t k) {
        return std::find(chart.dashed.begin(), chart.dashed.end(), k) != chart.dashed.end();
      },
      color);
}

}  // namespace

std::string render_line_chart(const LineChart& chart, Format format) {
  check(chart);
  const int width = detail::ChartArea::width_for(kWidth, kHeight, labels_of(chart));
  return detail::render_to_bytes(format, width, kHeight,
                                 [&](Canvas& c) { draw_chart(c, chart, width); });
}

detail::ChartAxis line_chart_axis(const LineChart& chart, bool y) {
  check(chart);
  const Ranges r = ranges(chart);
  return y ? r.y : r.x;
}

void draw_line_chart(const LineChart& chart, const std::filesystem::path& path, Format format) {
  if (is_root()) write_file_atomically(path, render_line_chart(chart, format));
}

}  // namespace descent::plot
