// Private: drawing helpers over Cairo shared by every figure: colours, the viridis colormap,
// text, markers, tick choice, and the plot area of a chart.
#pragma once

#include <cairo.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace descent::plot::detail {

struct Rgb {
  double r = 0, g = 0, b = 0;
};

Rgb hex(unsigned rgb);
/// The colour of path i (the Okabe-Ito palette, in order), as 0xRRGGBB.
unsigned path_color(std::size_t i);
/// Whether curve i is drawn dashed: those of path_color's second round of colours (the 8th to
/// the 14th, and so on alternately), so that two curves of one colour still differ.
bool path_dashed(std::size_t i);
/// viridis at t in [0, 1] (clamped).
Rgb viridis(double t);
/// `c` mixed with white: amount 0 keeps c, 1 gives white.
Rgb lighten(Rgb c, double amount);

inline constexpr Rgb kBlack{0, 0, 0};
inline constexpr Rgb kWhite{1, 1, 1};
inline constexpr Rgb kRed{0.86, 0.08, 0.06};  ///< the seed's red final point
inline constexpr Rgb kGrid{0.85, 0.85, 0.85};
inline constexpr Rgb kText{0.12, 0.12, 0.12};

/// A point of a figure, in pixels from the top left.
struct Pixel {
  double x = 0;
  double y = 0;
};

enum class Align { left, center, right };
enum class VAlign { top, middle, baseline, bottom };

/// A thin layer over a cairo context.
class Canvas {
 public:
  explicit Canvas(cairo_t* cr) : cr_(cr) {}
  cairo_t* cr() const { return cr_; }
  void color(Rgb c, double alpha = 1.0) const;
  void line(double x0, double y0, double x1, double y1, double width) const;
  void rect(double x, double y, double w, double h) const;
  void fill_rect(double x, double y, double w, double h, Rgb c, double alpha = 1.0) const;
  void stroke_rect(double x, double y, double w, double h, Rgb c, double width) const;
  /// A filled circle with an optional outline.
  void dot(double x, double y, double radius, Rgb fill, double alpha, const Rgb* edge = nullptr,
           double edge_width = 1.0) const;
  /// An x-shaped cross.
  void cross(double x, double y, double size, Rgb c, double width) const;
  /// Text at (x, y) aligned as asked, optionally rotated by `angle` radians about (x, y).
  void text(double x, double y, std::string_view s, double size, Align h = Align::left,
            VAlign v = VAlign::baseline, bool bold = false, double angle = 0.0,
            Rgb c = kText) const;
  double text_width(std::string_view s, double size, bool bold = false) const;

 private:
  cairo_t* cr_;
};

/// About `target` tick positions in [lo, hi] at 1-2-5 multiples of a power of ten.
std::vector<double> nice_ticks(double lo, double hi, int target);
/// A tick label: 4 significant digits, no "-0", no trailing zeros; a plain decimal ("0.001",
/// "2.5", "20000") from 0.001 to below 100000 and 0, otherwise mantissa and exponent ("1e-4",
/// "2.5e6").
std::string tick_label(double v);
/// The labels of one axis or colour bar, all in one form: plain decimals when tick_label writes
/// every value so, else every value with mantissa and exponent ("1e-4", "1e-3", "1e0").
std::vector<std::string> tick_labels(const std::vector<double>& values);
/// Decade exponents to label on a log axis from 10^lo to 10^hi (lo, hi integers), at most
/// `target` of them.
std::vector<int> decade_ticks(int lo, int hi, int target);
/// tick_label of 10^k.
std::string decade_label(int k);

/// An axis of a chart: its range in plotted units (log10 of the value on a log axis), its ticks
/// (values) and their labels.
struct ChartAxis {
  double lo = 0, hi = 1;
  bool log = false;
  std::vector<double> ticks;
  std::vector<std::string> labels;
};
/// A linear axis over [lo, hi] with about `target` ticks at 1-2-5 steps, whole numbers only if
/// `whole`; a range of one value is widened around it.
ChartAxis linear_axis(double lo, double hi, int target, bool whole);
/// A log axis over the data's [lo, hi] (in log10 units, lo < hi) padded by 4%: ticks at 1, 2
/// and 5 times each power of ten inside it over at most 2.5 decades, at decades over more.
ChartAxis log_axis(double lo, double hi);

/// Legend entries `row_h` pixels apart in columns no taller than a height, filled one column
/// after the other.
struct LegendColumns {
  std::size_t rows = 1;  ///< entries per column
  std::size_t cols = 1;
  /// The columns of `n` entries when at most `max_rows` fit in one (at least one does).
  static LegendColumns of(std::size_t n, std::size_t max_rows);
  std::size_t col(std::size_t i) const { return i / rows; }
  std::size_t row(std::size_t i) const { return i % rows; }
};

/// The points of a path worth drawing, by index: the first, each point at least a quarter of a
/// pixel from the last one kept, and the last. A point left out is closer than that to one that
/// is drawn, so lines and dots through the kept points look the same as through all of them.
/// `far(i, j)` says whether point j is a quarter of a pixel or more from point i (i < j). The
/// kept points of a path's first k points are its kept points below k and point k - 1.
template <class Far>
std::vector<std::size_t> thin_path(std::size_t n, const Far& far) {
  std::vector<std::size_t> kept;
  for (std::size_t j = 0; j < n; ++j)
    if (kept.empty() || j + 1 == n || far(kept.back(), j)) kept.push_back(j);
  return kept;
}
/// thin_path over pixels.
std::vector<std::size_t> thin_path(const std::vector<Pixel>& points);

/// How many segments one stroke of a path on a map holds at most. Cairo's time for one stroke
/// grows with the square of its self-crossings: a path that circles a minimum ten thousand times,
/// drawn as one stroke, takes seconds; drawn in pieces, milliseconds. (The maps draw a dot on
/// every point, which covers the joints between pieces.)
inline constexpr std::size_t kStrokePiece = 128;

/// Strokes the polyline through `points` with the current source and line width, in pieces of at
/// most kStrokePiece segments.
void stroke_polyline(cairo_t* cr, const std::vector<Pixel>& points);

/// The plot area of a chart of curves (the loss per step, a training log): a frame with grid
/// lines and ticks, axis labels, a title with an optional grey subtitle, and the legend of the
/// curves (one colour per curve, path_color order) to its right, in as many columns as its
/// height needs.
struct ChartArea {
  double x = 0, y = 0, w = 0, h = 0;
  double label_w = 0;     ///< the widest legend label
  LegendColumns columns;  ///< of the legend
  /// The area of a width x height figure whose legend lists `labels`.
  static ChartArea fit(const Canvas& c, int width, int height,
                       const std::vector<std::string>& labels);
  /// The least width of the plot itself: long legend labels widen the figure instead.
  static constexpr double kMinPlotW = 560;
  /// The width of a chart figure `width` wide for a legend of one column: wider by the legend's
  /// further columns, and by what long labels would take from a plot narrower than kMinPlotW.
  static int width_for(int width, int height, const std::vector<std::string>& labels);
  /// A vertical grid line at pixel column `at`, its tick and its label below the frame.
  void x_tick(const Canvas& c, double at, const std::string& label) const;
  /// A horizontal grid line at pixel row `at`, its tick and its label left of the frame.
  void y_tick(const Canvas& c, double at, const std::string& label) const;
  /// The frame, the axis labels, the title and the subtitle (if not empty).
  void frame(const Canvas& c, const std::string& x_label, const std::string& y_label,
             const std::string& title, const std::string& subtitle) const;
  /// The legend; entry k's sample is dashed when dashed(k) says so, and drawn in the palette's
  /// colour color(k) (k when color is empty).
  void legend(const Canvas& c, const std::vector<std::string>& labels,
              const std::function<bool(std::size_t)>& dashed = {},
              const std::function<std::size_t(std::size_t)>& color = {}) const;
};

}  // namespace descent::plot::detail
