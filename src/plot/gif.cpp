// The animation: the contour map drawn once; each frame restores the map's plot area and draws
// the paths up to its step there. One global palette serves every frame, so a colour stays the
// same from frame to frame; each frame after the first is written as the rectangle in which it
// differs from the one before, its unchanged pixels transparent.
#include <gif_lib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "plot/contour.hpp"
#include "plot/output.hpp"

namespace descent::plot::detail {
namespace {

constexpr int kMaxFrames = 80;
constexpr int kFrameDelay = 7;  // hundredths of a second
constexpr int kFinalDelay = 250;
constexpr std::size_t kColors = 255;  // the palette's colours; the last entry is transparent
constexpr int kTransparent = 255;

int append(GifFileType* gif, const GifByteType* data, int length) {
  static_cast<std::string*>(gif->UserData)
      ->append(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
  return length;
}

void fail(const char* what, int code) {
  throw std::runtime_error(std::string("giflib: ") + what + ": " + GifErrorString(code));
}

// A rectangle of the screen.
struct Rect {
  int x = 0, y = 0, w = 0, h = 0;
};

// The plot area in whole pixels: all that a frame draws on the map lies inside it (the paths,
// the start and minimizer marks, the note on clipping, the step label).
Rect plot_area(const ContourLayout& L) {
  const int x0 = std::max(0, static_cast<int>(std::floor(L.plot_x)));
  const int y0 = std::max(0, static_cast<int>(std::floor(L.plot_y)));
  const int x1 = std::min(L.width, static_cast<int>(std::ceil(L.plot_x + L.plot_w)));
  const int y1 = std::min(L.height, static_cast<int>(std::ceil(L.plot_y + L.plot_h)));
  return {x0, y0, std::max(0, x1 - x0), std::max(0, y1 - y0)};
}

// The frame at step `upto`, drawn into `img`, a copy of the map that holds an earlier frame: the
// map restored in `area`, then the paths so far and the step in a corner, clipped to `area`.
void draw_frame(Image& img, const Image& map, Rect area, const Scene& scene, const ContourLayout& L,
                std::uint64_t upto) {
  for (int y = area.y; y < area.y + area.h; ++y) {
    const std::size_t at =
        static_cast<std::size_t>(y) * img.stride + 4 * static_cast<std::size_t>(area.x);
    std::memcpy(img.pixels.data() + at, map.pixels.data() + at,
                4 * static_cast<std::size_t>(area.w));
  }
  cairo_surface_t* s = cairo_image_surface_create_for_data(img.pixels.data(), CAIRO_FORMAT_ARGB32,
                                                           img.width, img.height, img.stride);
  cairo_t* cr = cairo_create(s);
  cairo_rectangle(cr, area.x, area.y, area.w, area.h);
  cairo_clip(cr);
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
}

std::uint32_t pixel(const Image& img, int x, int y) {
  std::uint32_t px;  // opaque: premultiplication changes nothing
  std::memcpy(&px, img.pixels.data() + static_cast<std::size_t>(y) * img.stride + 4 * x, 4);
  return px;
}

// The global palette, made from the first and the last frame (the map, the start, the step
// label and every path's colours): their 255 most frequent colours, so that the map's flat
// bands, the text and the paths keep their exact colours. Any other colour (an edge blended
// between two) is shown as the nearest palette colour. The last entry is left for transparency.
class Palette {
 public:
  Palette(const Image& first, const Image& last) {
    std::unordered_map<std::uint32_t, std::size_t> count;
    for (const Image* img : {&first, &last})
      for (int y = 0; y < img->height; ++y) {
        // Counted run by run: the map is mostly long runs of one colour.
        std::uint32_t run = pixel(*img, 0, y);
        std::size_t length = 0;
        for (int x = 0; x < img->width; ++x) {
          const std::uint32_t px = pixel(*img, x, y);
          if (px != run) {
            count[run] += length;
            run = px;
            length = 0;
          }
          ++length;
        }
        count[run] += length;
      }
    std::vector<std::pair<std::size_t, std::uint32_t>> by_count;
    by_count.reserve(count.size());
    for (const auto& [px, n] : count) by_count.emplace_back(n, px);
    const auto kept = std::min<std::size_t>(by_count.size(), kColors);
    // The most frequent first; equally frequent colours in the order of their values.
    std::partial_sort(by_count.begin(), by_count.begin() + static_cast<std::ptrdiff_t>(kept),
                      by_count.end(), [](const auto& a, const auto& b) {
                        return a.first != b.first ? a.first > b.first : a.second < b.second;
                      });
    for (std::size_t k = 0; k < kept; ++k) {
      const std::uint32_t px = by_count[k].second;
      colors_[k] = {static_cast<GifByteType>((px >> 16) & 0xff),
                    static_cast<GifByteType>((px >> 8) & 0xff),
                    static_cast<GifByteType>(px & 0xff)};
      index_[px] = static_cast<GifByteType>(k);
    }
    used_ = static_cast<int>(kept);
    if (kept > 0) last_px_ = by_count[0].second;  // index 0
  }

  /// The palette index that shows `px` (the pixel's colour, or the nearest one).
  GifByteType index(std::uint32_t px) {
    if (px == last_px_) return last_index_;
    auto it = index_.find(px);
    if (it == index_.end()) it = index_.emplace(px, nearest(px)).first;
    last_px_ = px;
    last_index_ = it->second;
    return last_index_;
  }

  const std::array<GifColorType, 256>& colors() const { return colors_; }

 private:
  GifByteType nearest(std::uint32_t px) const {
    const int r = static_cast<int>((px >> 16) & 0xff), g = static_cast<int>((px >> 8) & 0xff),
              b = static_cast<int>(px & 0xff);
    int best = 0, best_d = 1 << 30;
    for (int k = 0; k < used_; ++k) {
      const int dr = r - colors_[k].Red, dg = g - colors_[k].Green, db = b - colors_[k].Blue;
      const int d = dr * dr + dg * dg + db * db;
      if (d < best_d) best = k, best_d = d;
    }
    return static_cast<GifByteType>(best);
  }

  std::array<GifColorType, 256> colors_{};
  std::unordered_map<std::uint32_t, GifByteType> index_;
  int used_ = 0;
  std::uint32_t last_px_ = 0;
  GifByteType last_index_ = 0;
};

// The logical screen with the global palette, and looping forever (the NETSCAPE2.0 extension).
void put_header(GifFileType* gif, int width, int height, const Palette& palette) {
  EGifSetGifVersion(gif, true);
  ColorMapObject* map = GifMakeMapObject(256, palette.colors().data());
  if (!map) throw std::runtime_error("giflib: could not make the palette");
  const bool ok = EGifPutScreenDesc(gif, width, height, 8, 0, map) != GIF_ERROR;
  GifFreeMapObject(map);
  if (!ok) fail("screen", gif->Error);
  const unsigned char loop[3] = {1, 0, 0};
  if (EGifPutExtensionLeader(gif, APPLICATION_EXT_FUNC_CODE) == GIF_ERROR ||
      EGifPutExtensionBlock(gif, 11, "NETSCAPE2.0") == GIF_ERROR ||
      EGifPutExtensionBlock(gif, 3, loop) == GIF_ERROR || EGifPutExtensionTrailer(gif) == GIF_ERROR)
    fail("loop extension", gif->Error);
}

// Where `img` differs from `prev`, both the same outside `area`; a single pixel if nowhere (a
// frame needs one).
Rect changed(const Image& prev, const Image& img, Rect area) {
  int x0 = img.width, x1 = -1, y0 = img.height, y1 = -1;
  for (int y = area.y; y < area.y + area.h; ++y) {
    const auto* a = prev.pixels.data() + static_cast<std::size_t>(y) * img.stride;
    const auto* b = img.pixels.data() + static_cast<std::size_t>(y) * img.stride;
    if (std::memcmp(a + 4 * area.x, b + 4 * area.x, 4 * static_cast<std::size_t>(area.w)) == 0)
      continue;
    y0 = std::min(y0, y);
    y1 = y;
    int l = area.x, r = area.x + area.w - 1;
    while (std::memcmp(a + 4 * l, b + 4 * l, 4) == 0) ++l;
    while (std::memcmp(a + 4 * r, b + 4 * r, 4) == 0) --r;
    x0 = std::min(x0, l);
    x1 = std::max(x1, r);
  }
  if (y1 < 0) return {0, 0, 1, 1};
  return {x0, y0, x1 - x0 + 1, y1 - y0 + 1};
}

// One frame, shown for `delay` hundredths of a second: the rectangle `at` of `img`, with the
// pixels that `prev` (if any) already shows there transparent.
void put_frame(GifFileType* gif, const Image& img, const Image* prev, Rect at, int delay,
               Palette& palette, std::vector<GifByteType>& line) {
  GraphicsControlBlock gcb{};
  gcb.DisposalMode = DISPOSE_DO_NOT;
  gcb.DelayTime = delay;
  gcb.TransparentColor = prev ? kTransparent : NO_TRANSPARENT_COLOR;
  GifByteType ext[4];
  const std::size_t len = EGifGCBToExtension(&gcb, ext);
  if (EGifPutExtension(gif, GRAPHICS_EXT_FUNC_CODE, static_cast<int>(len), ext) == GIF_ERROR ||
      EGifPutImageDesc(gif, at.x, at.y, at.w, at.h, false, nullptr) == GIF_ERROR)
    fail("frame", gif->Error);
  line.resize(static_cast<std::size_t>(at.w));
  for (int y = at.y; y < at.y + at.h; ++y) {
    for (int x = at.x; x < at.x + at.w; ++x) {
      const std::uint32_t px = pixel(img, x, y);
      line[static_cast<std::size_t>(x - at.x)] =
          prev && pixel(*prev, x, y) == px ? GifByteType{kTransparent} : palette.index(px);
    }
    if (EGifPutLine(gif, line.data(), at.w) == GIF_ERROR) fail("pixels", gif->Error);
  }
}

}  // namespace

std::string render_gif(const Scene& scene) {
  const ContourLayout L = contour_layout(scene);
  const Image map =
      render_to_image(L.width, L.height, [&](Canvas& c) { draw_contour_frame(c, scene, L); });
  std::uint64_t last_step = 0;
  for (const Path& p : scene.paths) last_step = std::max(last_step, p.trajectory.steps.back());
  const int frames = static_cast<int>(std::min<std::uint64_t>(last_step + 1, kMaxFrames));
  auto step_of = [&](int f) {
    return frames == 1 ? last_step : last_step * static_cast<std::uint64_t>(f) / (frames - 1);
  };

  Image img = map, prev = map;
  const Rect area = plot_area(L);
  draw_frame(img, map, area, scene, L, step_of(0));
  draw_frame(prev, map, area, scene, L, last_step);
  Palette palette(img, prev);

  std::string out;
  int err = 0;
  GifFileType* gif = EGifOpen(&out, append, &err);
  if (!gif) fail("open", err);
  try {
    put_header(gif, L.width, L.height, palette);
    std::vector<GifByteType> line;
    for (int f = 0; f < frames; ++f) {
      const int delay = f + 1 == frames ? kFinalDelay : kFrameDelay;
      if (f == 0) {
        put_frame(gif, img, nullptr, {0, 0, L.width, L.height}, delay, palette, line);
      } else {
        std::swap(img, prev);
        draw_frame(img, map, area, scene, L, step_of(f));
        put_frame(gif, img, &prev, changed(prev, img, area), delay, palette, line);
      }
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
