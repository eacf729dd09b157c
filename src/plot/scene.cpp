// The scene every figure starts from: the names of formats and kinds, the check that a kind can
// draw a scene, the region the maps show, and the width of a text before anything is drawn.
#include "plot/scene.hpp"

#include <algorithm>
#include <string>

#include "descent/error.hpp"
#include "plot/canvas.hpp"

namespace descent::plot {

Format parse_format(std::string_view name) {
  if (name == "png") return Format::png;
  if (name == "svg") return Format::svg;
  if (name == "pdf") return Format::pdf;
  throw InputError("unknown figure format '" + std::string(name) + "'; valid: png, svg, pdf");
}

const char* extension(Format format) {
  switch (format) {
    case Format::png:
      return ".png";
    case Format::svg:
      return ".svg";
    case Format::pdf:
      return ".pdf";
  }
  return "";
}

Kind parse_kind(std::string_view name) {
  for (Kind k : {Kind::surface3d, Kind::contour, Kind::loss, Kind::animation})
    if (name == to_string(k)) return k;
  throw InputError("unknown figure kind '" + std::string(name) +
                   "'; valid: surface3d, contour, loss, animation");
}

const char* to_string(Kind kind) {
  switch (kind) {
    case Kind::surface3d:
      return "surface3d";
    case Kind::contour:
      return "contour";
    case Kind::loss:
      return "loss";
    case Kind::animation:
      return "animation";
  }
  return "";
}

namespace detail {

void check_scene(Kind kind, const Scene& scene) {
  if (scene.paths.empty()) throw InputError("nothing to plot: no path");
  if (scene.paths.size() > kMaxPaths)
    throw InputError(std::to_string(scene.paths.size()) + " paths; a figure shows at most " +
                     std::to_string(kMaxPaths) + " (plot fewer optimizers at a time)");
  for (const Path& p : scene.paths)
    if (p.trajectory.empty()) throw InputError("nothing to plot for '" + p.label + "': no rows");
  if (kind == Kind::loss) return;
  if (!scene.function)
    throw InputError(std::string("a ") + to_string(kind) + " figure needs the function");
  if (scene.function->dim() != 2)
    throw InputError(std::string("a ") + to_string(kind) + " figure needs a 2-D function; '" +
                     scene.function->spec() + "' takes " + std::to_string(scene.function->dim()) +
                     " coordinates");
  for (const Path& p : scene.paths)
    if (p.trajectory.dim != 2)
      throw InputError("the path of '" + p.label + "' has " + std::to_string(p.trajectory.dim) +
                       " coordinates; the function takes 2");
}

View choose_view(const Objective& f, const std::vector<Path>& paths) {
  const Box b = f.bounds();
  View v{b.lower[0], b.upper[0], b.lower[1], b.upper[1], false};
  double px0 = v.x0, px1 = v.x1, py0 = v.y0, py1 = v.y1;
  bool outside = false;
  for (const Path& p : paths)
    for (std::size_t k = 0; k < p.trajectory.size(); ++k) {
      const auto w = p.trajectory.point(k);
      px0 = std::min(px0, w[0]);
      px1 = std::max(px1, w[0]);
      py0 = std::min(py0, w[1]);
      py1 = std::max(py1, w[1]);
    }
  outside = px0 < v.x0 || px1 > v.x1 || py0 < v.y0 || py1 > v.y1;
  if (!outside) return v;
  // Widen to hold the paths if that at most doubles the box (with a 5% margin); otherwise keep
  // the box and clip.
  const double wx = px1 - px0, wy = py1 - py0;
  if (wx <= 2 * (v.x1 - v.x0) && wy <= 2 * (v.y1 - v.y0)) {
    return {px0 - 0.05 * wx, px1 + 0.05 * wx, py0 - 0.05 * wy, py1 + 0.05 * wy, false};
  }
  v.clipped = true;
  return v;
}

double measure(std::string_view s, double size, bool bold) {
  cairo_surface_t* s0 = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1);
  cairo_t* cr = cairo_create(s0);
  const double w = Canvas(cr).text_width(s, size, bold);
  cairo_destroy(cr);
  cairo_surface_destroy(s0);
  return w;
}

}  // namespace detail
}  // namespace descent::plot
