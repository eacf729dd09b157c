#include "web_assets.hpp"

#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
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

/// 64-bit FNV-1a of `s`, as 16 hex digits: a name for a file's content.
std::string content_hash(const std::string& s) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

/// `s` compressed with gzip, or "" where that does not make it smaller. The fastest level: it makes
/// plotly.js 1.7 MB (the default level 1.5 MB) in a third of the time, which `serve` spends
/// starting.
std::string gzip(const std::string& s) {
  z_stream z{};
  if (deflateInit2(&z, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return "";
  std::string out(deflateBound(&z, static_cast<uLong>(s.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(s.data()));
  z.avail_in = static_cast<uInt>(s.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  return rc == Z_STREAM_END && out.size() < s.size() ? out : "";
}

WebAsset asset(const char* type, std::string body) {
  WebAsset a{type, std::move(body), "", "", false};
  a.gzipped = gzip(a.body);
  a.etag = "\"" + content_hash(a.body) + "\"";
  return a;
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
    assets.files_["/" + e.path().filename().string()] = asset(type, read_file(e.path()));
  }
  // The page's script modules: the .js files directly in js/, no deeper.
  if (fs::is_directory(dir / "js", ec)) {
    for (const fs::directory_entry& e : fs::directory_iterator(dir / "js")) {
      if (!e.is_regular_file() || e.path().extension() != ".js") continue;
      assets.files_["/js/" + e.path().filename().string()] =
          asset(content_type(".js"), read_file(e.path()));
    }
  }
  fs::path plotly = dir / "vendor" / "plotly.min.js";
  if (!fs::is_regular_file(plotly, ec))
    plotly = dir / "node_modules" / "plotly.js-dist-min" / "plotly.min.js";
  if (!fs::is_regular_file(plotly, ec))
    throw InputError(
        "the page needs plotly.js, which is not installed at " + plotly.string() +
        (fs::is_regular_file(dir / "package.json", ec)
             ? ": run `npm ci --prefix " + dir.string() + "` (scripts/install-deps.sh does)"
             : std::string(" or at ") + (dir / "vendor" / "plotly.min.js").string()));
  WebAsset bundle = asset(content_type(".js"), read_file(plotly));
  // The bundle, 4.8 MB, is also served under a name that holds its hash, and the page asks for
  // it by that name: a browser keeps it (and its compiled code) until the bundle changes.
  const std::string named = "/vendor/plotly." + bundle.etag.substr(1, 16) + ".min.js";
  assets.files_["/vendor/plotly.min.js"] = bundle;
  bundle.immutable = true;
  assets.files_[named] = std::move(bundle);
  // The pages ask for the bundle by its hashed name.
  const std::string plain = "src=\"/vendor/plotly.min.js\"";
  for (const char* name : {"/index.html", "/lessons.html"}) {
    const auto it = assets.files_.find(name);
    if (it == assets.files_.end()) continue;
    WebAsset& html = it->second;
    if (const std::size_t at = html.body.find(plain); at != std::string::npos)
      html = asset(content_type(".html"),
                   html.body.replace(at, plain.size(), "src=\"" + named + "\""));
  }
  assets.files_["/"] = assets.files_.at("/index.html");
  return assets;
}

const WebAsset* WebAssets::find(const std::string& path) const {
  // The lessons' addresses, /lessons and /lessons/N (with or without a final '/'), are one page
  // that reads its chapter from the path.
  if (path == "/lessons" || path.starts_with("/lessons/")) {
    std::string rest = path.substr(std::min<std::size_t>(path.size(), 9));
    if (rest.ends_with('/')) rest.pop_back();
    if (std::all_of(rest.begin(), rest.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return find("/lessons.html");
  }
  const auto it = files_.find(path);
  return it == files_.end() ? nullptr : &it->second;
}

fs::path find_page(const fs::path& exe, const fs::path& installed, const fs::path& build_dir,
                   const fs::path& source) {
  std::error_code ec;
  if (exe.empty())
    throw InputError(
        "cannot tell where this program is, so not where its page is: name the "
        "page's folder with --web DIR");
  const fs::path here = exe.parent_path();
  const fs::path page = (here / installed).lexically_normal();
  if (fs::is_regular_file(page / "index.html", ec)) return page;
  if (!build_dir.empty() && fs::equivalent(here, build_dir, ec)) return source;
  throw InputError("no page at " + page.string() +
                   ": index.html is missing (install descent with `cmake --install`, or name the "
                   "page's folder with --web DIR)");
}

bool accepts_gzip(const std::string& accept_encoding) {
  std::istringstream in(accept_encoding);
  for (std::string item; std::getline(in, item, ',');) {
    std::string lower;
    for (const char c : item)
      if (!std::isspace(static_cast<unsigned char>(c)))
        lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    const std::size_t semi = lower.find(';');
    const std::string name = lower.substr(0, semi);
    if (name != "gzip" && name != "x-gzip" && name != "*") continue;
    if (semi == std::string::npos) return true;
    const std::size_t q = lower.find("q=", semi);
    if (q == std::string::npos) return true;
    try {
      return std::stod(lower.substr(q + 2)) > 0;
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

}  // namespace descent::cli
