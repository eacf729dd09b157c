// The figure kinds of a scene: which layout and drawing each kind is, its bytes in the asked
// format, and its file; the figures' sizes and where a point lands, for the tests.
#include <cstdint>
#include <limits>
#include <stdexcept>

#include "descent/distributed.hpp"
#include "descent/plot/figures.hpp"
#include "plot/contour.hpp"
#include "plot/inspect.hpp"
#include "plot/loss.hpp"
#include "plot/output.hpp"
#include "plot/scene.hpp"
#include "plot/surface3d.hpp"
#include "util/atomic_file.hpp"

namespace descent::plot {

using namespace detail;

namespace {

std::string render_raw(Kind kind, const Scene& scene, Format format) {
  switch (kind) {
    case Kind::surface3d: {
      const auto L = surface3d_layout(scene);
      return render_to_bytes(format, L.width, L.height,
                             [&](Canvas& c) { draw_surface3d(c, scene, L); });
    }
    case Kind::contour: {
      const auto L = contour_layout(scene);
      return render_to_bytes(format, L.width, L.height, [&](Canvas& c) {
        draw_contour_frame(c, scene, L);
        draw_contour_paths(c, scene, L, std::numeric_limits<std::uint64_t>::max());
      });
    }
    case Kind::loss: {
      const int width = loss_width(scene);
      return render_to_bytes(format, width, kLossHeight,
                             [&](Canvas& c) { draw_loss(c, scene, width, kLossHeight); });
    }
    case Kind::animation:
      return render_gif(scene);
  }
  return {};
}

}  // namespace

std::string render(Kind kind, const Scene& scene, Format format) {
  check_scene(kind, scene);
  std::string bytes = render_raw(kind, scene, format);
  if (format == Format::svg && kind != Kind::animation)
    bytes = with_svg_description(renumber_svg_ids(bytes), kind, scene);
  return bytes;
}

void draw(Kind kind, const Scene& scene, const std::filesystem::path& path, Format format) {
  if (is_root()) write_file_atomically(path, render(kind, scene, format));
}

Pixel surface3d_pixel(const Scene& scene, std::size_t panel, double w1, double w2, double loss) {
  check_scene(Kind::surface3d, scene);
  if (panel >= scene.paths.size()) throw std::out_of_range("surface3d_pixel: no such panel");
  return panel_projector(scene, panel).screen(w1, w2, loss);
}

Size figure_size(Kind kind, const Scene& scene) {
  check_scene(kind, scene);
  switch (kind) {
    case Kind::surface3d: {
      const auto L = surface3d_layout(scene);
      return {L.width, L.height};
    }
    case Kind::contour:
    case Kind::animation: {
      const auto L = contour_layout(scene);
      return {L.width, L.height};
    }
    case Kind::loss:
      return {loss_width(scene), kLossHeight};
  }
  return {};
}

}  // namespace descent::plot
