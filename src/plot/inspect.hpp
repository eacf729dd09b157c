// Private: what the tests ask of a figure without decoding it: its size, where a data point
// lands, and the colour a path is drawn in.
#pragma once

#include <cstddef>

#include "descent/plot/figures.hpp"
#include "plot/canvas.hpp"

namespace descent::plot {

using detail::path_color;
using detail::Pixel;

/// Pixel size of a figure kind for a scene (the PNG's width and height; points for SVG and PDF).
struct Size {
  int width = 0;
  int height = 0;
};
Size figure_size(Kind kind, const Scene& scene);

/// Where the point (w1, w2, loss) of panel `panel` lands in the surface3d figure.
Pixel surface3d_pixel(const Scene& scene, std::size_t panel, double w1, double w2, double loss);

/// The x axis (y false) or the y axis (y true) a line chart is drawn with.
detail::ChartAxis line_chart_axis(const LineChart& chart, bool y);

/// Where the data point (x, y) lands in the heatmap; for a 1-D sweep, drawn as a line chart,
/// where the metric value y at x lands.
Pixel heatmap_pixel(const Heatmap& h, double x, double y);
/// The metric's axis of a 1-D sweep's chart.
detail::ChartAxis heatmap_value_axis(const Heatmap& h);

}  // namespace descent::plot
