// The loss figure: the loss of every path against the step, on a log scale, with a cross where a
// diverged run ended.
#include "plot/loss.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace descent::plot::detail {

void draw_loss(Canvas& c, const Scene& scene, int width, int height) {
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

}  // namespace descent::plot::detail
