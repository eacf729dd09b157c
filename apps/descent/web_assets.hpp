// The files of the interactive page (web/), read into memory when `descent serve` starts, so that
// a request can only ever get one of them: a URL path is looked up, never joined to a directory.
#pragma once

#include <filesystem>
#include <map>
#include <string>

namespace descent::cli {

/// One file of the page.
struct WebAsset {
  std::string content_type;
  std::string body;
  /// The body compressed with gzip, for clients that accept it; empty where that saves nothing.
  std::string gzipped;
  /// A strong validator of the body (a quoted hash of it); the gzipped copy's adds "-gzip".
  std::string etag;
  /// Served at a URL that names its content (a hash), so that a client may keep it for good.
  bool immutable = false;
};

/// The page's files by URL path.
class WebAssets {
 public:
  /// Reads the page from `dir`: every .html, .js, .css and .svg file directly in it (served at
  /// /NAME, index.html also at /), every .js file directly in dir/js, the page's modules (served
  /// at /js/NAME), and plotly.js from dir/vendor/plotly.min.js (an installed page) or else
  /// dir/node_modules/plotly.js-dist-min (the source tree), served at /vendor/plotly.min.js and
  /// at /vendor/plotly.HASH.min.js, the name index.html and lessons.html are given for it so that
  /// browsers may cache it. Throws InputError when `dir` is not a folder holding index.html or when
  /// plotly.js is missing (with the command that installs it).
  static WebAssets load(const std::filesystem::path& dir);

  /// The file served at `path`, or nullptr. /lessons and /lessons/N (N digits, a final '/' allowed)
  /// are lessons.html.
  const WebAsset* find(const std::string& path) const;

  /// How many files there are.
  std::size_t size() const { return files_.size(); }

 private:
  std::map<std::string, WebAsset> files_;
};

/// The page's folder for the program at `exe` (by default /proc/self/exe): `exe`'s folder joined
/// with `installed` (../share/descent/web for bin/descent) where that holds index.html; else
/// `source`, the source tree's web/, but only for the program the build wrote into `build_dir`.
/// Throws InputError naming the folder looked in when neither applies (or `exe` is empty).
std::filesystem::path find_page(const std::filesystem::path& exe,
                                const std::filesystem::path& installed,
                                const std::filesystem::path& build_dir,
                                const std::filesystem::path& source);

/// Whether an Accept-Encoding header accepts gzip (a q of 0 refuses it).
bool accepts_gzip(const std::string& accept_encoding);

}  // namespace descent::cli
