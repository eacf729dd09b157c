// The animation: the contour map drawn once, the paths drawn on copies of it growing step by
// step, each frame quantized to its own 256-colour palette and written with giflib.
#include <gif_lib.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "plot/contour.hpp"
#include "plot/output.hpp"

namespace descent::plot::detail {
namespace {

constexpr int kMaxFrames = 80;
constexpr int kFrameDelay = 7;  // hundredths of a second
constexpr int kFinalDelay = 250;

int append(GifFileType* gif, const GifByteType* data, int length) {
  static_cast<std::string*>(gif->UserData)
      ->append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
  return length;
}

void fail(const char* what, int code) {
  throw std::runtime_error(std::string("giflib: ") + what + ": " + GifErrorString(code));
}

// The logical screen, and looping forever (the NETSCAPE2.0 extension).
void put_header(GifFileType* gif, int width, int height) {
  EGifSetGifVersion(gif, true);
  if (EGifPutScreenDesc(gif, width, height, 8, 0, nullptr) == GIF_ERROR) fail("screen", gif->Error);
  const unsigned char loop[3] = {1, 0, 0};
  if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
      EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0") == GIF_ERROR ||
      EGifPutExtensionBlock(gif, 3, loop) == GIF_ERROR || EGifPutExtensionTrailer(gif) == GIF_ERROR)
    fail("loop extension", gif->Error);
}

// The frame at step `upto`: the paths so far drawn on a copy of the map, with the step in a
// corner.
Image draw_frame(const Image& map, const Scene& scene, const ContourLayout& L, std::uint64_t upto) {
  Image img = map;
  cairo_surface_t* s = cairo_image_surface_create_for_data(img.pixels.data(), CAIRO_FORMAT_ARGB32,
                                                           img.width, img.height, img.stride);
  cairo_t* cr = cairo_create(s);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  Canvas c(cr);
  draw_contour_paths(c, scene, L, upto);
  c.fill_rect(L.plot_x + L.plot_w - 120, L.plot_y + 8, 112, 24, kWhite, 0.85);
  c.text(L.plot_x + L.plot_w - 14, L.plot_y + 20, "step " + std::to_string(upto), 14, Align::right,
         VAlign::middle, true);
  cairo_destroy(cr);
  cairo_surface_flush(s);
  cairo_surface_destroy(s);
  return img;
}

// A frame's red, green and blue planes and its palette indices, reused from frame to frame.
struct Planes {
  std::vector<GifByteType> r, g, b, index;
  explicit Planes(std::size_t n) : r(n), g(n), b(n), index(n) {}
};

// One frame quantized to its own 256-colour palette, shown for `delay` hundredths of a second.
void put_frame(GifFileType* gif, const Image& img, int delay, Planes& p) {
  for (int y = 0; y < img.height; ++y) {
    const auto* row = reinterpret_cast<const std::uint32_t*>(img.pixels.data() + y * img.stride);
    for (int x = 0; x < img.width; ++x) {
      const std::uint32_t px = row[x];  // opaque: premultiplication changes nothing
      const std::size_t i = static_cast<std::size_t>(y) * img.width + x;
      p.r[i] = static_cast<GifByteType>((px >> 16) & 0xff);
      p.g[i] = static_cast<GifByteType>((px >> 8) & 0xff);
      p.b[i] = static_cast<GifByteType>(px & 0xff);
    }
  }
  int colors = 256;
  std::vector<GifColorType> palette(256);
  if (GifQuantizeBuffer(static_cast<unsigned>(img.width), static_cast<unsigned>(img.height),
                        &colors, p.r.data(), p.g.data(), p.b.data(), p.index.data(),
                        palette.data()) == GIF_ERROR)
    throw std::runtime_error("giflib: could not quantize a frame");
  ColorMapObject* map = GifMakeMapObject(256, palette.data());
  GraphicsControlBlock gcb{};
  gcb.DisposalMode = DISPOSE_DO_NOT;
  gcb.DelayTime = delay;
  gcb.TransparentColor = NO_TRANSPARENT_COLOR;
  GifByteType ext[4];
  const std::size_t len = EGifGCBToExtension(&gcb, ext);
  const bool ok =
      EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(len), ext) != GIF_ERROR &&
      EGifPutImageDesc(gif, 0, 0, img.width, img.height, false, map) != GIF_ERROR;
  GifFreeMapObject(map);
  if (!ok) fail("frame", gif->Error);
  for (int y = 0; y < img.height; ++y)
    if (EGifPutLine(gif, p.index.data() + static_cast<std::size_t>(y) * img.width, img.width) ==
        GIF_ERROR)
      fail("pixels", gif->Error);
}

}  // namespace

std::string render_gif(const Scene& scene) {
  const ContourLayout L = contour_layout(scene);
  const Image frame0 =
      render_to_image(L.width, L.height, [&](Canvas& c) { draw_contour_frame(c, scene, L); });
  std::uint64_t last_step = 0;
  for (const Path& p : scene.paths) last_step = std::max(last_step, p.trajectory.steps.back());
  const int frames = static_cast<int>(std::min<std::uint64_t>(last_step + 1, kMaxFrames));

  std::string out;
  int err = 0;
  GifFileType* gif = EGifOpen(&out, append, &err);
  if (!gif) fail("open", err);
  try {
    put_header(gif, L.width, L.height);
    Planes planes(static_cast<std::size_t>(L.width) * L.height);
    for (int f = 0; f < frames; ++f) {
      const std::uint64_t upto =
          frames == 1 ? last_step : last_step * static_cast<std::uint64_t>(f) / (frames - 1);
      put_frame(gif, draw_frame(frame0, scene, L, upto),
                f + 1 == frames ? kFinalDelay : kFrameDelay, planes);
    }
  } catch (...) {
    int e = 0;
    EGifCloseFile(gif, &e);
    throw;
  }
  if (EGifCloseFile(gif, &err) == GIF_ERROR) fail("close", err);
  return out;
}

}  // namespace descent::plot::detail
