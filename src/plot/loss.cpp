// The loss figure: the loss of every path against the step, on a log scale, with a cross where a
// diverged run ended.
#include "plot/loss.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

namespace descent::plot::detail {

namespace {

// What the figure plots, and its scales: the loss if all of it is > 0, else loss - min when the
// minimum is known; a log scale when some plotted value is > 0.
struct LossScale {
  double base = 0;
  const char* ylabel = "loss";
  bool log_scale = false;
  bool any_nonpositive = false;
  double ylo = -1, yhi = 1;  ///< in plotted units: log10 for log scale
  double xhi = 1;            ///< the last step (at least 1)
};

LossScale loss_scale(const Scene& scene) {
  LossScale s;
  const Objective* f = scene.function;
  bool all_positive = true;
  double max_step = 0;
  for (const Path& p : scene.paths) {
    for (double l : p.trajectory.loss) all_positive = all_positive && l > 0;
    max_step = std::max(max_step, static_cast<double>(p.trajectory.steps.back()));
  }
  if (!all_positive && f && f->minimum()) {
    s.base = *f->minimum();
    s.ylabel = "loss - min";
  }
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (const Path& p : scene.paths)
    for (double l : p.trajectory.loss) {
      const double v = l - s.base;
      if (v > 0) {
        lo = std::min(lo, v);
        hi = std::max(hi, v);
      } else {
        s.any_nonpositive = true;
      }
    }
  s.log_scale = std::isfinite(lo);
  if (s.log_scale) {
    s.ylo = std::floor(std::log10(lo));
    s.yhi = std::ceil(std::log10(hi));
    if (s.ylo == s.yhi) s.yhi = s.ylo + 1;
  }
  s.xhi = std::max(1.0, max_step);
  return s;
}

// Screen positions of steps and plotted values in the chart's area.
struct LossAxes {
  const ChartArea& area;
  const LossScale& s;
  double x(double step) const { return area.x + step / s.xhi * area.w; }
  double y(double v) const {
    const double u = s.log_scale ? (v > 0 ? std::log10(v) : s.ylo) : v;
    return area.y + area.h - (u - s.ylo) / (s.yhi - s.ylo) * area.h;
  }
};

// Every path's loss as a line, clipped to the area.
void draw_curves(Canvas& c, const Scene& scene, const LossAxes& to) {
  const ChartArea& area = to.area;
  cairo_t* cr = c.cr();
  cairo_save(cr);
  c.rect(area.x - 4, area.y - 1, area.w + 8, area.h + 2);  // room for a dot at either end
  cairo_clip(cr);
  for (std::size_t i = 0; i < scene.paths.size(); ++i) {
    const Trajectory& t = scene.paths[i].trajectory;
    std::vector<Pixel> at(t.size());
    for (std::size_t k = 0; k < t.size(); ++k)
      at[k] = {to.x(static_cast<double>(t.steps[k])), to.y(t.loss[k] - to.s.base)};
    std::vector<Pixel> drawn;
    for (std::size_t k : thin_path(at)) drawn.push_back(at[k]);
    // One stroke: its steps increase, so the line never crosses itself and Cairo's time is
    // linear in its points (pieces would show their joints, with no dots to cover them).
    c.color(hex(path_color(i)));
    cairo_set_line_width(cr, 2.0);
    const double dash[] = {7.0, 4.0};
    cairo_set_dash(cr, dash, path_dashed(i) ? 2 : 0, 0.0);
    for (std::size_t k = 0; k < drawn.size(); ++k)
      (k == 0 ? cairo_move_to : cairo_line_to)(cr, drawn[k].x, drawn[k].y);
    cairo_stroke(cr);
    // A run of one row (`--steps 0`: the start alone) has no line to draw: a dot shows it.
    if (t.size() == 1) c.dot(drawn[0].x, drawn[0].y, 4.0, hex(path_color(i)), 1.0);
  }
  cairo_restore(cr);
}

// Diverged runs end with a cross at their last finite value.
void mark_diverged(Canvas& c, const Scene& scene, const LossAxes& to) {
  for (std::size_t i = 0; i < scene.paths.size(); ++i) {
    const Path& p = scene.paths[i];
    if (!p.diverged) continue;
    const Trajectory& t = p.trajectory;
    const double x = to.x(static_cast<double>(t.steps.back())), y = to.y(t.loss.back() - to.s.base);
    c.cross(x, y, 7, hex(path_color(i)), 2.8);
    c.text(x + 9, y - 6, "diverged", 12, Align::left, VAlign::bottom, false, 0, hex(path_color(i)));
  }
}

std::vector<std::string> labels_of(const Scene& scene) {
  std::vector<std::string> labels;
  for (const Path& p : scene.paths) labels.push_back(p.label);
  return labels;
}

}  // namespace

int loss_width(const Scene& scene) {
  return ChartArea::width_for(kLossWidth, kLossHeight, labels_of(scene));
}

void draw_loss(Canvas& c, const Scene& scene, int width, int height) {
  c.fill_rect(0, 0, width, height, kWhite);
  const std::vector<std::string> labels = labels_of(scene);
  const ChartArea area = ChartArea::fit(c, width, height, labels);
  const LossScale s = loss_scale(scene);
  const LossAxes to{area, s};

  // Frame, grid and ticks: steps are whole numbers.
  const ChartAxis steps = linear_axis(0, s.xhi, 8, true);
  for (std::size_t i = 0; i < steps.ticks.size(); ++i)
    area.x_tick(c, to.x(steps.ticks[i]), steps.labels[i]);
  if (s.log_scale) {
    std::vector<double> decades;
    for (int e : decade_ticks(static_cast<int>(s.ylo), static_cast<int>(s.yhi), 9))
      decades.push_back(std::pow(10.0, e));
    const std::vector<std::string> decade_labels = tick_labels(decades);
    for (std::size_t i = 0; i < decades.size(); ++i)
      area.y_tick(c, to.y(decades[i]), decade_labels[i]);
  }
  const Objective* f = scene.function;
  area.frame(c, "step", s.ylabel, "Loss per step", f ? "f(w) = " + f->formula() : "");

  draw_curves(c, scene, to);
  mark_diverged(c, scene, to);
  area.legend(c, labels, path_dashed);
  if (s.any_nonpositive && s.log_scale)
    c.text(area.x + 8, area.y + area.h - 10,
           std::string(s.ylabel) + " <= 0 is drawn at the bottom edge", 12, Align::left,
           VAlign::baseline, false, 0, Rgb{0.35, 0.35, 0.35});
}

}  // namespace descent::plot::detail
