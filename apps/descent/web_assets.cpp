#include "web_assets.hpp"

#include <fstream>
#include <sstream>
#include <system_error>

#include "descent/error.hpp"

namespace descent::cli {
namespace fs = std::filesystem;

namespace {

std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw InputError("cannot read " + p.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

const char* content_type(const std::string& ext) {
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  return nullptr;
}

}  // namespace

WebAssets WebAssets::load(const fs::path& dir) {
  std::error_code ec;
  if (!fs::is_regular_file(dir / "index.html", ec))
    throw InputError("no page at " + dir.string() + ": index.html is missing (--web DIR names " +
                     "the folder of the page, web/ in the source tree)");
  WebAssets assets;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    const char* type = content_type(e.path().extension().string());
    if (type == nullptr) continue;
    assets.files_["/" + e.path().filename().string()] = {type, read_file(e.path())};
  }
  assets.files_["/"] = assets.files_.at("/index.html");
  // The page's script modules: the .js files directly in js/, no deeper.
  if (fs::is_directory(dir / "js", ec)) {
    for (const fs::directory_entry& e : fs::directory_iterator(dir / "js")) {
      if (!e.is_regular_file() || e.path().extension() != ".js") continue;
      assets.files_["/js/" + e.path().filename().string()] = {content_type(".js"),
                                                              read_file(e.path())};
    }
  }
  const fs::path plotly = dir / "node_modules" / "plotly.js-dist-min" / "plotly.min.js";
  if (!fs::is_regular_file(plotly, ec))
    throw InputError("the page needs plotly.js, which is not installed at " + plotly.string() +
                     ": run `npm ci --prefix " + dir.string() + "` (scripts/install-deps.sh does)");
  assets.files_["/vendor/plotly.min.js"] = {content_type(".js"), read_file(plotly)};
  return assets;
}

const WebAsset* WebAssets::find(const std::string& path) const {
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

}  // namespace descent::cli
