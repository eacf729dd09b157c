#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "descent/atomic_file.hpp"
#include "descent/error.hpp"
#include "descent/plot.hpp"
#include "plot/canvas.hpp"

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

void draw_chart(Canvas& c, const LineChart& chart) {
  c.fill_rect(0, 0, kWidth, kHeight, detail::kWhite);
  double legend_w = 0;
  for (const Series& s : chart.series) legend_w = std::max(legend_w, c.text_width(s.label, 13));
  const double px = 90, py = 60, ph = kHeight - 140.0, pw = kWidth - px - legend_w - 90;
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
  const auto X = [&](double x) { return px + (x - xlo) / (xhi - xlo) * pw; };
  const auto Y = [&](double y) {
    const double u = chart.log_y ? std::log10(y) : y;
    return py + ph - (u - ylo) / (yhi - ylo) * ph;
  };
  for (double t : detail::nice_ticks(xlo, xhi, 8)) {
    if (t < xlo - 1e-9 || t > xhi + 1e-9) continue;
    const double x = X(t);
    c.color(detail::kGrid);
    c.line(x, py, x, py + ph, 0.8);
    c.color(detail::kText);
    c.line(x, py + ph, x, py + ph + 5, 1.0);
    c.text(x, py + ph + 8, detail::tick_label(t), 13, Align::center, VAlign::top);
  }
  const auto ytick = [&](double y, const std::string& label) {
    const double py_ = Y(y);
    c.color(detail::kGrid);
    c.line(px, py_, px + pw, py_, 0.8);
    c.color(detail::kText);
    c.line(px - 5, py_, px, py_, 1.0);
    c.text(px - 8, py_, label, 13, Align::right, VAlign::middle);
  };
  if (chart.log_y && yhi - ylo <= 2) {
    // Few decades: 1, 2 and 5 times each power of ten.
    for (int e = static_cast<int>(ylo); e <= static_cast<int>(yhi); ++e)
      for (double m : {1.0, 2.0, 5.0}) {
        const double v = m * std::pow(10.0, e);
        if (std::log10(v) <= yhi + 1e-9) ytick(v, detail::tick_label(v));
      }
  } else if (chart.log_y) {
    for (int e : detail::decade_ticks(static_cast<int>(ylo), static_cast<int>(yhi), 9))
      ytick(std::pow(10.0, e), detail::decade_label(e));
  } else {
    for (double t : detail::nice_ticks(ylo, yhi, 8))
      if (t >= ylo && t <= yhi) ytick(t, detail::tick_label(t));
  }
  c.stroke_rect(px, py, pw, ph, detail::kText, 1.0);
  c.text(px + pw / 2, py + ph + 34, chart.x_label, 15, Align::center, VAlign::top);
  c.text(px - 66, py + ph / 2, chart.y_label, 15, Align::center, VAlign::middle, false,
         -std::numbers::pi / 2);
  c.text(px, 30, chart.title, 17, Align::left, VAlign::baseline, true);
  if (!chart.subtitle.empty())
    c.text(px + c.text_width(chart.title, 17, true) + 16, 30, chart.subtitle, 13, Align::left,
           VAlign::baseline, false, 0, detail::Rgb{0.35, 0.35, 0.35});
  cairo_t* cr = c.cr();
  cairo_save(cr);
  c.rect(px, py - 1, pw, ph + 2);
  cairo_clip(cr);
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    const Series& s = chart.series[k];
    const detail::Rgb col = detail::hex(path_color(k));
    c.color(col);
    cairo_set_line_width(cr, 2.0);
    bool open = false;
    for (std::size_t i = 0; i < s.xs.size(); ++i) {
      if (!std::isfinite(s.xs[i]) || !usable(chart, s.ys[i])) {
        open = false;
        continue;
      }
      const double x = X(s.xs[i]), y = Y(s.ys[i]);
      if (open)
        cairo_line_to(cr, x, y);
      else
        cairo_move_to(cr, x, y);
      open = true;
    }
    cairo_stroke(cr);
    // A dot on every point: curves of a few epochs read better with their samples marked.
    for (std::size_t i = 0; i < s.xs.size(); ++i)
      if (std::isfinite(s.xs[i]) && usable(chart, s.ys[i]))
        c.dot(X(s.xs[i]), Y(s.ys[i]), 3.0, col, 1.0);
  }
  cairo_restore(cr);
  double ly = py + 10;
  const double lx = px + pw + 24;
  for (std::size_t k = 0; k < chart.series.size(); ++k) {
    c.color(detail::hex(path_color(k)));
    c.line(lx, ly, lx + 28, ly, 2.5);
    c.text(lx + 36, ly, chart.series[k].label, 13, Align::left, VAlign::middle);
    ly += 22;
  }
}

}  // namespace

std::string render_line_chart(const LineChart& chart, Format format) {
  check(chart);
  return detail::render_to_bytes(format, kWidth, kHeight, [&](Canvas& c) { draw_chart(c, chart); });
}

void draw_line_chart(const LineChart& chart, const std::filesystem::path& path, Format format) {
  write_file_atomically(path, render_line_chart(chart, format));
}

}  // namespace descent::plot
