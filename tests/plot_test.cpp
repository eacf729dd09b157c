// Figures: sizes, where things land, what the SVG holds, determinism, and bad input.
#include "descent/plot/figures.hpp"

#include <cairo.h>
#include <gif_lib.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "plot/contour.hpp"
#include "plot/inspect.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// The seed experiment as a scene.
struct SeedScene {
  std::unique_ptr<Objective> f = make_function("anisotropic");
  std::vector<RunResult> results;
  plot::Scene scene;
  explicit SeedScene(std::vector<std::string> specs = {"sgd", "momentum", "rmsprop"},
                     std::size_t steps = 50) {
    const std::vector<double> start = {1.0, 1.0};
    for (const auto& s : specs) {
      auto opt = make_optimizer(s);
      results.push_back(run(*f, *opt, start, {.steps = steps}));
    }
    scene.function = f.get();
    for (const auto& r : results)
      scene.paths.push_back(
          {short_label(r.optimizer), r.trajectory, r.termination == Termination::diverged});
  }
};

struct Decoded {
  int width = 0, height = 0;
  std::vector<std::uint32_t> argb;
  std::uint32_t at(int x, int y) const { return argb[static_cast<std::size_t>(y) * width + x]; }
};

Decoded decode_png(const std::string& png) {
  struct Reader {
    const std::string& s;
    std::size_t pos = 0;
  } reader{png};
  cairo_surface_t* s = cairo_image_surface_create_from_png_stream(
      [](void* closure, unsigned char* data, unsigned int length) {
        auto* r = static_cast<Reader*>(closure);
        if (r->pos + length > r->s.size()) return CAIRO_STATUS_READ_ERROR;
        std::memcpy(data, r->s.data() + r->pos, length);
        r->pos += length;
        return CAIRO_STATUS_SUCCESS;
      },
      &reader);
  Decoded d;
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS) {
    cairo_surface_destroy(s);
    return d;
  }
  d.width = cairo_image_surface_get_width(s);
  d.height = cairo_image_surface_get_height(s);
  const int stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  for (int y = 0; y < d.height; ++y)
    for (int x = 0; x < d.width; ++x)
      d.argb.push_back(reinterpret_cast<const std::uint32_t*>(data + y * stride)[x]);
  cairo_surface_destroy(s);
  return d;
}

TEST(Plot, PngSizesMatchTheLayout) {
  SeedScene s;
  for (plot::Kind k : {plot::Kind::surface3d, plot::Kind::contour, plot::Kind::loss}) {
    const Decoded d = decode_png(plot::render(k, s.scene, plot::Format::png));
    const plot::Size want = plot::figure_size(k, s.scene);
    EXPECT_EQ(d.width, want.width) << plot::to_string(k);
    EXPECT_EQ(d.height, want.height) << plot::to_string(k);
  }
  // The seed's figure: three panels side by side, wide enough for a modern screen.
  const plot::Size size = plot::figure_size(plot::Kind::surface3d, s.scene);
  EXPECT_EQ(size.width, 3 * 620);
  EXPECT_EQ(size.height, 600);
  SeedScene four({"sgd", "momentum", "rmsprop", "adam"});
  EXPECT_EQ(plot::figure_size(plot::Kind::surface3d, four.scene).height, 2 * 600);
}

// In every panel the final point is drawn red where the projection puts it, and the start is
// white.
TEST(Plot, FinalPointIsRedAtItsProjectedPixel) {
  SeedScene s;
  const Decoded d = decode_png(plot::render(plot::Kind::surface3d, s.scene, plot::Format::png));
  for (std::size_t i = 0; i < s.scene.paths.size(); ++i) {
    const Trajectory& t = s.scene.paths[i].trajectory;
    const auto w = t.point(t.size() - 1);
    const plot::Pixel p = plot::surface3d_pixel(s.scene, i, w[0], w[1], t.loss.back());
    const std::uint32_t px = d.at(static_cast<int>(p.x), static_cast<int>(p.y));
    const int r = (px >> 16) & 0xff, g = (px >> 8) & 0xff, b = px & 0xff;
    EXPECT_GT(r, 180) << "panel " << i;
    EXPECT_LT(g, 60) << "panel " << i;
    EXPECT_LT(b, 60) << "panel " << i;
    const plot::Pixel st = plot::surface3d_pixel(s.scene, i, 1.0, 1.0, 9.0);
    const std::uint32_t sp = d.at(static_cast<int>(st.x), static_cast<int>(st.y));
    EXPECT_GT((sp >> 16) & 0xff, 240u);
    EXPECT_GT((sp >> 8) & 0xff, 240u);
    EXPECT_GT(sp & 0xff, 240u);
  }
}

// How Cairo writes path i's colour in an SVG: as percentages with up to six decimals,
// "stroke:rgb(0%,44.705882%,69.803922%)".
std::string stroke_color(std::size_t i) {
  const unsigned c = plot::path_color(i);
  std::string rgb = "stroke:rgb(";
  for (int shift : {16, 8, 0}) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6f", ((c >> shift) & 0xff) * 100.0 / 255);
    std::string v = buf;
    while (v.back() == '0') v.pop_back();
    if (v.back() == '.') v.pop_back();
    rgb += v + (shift ? "%," : "%)");
  }
  return rgb;
}

TEST(Plot, SvgHasOnePathPerOptimizerAndTheLabels) {
  SeedScene s;
  const std::string svg = plot::render(plot::Kind::contour, s.scene, plot::Format::svg);
  for (std::size_t i = 0; i < s.scene.paths.size(); ++i) {
    const std::string rgb = stroke_color(i);
    // The polyline of optimizer i: the only 2-pixel-wide stroke in its colour.
    std::size_t n = 0;
    for (std::size_t at = svg.find(rgb); at != std::string::npos; at = svg.find(rgb, at + 1)) {
      const std::string wide = "style=\"fill:none;stroke-width:2;";
      if (svg.compare(svg.rfind("style=\"", at), wide.size(), wide) == 0) ++n;
    }
    EXPECT_EQ(n, 1u) << s.scene.paths[i].label << " " << rgb;
  }
  EXPECT_THAT(svg, HasSubstr("<title>contour figure of f(w) = w1^2 + 8*w2^2</title>"));
  EXPECT_THAT(svg, HasSubstr("<desc>paths: sgd:lr=0.1; momentum:lr=0.1,alpha=0.9; "
                             "rmsprop:lr=0.1,beta=0.9;</desc>"));
  const std::string s3 = plot::render(plot::Kind::surface3d, s.scene, plot::Format::svg);
  EXPECT_THAT(s3, HasSubstr("<title>surface3d figure of f(w) = w1^2 + 8*w2^2</title>"));
}

TEST(Plot, RendersAreDeterministic) {
  SeedScene a, b;
  for (plot::Format f : {plot::Format::png, plot::Format::svg, plot::Format::pdf})
    for (plot::Kind k : {plot::Kind::surface3d, plot::Kind::contour, plot::Kind::loss})
      EXPECT_TRUE(plot::render(k, a.scene, f) == plot::render(k, b.scene, f))
          << plot::to_string(k) << plot::extension(f);
  const std::string gif = plot::render(plot::Kind::animation, a.scene, plot::Format::png);
  EXPECT_TRUE(gif == plot::render(plot::Kind::animation, b.scene, plot::Format::png));
  EXPECT_EQ(gif.substr(0, 6), "GIF89a");
  const std::string pdf = plot::render(plot::Kind::loss, a.scene, plot::Format::pdf);
  EXPECT_EQ(pdf.substr(0, 5), "%PDF-");
}

TEST(Plot, AnimationHasAFramePerStep) {
  SeedScene s;
  test::TempDir dir;
  const fs::path path = fs::path(dir.path()) / "a.gif";
  plot::draw(plot::Kind::animation, s.scene, path, plot::Format::png);
  int err = 0;
  GifFileType* gif = DGifOpenFileName(path.c_str(), &err);
  ASSERT_NE(gif, nullptr);
  ASSERT_EQ(DGifSlurp(gif), GIF_OK);
  EXPECT_EQ(gif->ImageCount, 51);  // steps 0..50
  const plot::Size size = plot::figure_size(plot::Kind::animation, s.scene);
  EXPECT_EQ(gif->SWidth, size.width);
  EXPECT_EQ(gif->SHeight, size.height);
  DGifCloseFile(gif, &err);
}

// An animated GIF as a viewer shows it: each frame drawn over the one before (disposal "do
// not"), its transparent pixels leaving what was there; pixels as 0xRRGGBB.
struct Animation {
  int width = 0, height = 0;
  bool global_palette = false;
  int local_palettes = 0;
  std::vector<GifImageDesc> rects;  ///< where each frame writes (left, top, width, height)
  std::vector<std::vector<std::uint32_t>> frames;
  std::uint32_t at(std::size_t frame, int x, int y) const {
    return frames[frame][static_cast<std::size_t>(y) * width + x];
  }
};

Animation decode_gif(const std::string& bytes) {
  struct Reader {
    const std::string& s;
    std::size_t pos = 0;
  } reader{bytes};
  int err = 0;
  GifFileType* gif = DGifOpen(
      &reader,
      [](GifFileType* g, GifByteType* data, int length) {
        auto* r = static_cast<Reader*>(g->UserData);
        const auto n = std::min(static_cast<std::size_t>(length), r->s.size() - r->pos);
        std::memcpy(data, r->s.data() + r->pos, n);
        r->pos += n;
        return static_cast<int>(n);
      },
      &err);
  Animation a;
  if (!gif) return a;
  if (DGifSlurp(gif) != GIF_OK) {
    DGifCloseFile(gif, &err);
    return a;
  }
  a.width = gif->SWidth;
  a.height = gif->SHeight;
  a.global_palette = gif->SColorMap != nullptr;
  std::vector<std::uint32_t> screen(static_cast<std::size_t>(a.width) * a.height, 0);
  for (int i = 0; i < gif->ImageCount; ++i) {
    const SavedImage& im = gif->SavedImages[i];
    const GifImageDesc& d = im.ImageDesc;
    if (d.ColorMap) ++a.local_palettes;
    const ColorMapObject* map = d.ColorMap ? d.ColorMap : gif->SColorMap;
    GraphicsControlBlock gcb{};
    gcb.TransparentColor = NO_TRANSPARENT_COLOR;
    DGifSavedExtensionToGCB(gif, i, &gcb);
    EXPECT_TRUE(gcb.DisposalMode == DISPOSE_DO_NOT || gcb.DisposalMode == DISPOSAL_UNSPECIFIED);
    a.rects.push_back(d);
    for (int y = 0; y < d.Height; ++y)
      for (int x = 0; x < d.Width; ++x) {
        const int k = im.RasterBits[static_cast<std::size_t>(y) * d.Width + x];
        if (k == gcb.TransparentColor || !map || k >= map->ColorCount) continue;
        const GifColorType c = map->Colors[k];
        screen[static_cast<std::size_t>(d.Top + y) * a.width + d.Left + x] =
            static_cast<std::uint32_t>(c.Red) << 16 | static_cast<std::uint32_t>(c.Green) << 8 |
            c.Blue;
      }
    a.frames.push_back(screen);
  }
  DGifCloseFile(gif, &err);
  return a;
}

TEST(Plot, AnimationHasOneGlobalPalette) {
  SeedScene s;
  const Animation a = decode_gif(plot::render(plot::Kind::animation, s.scene, plot::Format::png));
  ASSERT_EQ(a.frames.size(), 51u);
  EXPECT_TRUE(a.global_palette);
  EXPECT_EQ(a.local_palettes, 0);
}

// Everything outside the plot area (axes, titles, colour bar, legend) is the same in every
// frame, and the colour bar keeps the contour figure's colours.
TEST(Plot, AnimationKeepsEachBackgroundColourInEveryFrame) {
  SeedScene s;
  const Animation a = decode_gif(plot::render(plot::Kind::animation, s.scene, plot::Format::png));
  ASSERT_EQ(a.frames.size(), 51u);
  const plot::detail::ContourLayout L = plot::detail::contour_layout(s.scene);
  const auto inside_plot = [&](int x, int y) {
    return x >= L.plot_x - 2 && x <= L.plot_x + L.plot_w + 2 && y >= L.plot_y - 2 &&
           y <= L.plot_y + L.plot_h + 2;
  };
  std::size_t changed = 0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) {
      if (inside_plot(x, y)) continue;
      for (std::size_t f = 1; f < a.frames.size(); ++f)
        if (a.at(f, x, y) != a.at(0, x, y)) {
          ++changed;
          break;
        }
    }
  EXPECT_EQ(changed, 0u);
  // A column down the middle of the colour bar in the first frame (so in all): the contour
  // figure's colours, exact inside the bands; a row where two bands meet is a blend of both,
  // shown as the nearest palette colour (12 of 596 rows here, off by at most 12 of 255).
  const Decoded png = decode_png(plot::render(plot::Kind::contour, s.scene, plot::Format::png));
  ASSERT_EQ(png.width, a.width);
  const int bx = static_cast<int>(L.bar_x) + 9;
  std::size_t rows = 0, exact = 0;
  for (int y = static_cast<int>(L.plot_y) + 2; y < static_cast<int>(L.plot_y + L.plot_h) - 2; ++y) {
    ++rows;
    if (a.at(0, bx, y) == (png.at(bx, y) & 0xffffffu)) ++exact;
    for (int shift : {16, 8, 0})
      EXPECT_NEAR(static_cast<int>((a.at(0, bx, y) >> shift) & 0xff),
                  static_cast<int>((png.at(bx, y) >> shift) & 0xff), 16)
          << "y " << y;
  }
  EXPECT_GE(exact, rows * 9 / 10);
}

// Each frame after the first writes only a rectangle of the plot area (where the paths grow),
// and the frames drawn over one another end in the contour figure (all paths), the step label
// aside: on average within 1 of 255 per channel (0.3 measured; 6.1 with a palette per frame).
TEST(Plot, AnimationFramesAfterTheFirstHoldOnlyWhatChanged) {
  SeedScene s;
  const Animation a = decode_gif(plot::render(plot::Kind::animation, s.scene, plot::Format::png));
  ASSERT_EQ(a.frames.size(), 51u);
  const plot::detail::ContourLayout L = plot::detail::contour_layout(s.scene);
  EXPECT_EQ(a.rects[0].Width * a.rects[0].Height, a.width * a.height);
  for (std::size_t f = 1; f < a.rects.size(); ++f) {
    const GifImageDesc& d = a.rects[f];
    EXPECT_GE(d.Left, L.plot_x) << "frame " << f;
    EXPECT_GE(d.Top, L.plot_y) << "frame " << f;
    EXPECT_LE(d.Left + d.Width, L.plot_x + L.plot_w) << "frame " << f;
    EXPECT_LE(d.Top + d.Height, L.plot_y + L.plot_h) << "frame " << f;
  }
  const Decoded png = decode_png(plot::render(plot::Kind::contour, s.scene, plot::Format::png));
  ASSERT_EQ(png.width, a.width);
  ASSERT_EQ(png.height, a.height);
  double error = 0;
  std::size_t n = 0;
  for (int y = 0; y < a.height; ++y)
    for (int x = 0; x < a.width; ++x) {
      if (x > L.plot_x + L.plot_w - 124 && y < L.plot_y + 36) continue;  // the step label
      for (int shift : {16, 8, 0})
        error += std::abs(static_cast<int>((png.at(x, y) >> shift) & 0xff) -
                          static_cast<int>((a.at(a.frames.size() - 1, x, y) >> shift) & 0xff));
      n += 3;
    }
  EXPECT_LT(error / static_cast<double>(n), 1.0);
}

TEST(Plot, DivergedAndClippedRunsAreMarked) {
  SeedScene s({"sgd:lr=1", "sgd:lr=0.13"}, 400);
  ASSERT_TRUE(s.scene.paths[0].diverged);
  const std::string svg = plot::render(plot::Kind::loss, s.scene, plot::Format::svg);
  EXPECT_THAT(svg, HasSubstr("sgd:lr=1 (diverged after step"));
  // Far outside the box: the view stays the function's box (not squashed) and says it clips.
  EXPECT_NO_THROW(plot::render(plot::Kind::contour, s.scene, plot::Format::png));
  EXPECT_NO_THROW(plot::render(plot::Kind::surface3d, s.scene, plot::Format::png));
}

TEST(Plot, BadScenesAreInputErrors) {
  SeedScene s;
  plot::Scene empty{s.f.get(), {}};
  EXPECT_THROW(plot::render(plot::Kind::contour, empty, plot::Format::png), InputError);
  plot::Scene no_function{nullptr, s.scene.paths};
  EXPECT_THROW(plot::render(plot::Kind::contour, no_function, plot::Format::png), InputError);
  EXPECT_NO_THROW(plot::render(plot::Kind::loss, no_function, plot::Format::png));
  const auto f3 = make_function("rosenbrock:n=3");
  plot::Scene wrong_dim{f3.get(), s.scene.paths};
  EXPECT_THROW(plot::render(plot::Kind::surface3d, wrong_dim, plot::Format::png), InputError);
  EXPECT_THROW(plot::parse_format("jpg"), InputError);
  EXPECT_THROW(plot::parse_kind("heatmap"), InputError);
}

// `n` short paths on anisotropic, labelled p1, p2, ...
plot::Scene many_paths(const Objective& f, std::size_t n) {
  plot::Scene scene{&f, {}};
  for (std::size_t i = 0; i < n; ++i) {
    Trajectory t;
    t.dim = 2;
    const double a = static_cast<double>(i) / static_cast<double>(n);
    for (std::uint64_t k = 0; k < 3; ++k) {
      const double w1 = (1.0 - a) / static_cast<double>(k + 1), w2 = a / static_cast<double>(k + 1);
      t.steps.push_back(k);
      t.loss.push_back(f.value(std::vector<double>{w1, w2}));
      t.points.insert(t.points.end(), {w1, w2});
    }
    scene.paths.push_back({"p" + std::to_string(i + 1), std::move(t), false});
  }
  return scene;
}

// Where Cairo placed each glyph of an SVG's text: the x and y of every
// `<use xlink:href="#glyph..." x="X" y="Y"`.
std::vector<plot::Pixel> glyph_positions(const std::string& svg) {
  const auto attribute = [&](std::size_t from, const std::string& name, std::size_t& end) {
    const std::size_t at = svg.find(" " + name + "=\"", from);
    if (at == std::string::npos) return std::string();
    const std::size_t start = at + name.size() + 3;
    end = svg.find('"', start);
    return svg.substr(start, end - start);
  };
  std::vector<plot::Pixel> out;
  const std::string use = "<use xlink:href=\"#glyph";
  for (std::size_t at = svg.find(use); at != std::string::npos; at = svg.find(use, at + 1)) {
    std::size_t end = at;
    const std::string x = attribute(at, "x", end), y = attribute(end, "y", end);
    if (!x.empty() && !y.empty()) out.push_back({std::stod(x), std::stod(y)});
  }
  return out;
}

TEST(Plot, ScenesOfMoreThanSixtyFourPathsAreInputErrors) {
  const auto f = make_function("anisotropic");
  for (std::size_t n : {65u, 163u}) {
    const plot::Scene scene = many_paths(*f, n);
    for (plot::Kind k : {plot::Kind::surface3d, plot::Kind::contour, plot::Kind::loss}) {
      try {
        (void)plot::render(k, scene, plot::Format::png);
        ADD_FAILURE() << n << " paths, " << plot::to_string(k) << ": no error";
      } catch (const InputError& e) {
        EXPECT_THAT(e.what(), HasSubstr(std::to_string(n) + " paths; a figure shows at most 64"));
      } catch (const std::exception& e) {
        ADD_FAILURE() << n << " paths, " << plot::to_string(k) << ": " << e.what();
      }
    }
  }
}

// Sixty-four paths (the most a run has) are drawn with every legend entry inside the figure.
TEST(Plot, LegendsOfManyPathsStayInsideTheFigure) {
  const auto f = make_function("anisotropic");
  const plot::Scene scene = many_paths(*f, 64);
  for (plot::Kind k : {plot::Kind::surface3d, plot::Kind::contour, plot::Kind::loss}) {
    const plot::Size size = plot::figure_size(k, scene);
    const Decoded d = decode_png(plot::render(k, scene, plot::Format::png));
    EXPECT_EQ(d.width, size.width) << plot::to_string(k);
    EXPECT_EQ(d.height, size.height) << plot::to_string(k);
    const auto glyphs = glyph_positions(plot::render(k, scene, plot::Format::svg));
    EXPECT_GT(glyphs.size(), 9u * 2 + 55u * 3) << "the labels p1 to p64 alone";
    for (const plot::Pixel& g : glyphs) {
      EXPECT_TRUE(g.x >= 0 && g.x < size.width && g.y >= 0 && g.y < size.height)
          << plot::to_string(k) << ": a glyph at " << g.x << ", " << g.y << " outside "
          << size.width << " x " << size.height;
      if (HasFailure()) break;
    }
  }
  plot::LineChart chart{"t", "", "epoch", "loss", false, {}};
  for (const plot::Path& p : scene.paths) chart.series.push_back({p.label, {1, 2}, {3, 4}});
  const Decoded d = decode_png(plot::render_line_chart(chart, plot::Format::png));
  for (const plot::Pixel& g : glyph_positions(plot::render_line_chart(chart, plot::Format::svg))) {
    EXPECT_TRUE(g.x >= 0 && g.x < d.width && g.y >= 0 && g.y < d.height)
        << "line chart: a glyph at " << g.x << ", " << g.y << " outside " << d.width << " x "
        << d.height;
    if (HasFailure()) break;
  }
}

// The strokes of an SVG in the colour of path `i` and `width` pixels wide, as their numbers of
// segments.
std::vector<std::size_t> strokes_of(const std::string& svg, std::size_t i, const char* width) {
  const std::string rgb = stroke_color(i);
  std::vector<std::size_t> out;
  const std::string wide = std::string("style=\"fill:none;stroke-width:") + width + ";";
  for (std::size_t at = svg.find(rgb); at != std::string::npos; at = svg.find(rgb, at + 1)) {
    const std::size_t style = svg.rfind("style=\"", at);
    if (svg.compare(style, wide.size(), wide) != 0) continue;
    const std::size_t d = svg.find(" d=\"", style), end = svg.find('"', d + 4);
    out.push_back(
        static_cast<std::size_t>(std::count(svg.begin() + static_cast<std::ptrdiff_t>(d),
                                            svg.begin() + static_cast<std::ptrdiff_t>(end), 'L')));
  }
  return out;
}

// A path of 30000 steps a small fraction of a pixel long each: the figures draw the points a
// quarter of a pixel apart, not every row, and no path on a map is one stroke of more than 128
// segments (the loss curve, which never crosses itself, is one stroke).
TEST(Plot, LongPathsAreThinnedAndStrokedInPieces) {
  SeedScene s({"sgd:lr=0.00002"}, 30000);
  ASSERT_EQ(s.scene.paths[0].trajectory.size(), 30001u);
  for (plot::Kind k : {plot::Kind::contour, plot::Kind::loss}) {
    const auto strokes = strokes_of(plot::render(k, s.scene, plot::Format::svg), 0, "2");
    ASSERT_FALSE(strokes.empty()) << plot::to_string(k);
    std::size_t segments = 0;
    for (std::size_t n : strokes) {
      if (k != plot::Kind::loss) {
        EXPECT_LE(n, 128u) << plot::to_string(k);
      }
      segments += n;
    }
    EXPECT_LT(segments, 30000u / 4) << plot::to_string(k);
  }
  const auto s3 =
      strokes_of(plot::render(plot::Kind::surface3d, s.scene, plot::Format::svg), 0, "1.8");
  std::size_t segments = 0;
  for (std::size_t n : s3) {
    EXPECT_LE(n, 128u) << "surface3d";
    segments += n;
  }
  EXPECT_LT(segments, 30000u / 4) << "surface3d";
}

}  // namespace
}  // namespace descent

namespace descent {
namespace {

TEST(Plot, HeatmapColoursCellsByStatusAndPlacesMarkers) {
  plot::Heatmap h;
  h.title = "test";
  h.xs = {1, 10, 100};
  h.x_log = true;
  h.ys = {0, 0.5};
  h.values = {1, 2, std::numeric_limits<double>::infinity(), 4, 5, 6};
  h.diverged = {false, false, false, false, false, true};
  h.markers = {{10, 0.5, "m"}};
  const Decoded d = decode_png(plot::render_heatmap(h, plot::Format::png));
  EXPECT_EQ(d.width, 900);
  EXPECT_EQ(d.height, 720);
  // Cell centres are where the axes put their values.
  const plot::Pixel diverged = plot::heatmap_pixel(h, 100, 0.5);  // x 100, y 0.5: diverged
  const plot::Pixel never = plot::heatmap_pixel(h, 100, 0);       // infinite metric
  const plot::Pixel low = plot::heatmap_pixel(h, 1, 0);           // the lowest value: dark
  auto rgb = [&](plot::Pixel p) {
    return d.at(static_cast<int>(p.x) + 30, static_cast<int>(p.y) + 30) & 0xffffffu;
  };
  EXPECT_EQ(rgb(diverged), 0xd62728u);
  EXPECT_EQ(rgb(never), 0xbdbdbdu);
  EXPECT_EQ(rgb(low), 0x440154u) << "viridis' start";
  const plot::Pixel m = plot::heatmap_pixel(h, 10, 0.5);
  EXPECT_EQ(d.at(static_cast<int>(m.x), static_cast<int>(m.y)) & 0xffffffu, 0xffffffu)
      << "the marker is a white dot";
  h.values.pop_back();
  EXPECT_THROW((void)plot::render_heatmap(h, plot::Format::png), InputError);
}

// A 1-D sweep is a line chart of the metric against the swept value: each finite cell is a dot
// where the metric's axis puts its value, and the metric's axis is labelled once per tick.
TEST(Plot, OneDimensionalSweepIsALineChart) {
  plot::Heatmap h;
  h.title = "test";
  h.metric_label = "steps_to_tol";
  h.xs = {0.001, 0.01, 0.1, 1};
  h.x_log = true;
  h.values = {400, 60, 12, std::numeric_limits<double>::infinity()};
  h.diverged = {false, false, false, true};
  const Decoded d = decode_png(plot::render_heatmap(h, plot::Format::png));
  for (std::size_t i = 0; i < 3; ++i) {
    const plot::Pixel p = plot::heatmap_pixel(h, h.xs[i], h.values[i]);
    ASSERT_TRUE(p.x >= 0 && p.x < d.width && p.y >= 0 && p.y < d.height)
        << "cell " << i << " at " << p.x << ", " << p.y;
    EXPECT_EQ(d.at(static_cast<int>(p.x), static_cast<int>(p.y)) & 0xffffffu, plot::path_color(0))
        << "cell " << i;
  }
  // Higher values higher up, on a log axis (the values span more than a factor of 10).
  EXPECT_LT(plot::heatmap_pixel(h, 0.001, 400).y, plot::heatmap_pixel(h, 0.01, 60).y);
  const auto axis = plot::heatmap_value_axis(h);
  EXPECT_TRUE(axis.log);
  EXPECT_LE(axis.ticks.size(), 9u);
  EXPECT_EQ(axis.labels.front(), "20");
  EXPECT_EQ(axis.labels.back(), "200");
}

// Tick and legend labels: one rule, and one form for every label of an axis.
TEST(Plot, TickLabelsFollowOneRule) {
  EXPECT_EQ(plot::detail::tick_label(0.001), "0.001");
  EXPECT_EQ(plot::detail::tick_label(2.5e-4), "2.5e-4");
  EXPECT_EQ(plot::detail::tick_label(1e-5), "1e-5");
  EXPECT_EQ(plot::detail::tick_label(20000), "20000");
  EXPECT_EQ(plot::detail::tick_label(1e6), "1e6");
  EXPECT_EQ(plot::detail::tick_label(-0.0), "0");
  EXPECT_EQ(plot::detail::tick_label(0.30000000000000004), "0.3");
  EXPECT_EQ(plot::detail::decade_label(-3), "0.001");
  EXPECT_EQ(plot::detail::tick_labels({0.001, 0.01, 0.1, 1}),
            (std::vector<std::string>{"0.001", "0.01", "0.1", "1"}));
  EXPECT_EQ(plot::detail::tick_labels({1e-4, 1e-3, 1e-2, 1}),
            (std::vector<std::string>{"1e-4", "1e-3", "1e-2", "1e0"}));
  EXPECT_EQ(plot::detail::tick_labels({0, 5e-6, 1e-5}),
            (std::vector<std::string>{"0", "5e-6", "1e-5"}));
}

// Training figures: ticks at whole epochs, and a y axis that fits the data: linear over less than
// a factor of 10 (a log axis of whole decades drew 0.7 to 2.2 over 0.1 to 10), log over more.
TEST(Plot, TrainingChartsHaveWholeEpochsAndAFittingAxis) {
  plot::LineChart chart{"loss", "", "epoch", "mean training loss", true, {}};
  chart.whole_x = true;
  chart.series = {{"a", {1, 2, 3}, {2.2, 1.3, 0.9}}, {"b", {1, 2, 3}, {1.5, 0.8, 0.7}}};
  const auto x = plot::line_chart_axis(chart, false);
  EXPECT_EQ(x.ticks, (std::vector<double>{1, 2, 3}));
  EXPECT_EQ(x.labels, (std::vector<std::string>{"1", "2", "3"}));
  auto y = plot::line_chart_axis(chart, true);
  EXPECT_FALSE(y.log);
  EXPECT_GT(y.lo, 0.6);
  EXPECT_LT(y.hi, 2.3);
  EXPECT_GE(y.ticks.size(), 4u);
  // Over two decades and more: a log axis within a fraction of a decade of the data.
  chart.series[1].ys = {0.5, 0.05, 0.011};
  y = plot::line_chart_axis(chart, true);
  EXPECT_TRUE(y.log);
  EXPECT_GT(y.lo, std::log10(0.011) - 0.2);
  EXPECT_LT(y.hi, std::log10(2.2) + 0.2);
  for (double t : y.ticks) {
    EXPECT_GE(std::log10(t), y.lo);
    EXPECT_LE(std::log10(t), y.hi);
  }
  // One epoch: a single whole tick.
  chart.series = {{"a", {1}, {2.2}}};
  EXPECT_EQ(plot::line_chart_axis(chart, false).ticks, (std::vector<double>{1}));
  for (const char* svg : {"png", "svg"})
    EXPECT_NO_THROW((void)plot::render_line_chart(
        chart, std::string(svg) == "png" ? plot::Format::png : plot::Format::svg));
}

// The map's boundary and its legend entry are drawn alike: white, dashed, 2.5 wide.
TEST(Plot, HeatmapLegendDrawsTheBoundaryAsTheMapDoes) {
  plot::Heatmap h;
  h.title = "test";
  h.xs = {0.1, 0.2, 0.3};
  h.ys = {0, 0.5};
  h.values = {1, 2, 3, 4, 5, 6};
  h.diverged = std::vector<bool>(6, false);
  h.boundary = {{0.15, 0}, {0.25, 0.5}};
  h.boundary_label = "stability limit";
  const std::string svg = plot::render_heatmap(h, plot::Format::svg);
  std::vector<std::string> styles;
  for (std::size_t at = svg.find("stroke-dasharray"); at != std::string::npos;
       at = svg.find("stroke-dasharray", at + 1)) {
    const std::size_t from = svg.rfind("style=\"", at);
    styles.push_back(svg.substr(from, svg.find('"', from + 7) - from));
  }
  ASSERT_EQ(styles.size(), 2u) << "the map's line and the legend's";
  EXPECT_EQ(styles[0], styles[1]);
  EXPECT_THAT(styles[0], HasSubstr("stroke:rgb(100%,100%,100%)"));
  EXPECT_THAT(styles[0], HasSubstr("stroke-width:2.5"));
}

// On an axis of one value there is no scale to place another value on: a boundary elsewhere (a
// stability limit at lr 0.125 for a sweep of lr 0.05 alone) is left out, with its legend entry,
// not drawn through the one cell.
TEST(Plot, HeatmapLeavesOutABoundaryItCannotPlace) {
  plot::Heatmap h;
  h.title = "test";
  h.metric_label = "steps_to_tol";
  h.xs = {0.05};
  h.values = {66};
  h.diverged = {false};
  h.boundary = {{0.125, 0}, {0.125, 1}};
  h.boundary_label = "stability limit";
  EXPECT_THAT(plot::render_heatmap(h, plot::Format::svg),
              ::testing::Not(HasSubstr("stroke-dasharray")));
  h.boundary = {{0.05, 0}, {0.05, 1}};
  EXPECT_THAT(plot::render_heatmap(h, plot::Format::svg), HasSubstr("stroke-dasharray"));
}

// Long labels widen the loss figure rather than narrow its plot: the plot keeps at least 560
// pixels (the axis's last tick, at the right edge of the frame, is 90 + 560 or more from the
// left), and every glyph stays inside the figure.
TEST(Plot, LongLabelsWidenTheLossFigure) {
  const auto f = make_function("anisotropic");
  plot::Scene scene = many_paths(*f, 2);
  EXPECT_EQ(plot::figure_size(plot::Kind::loss, scene).width, 1000);
  scene.paths[1].label = "soap:lr=0.1,update_every=10,weight_decay=0@cosine:t_max=300,eta_min=0";
  const plot::Size size = plot::figure_size(plot::Kind::loss, scene);
  EXPECT_GT(size.width, 1000);
  const auto glyphs = glyph_positions(plot::render(plot::Kind::loss, scene, plot::Format::svg));
  double rightmost_tick = 0;
  for (const plot::Pixel& g : glyphs) {
    EXPECT_TRUE(g.x >= 0 && g.x < size.width) << "a glyph at " << g.x;
    if (g.y > 540 && g.y < 560) rightmost_tick = std::max(rightmost_tick, g.x);  // tick labels
  }
  EXPECT_GE(rightmost_tick, 90 + 560 - 20);
}

// A run of one row (--steps 0: the start alone) is drawn as a dot in the loss figure, not left
// out of an empty chart.
TEST(Plot, LossFigureShowsRunsOfOneRow) {
  SeedScene s({"sgd", "adam"}, 0);
  ASSERT_EQ(s.scene.paths[0].trajectory.size(), 1u);
  const std::string svg = plot::render(plot::Kind::loss, s.scene, plot::Format::svg);
  for (std::size_t i = 0; i < 2; ++i) {
    std::string fill = stroke_color(i);
    fill.replace(0, 6, "fill");
    EXPECT_THAT(svg, HasSubstr(fill)) << "the dot of path " << i;
  }
}

}  // namespace
}  // namespace descent
