// descent: figures of optimization runs, drawn with Cairo (PNG, SVG and PDF from the same drawing
// code) and giflib (animated GIF).
//
//   surface3d  one 3-D panel per optimizer, as the seed note draws them: the loss surface
//              (viridis, semi-transparent, painter's order), the path with points whose opacity
//              grows with the step, the start marked, the final point red
//   contour    every path on one contour map (log-spaced levels, colorbar, legend)
//   loss       loss against step, log scale, a marker where a diverged run ended
//   animation  the contour view as an animated GIF in which the paths grow step by step
//
// The view is the function's plotting box, widened to hold the paths when that at most doubles
// it; parts of a path outside the view are clipped and the figure says so. Path colours are the
// Okabe-Ito palette (distinguishable with the common colour-vision deficiencies). A figure shows
// at most kMaxPaths paths; legends too long for one column wrap into more, and the figure widens
// to hold them. Long paths are drawn through the points a quarter of a pixel or more apart (the
// first and the last always), which looks the same as drawing every row. Output is
// deterministic: the same input gives the same bytes (PDFs carry a fixed creation date).
// Files are written atomically, and only regular files: a path that is a folder, a device, a
// FIFO or a socket is an InputError, never replaced; a symbolic link is followed.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/objective.hpp"
#include "descent/trajectory.hpp"

namespace descent::plot {

enum class Format { png, svg, pdf };

/// "png", "svg" or "pdf"; InputError otherwise.
Format parse_format(std::string_view name);
/// The file extension with its dot: ".png", ".svg", ".pdf".
const char* extension(Format format);

/// One optimizer's path.
struct Path {
  std::string label;      ///< shown in titles and legends (a short spec)
  Trajectory trajectory;  ///< at least one row
  /// The run blew up (blew_up(): a non-finite value after its last row, or a loss far above its
  /// start's at the end): the figures end it with a cross.
  bool diverged = false;
  /// The method's own answer where it is not the path's last point (Schedule-Free's average x;
  /// RunResult::solution), or empty: the contour map draws it as a ring joined to the path's end.
  std::vector<double> solution = {};
};

/// The most paths a figure shows (the most optimizers one run races); a scene of more is an
/// InputError.
inline constexpr std::size_t kMaxPaths = 64;

/// What a figure shows.
struct Scene {
  const Objective* function = nullptr;  ///< needed by surface3d, contour and animation
  std::vector<Path> paths;
};

/// The figure kinds, by name.
enum class Kind { surface3d, contour, loss, animation };
/// "surface3d", "contour", "loss" or "animation"; InputError otherwise.
Kind parse_kind(std::string_view name);
const char* to_string(Kind kind);

/// Draws one figure kind to `path` (animation ignores `format`: it is always a GIF). Throws
/// InputError for a scene the kind cannot draw (no path or more than kMaxPaths, no function for a
/// map, an empty path, a path of another dimension than the function's, a function that is not
/// 2-D).
void draw(Kind kind, const Scene& scene, const std::filesystem::path& path, Format format);

/// The same figure as bytes (PNG, SVG or PDF; GIF for animation).
std::string render(Kind kind, const Scene& scene, Format format);

/// One line of a chart.
struct Series {
  std::string label;
  std::vector<double> xs;
  std::vector<double> ys;  ///< same length as xs; non-finite values break the line
};

/// A line chart (training curves: loss or accuracy per epoch for each optimizer).
struct LineChart {
  std::string title;
  std::string subtitle;  ///< drawn after the title in grey; may be empty
  std::string x_label;
  std::string y_label;
  bool log_y = false;          ///< log scale on y (values <= 0 are left out) when the values
                               ///< span a factor of 10 or more; a linear one over less
  std::vector<Series> series;  ///< coloured in the paths' order
  bool whole_x = false;        ///< ticks on x at whole numbers only (epochs, steps)
  bool log_x = false;          ///< log scale on x (values <= 0 are left out)
  /// Series drawn dashed (a family apart, such as the learning-rate-free methods), by index.
  std::vector<std::size_t> dashed = {};
  /// The palette colour of each series by index, so that related series can share one (a
  /// threshold drawn dashed in its run's colour); empty, or shorter than series: a series' own
  /// index.
  std::vector<std::size_t> colors = {};
};

/// Draws a line chart. Throws InputError for no series, a series whose xs and ys differ in
/// length, or no finite point at all (for log_y: no positive one).
void draw_line_chart(const LineChart& chart, const std::filesystem::path& path, Format format);
std::string render_line_chart(const LineChart& chart, Format format);

/// A point marked on a heatmap, in the axes' units.
struct HeatmapMarker {
  double x = 0;
  double y = 0;
  std::string label;
};

/// A sweep's map: one cell per grid point, coloured by its metric on viridis (a log scale when
/// every finite value is above 0 and they span more than a factor of 10), with diverged cells and
/// cells whose metric is infinite (e.g. never reached the tolerance) in two distinct colours.
/// With no ys it is a 1-D sweep, drawn as a line chart of the metric against x (its axis log when
/// a map's colours would be), the diverged and never-finished cells marked in a strip above it;
/// a marker sits on the line at its x, and the y of the boundary is the height in the chart (0
/// bottom, 1 top).
struct Heatmap {
  std::string title;
  std::string x_label, y_label, metric_label;
  std::vector<double> xs, ys;  ///< the axes' values, increasing
  bool x_log = false, y_log = false;
  std::vector<double> values;  ///< row-major, y outer: values[j * xs.size() + i]
  std::vector<bool> diverged;  ///< same layout: cells whose runs all diverged
  std::vector<HeatmapMarker> markers;
  std::vector<std::pair<double, double>> boundary;  ///< a curve (x, y) drawn over the map
  std::string boundary_label;
};

/// Draws `h` to `path`; throws InputError if its arrays do not match its axes.
void draw_heatmap(const Heatmap& h, const std::filesystem::path& path, Format format);
/// The same as bytes.
std::string render_heatmap(const Heatmap& h, Format format);

}  // namespace descent::plot
