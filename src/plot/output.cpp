// The output side: a drawing rendered on a Cairo surface and written out as PNG, SVG or PDF
// bytes (or kept as an image for the animation's frames), and SVGs made deterministic and
// described.
#include "plot/output.hpp"

#include <cairo-pdf.h>
#include <cairo-svg.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <utility>
#include <vector>

namespace descent::plot::detail {

namespace {

cairo_status_t append(void* closure, const unsigned char* data, unsigned int length) {
  static_cast<std::string*>(closure)->append(reinterpret_cast<const char*>(data), length);
  return CAIRO_STATUS_SUCCESS;
}

void check(cairo_surface_t* s) {
  if (cairo_surface_status(s) != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cairo: ") +
                             cairo_status_to_string(cairo_surface_status(s)));
}

void draw_on(cairo_surface_t* surface, const std::function<void(Canvas&)>& draw) {
  cairo_t* cr = cairo_create(surface);
  cairo_set_antialias(cr, CAIRO_ANTIALIAS_GOOD);
  cairo_set_line_cap(cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
  Canvas canvas(cr);
  draw(canvas);
  const cairo_status_t st = cairo_status(cr);
  cairo_destroy(cr);
  if (st != CAIRO_STATUS_SUCCESS)
    throw std::runtime_error(std::string("cairo: ") + cairo_status_to_string(st));
}

}  // namespace

std::string render_to_bytes(Format format, int width, int height,
                            const std::function<void(Canvas&)>& draw) {
  std::string out;
  cairo_surface_t* s = nullptr;
  switch (format) {
    case Format::png:
      s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
      break;
    case Format::svg:
      s = cairo_svg_surface_create_for_stream(append, &out, width, height);
      break;
    case Format::pdf:
      s = cairo_pdf_surface_create_for_stream(append, &out, width, height);
      // A fixed date: the same figure gives the same bytes.
      cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATE_DATE, "2000-01-01T00:00:00Z");
      cairo_pdf_surface_set_metadata(s, CAIRO_PDF_METADATA_CREATOR, "descent");
      break;
  }
  check(s);
  try {
    draw_on(s, draw);
  } catch (...) {
    cairo_surface_destroy(s);
    throw;
  }
  if (format == Format::png) {
    cairo_surface_flush(s);
    cairo_surface_write_to_png_stream(s, append, &out);
  } else {
    cairo_surface_finish(s);
  }
  cairo_surface_destroy(s);
  return out;
}

Image render_to_image(int width, int height, const std::function<void(Canvas&)>& draw) {
  cairo_surface_t* s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, width, height);
  check(s);
  draw_on(s, draw);
  cairo_surface_flush(s);
  Image img;
  img.width = width;
  img.height = height;
  img.stride = cairo_image_surface_get_stride(s);
  const unsigned char* data = cairo_image_surface_get_data(s);
  img.pixels.assign(data, data + static_cast<std::size_t>(img.stride) * height);
  cairo_surface_destroy(s);
  return img;
}

namespace {

std::string xml_escape(std::string_view s) {
  std::string out;
  for (char ch : s) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

}  // namespace

// Cairo numbers the ids of surfaces and images with counters shared by every document of the
// process; renumbering them in order of appearance makes the same figure the same bytes.
std::string renumber_svg_ids(const std::string& svg) {
  std::string out;
  out.reserve(svg.size());
  std::vector<std::pair<std::string, std::string>> seen;  // old token -> new token
  int counters[2] = {0, 0};
  std::size_t i = 0;
  while (i < svg.size()) {
    std::size_t best = std::string::npos;
    int which = 0;
    for (int k = 0; k < 2; ++k) {
      const std::size_t at = svg.find(k == 0 ? "surface" : "image", i);
      if (at < best) {
        best = at;
        which = k;
      }
    }
    if (best == std::string::npos) break;
    const std::size_t name_len = which == 0 ? 7 : 5;
    std::size_t end = best + name_len;
    while (end < svg.size() && std::isdigit(static_cast<unsigned char>(svg[end]))) ++end;
    // Only ids and their references: preceded by '"' or '#', followed by digits.
    const bool id_like =
        end > best + name_len && best > 0 && (svg[best - 1] == '"' || svg[best - 1] == '#');
    out.append(svg, i, best - i);
    if (!id_like) {
      out.append(svg, best, name_len);
      i = best + name_len;
      continue;
    }
    const std::string token = svg.substr(best, end - best);
    auto it =
        std::find_if(seen.begin(), seen.end(), [&](const auto& p) { return p.first == token; });
    if (it == seen.end()) {
      seen.emplace_back(token, svg.substr(best, name_len) + std::to_string(++counters[which]));
      it = seen.end() - 1;
    }
    out += it->second;
    i = end;
  }
  out.append(svg, i, std::string::npos);
  return out;
}

// Cairo draws text as glyph outlines; a title and a description make an SVG searchable and
// readable by screen readers.
std::string with_svg_description(std::string svg, Kind kind, const Scene& scene) {
  std::string title = std::string(to_string(kind)) + " figure";
  if (scene.function) title += " of f(w) = " + scene.function->formula();
  std::string desc = "paths:";
  for (const Path& p : scene.paths) {
    desc += " " + p.label;
    if (p.diverged)
      desc += " (diverged after step " + std::to_string(p.trajectory.steps.back()) + ")";
    desc += ";";
  }
  const auto open = svg.find("<svg");
  const auto end = open == std::string::npos ? open : svg.find('>', open);
  if (end == std::string::npos) return svg;
  svg.insert(end + 1,
             "\n<title>" + xml_escape(title) + "</title>\n<desc>" + xml_escape(desc) + "</desc>");
  return svg;
}

}  // namespace descent::plot::detail
