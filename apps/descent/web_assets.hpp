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
};

/// The page's files by URL path.
class WebAssets {
 public:
  /// Reads the page from `dir`: every .html, .js, .css and .svg file directly in it (served at
  /// /NAME, index.html also at /), every .js file directly in dir/js, the page's modules (served
  /// at /js/NAME), and plotly.js from dir/node_modules/plotly.js-dist-min (served at
  /// /vendor/plotly.min.js). Throws InputError when `dir` is not a folder holding index.html or
  /// when plotly.js is missing (with the command that installs it).
  static WebAssets load(const std::filesystem::path& dir);

  /// The file served at `path`, or nullptr.
  const WebAsset* find(const std::string& path) const;

  /// How many files there are.
  std::size_t size() const { return files_.size(); }

 private:
  std::map<std::string, WebAsset> files_;
};

}  // namespace descent::cli
