// The page as `descent serve` sends it: compressed for clients that accept gzip, plotly.js under
// a name that holds its hash (cacheable for good), the rest revalidated by ETag; and the installed
// program, which finds its page under share/descent/web of its own prefix.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "descent/error.hpp"
#include "served.hpp"
#include "web_assets.hpp"

namespace descent::cli {
namespace {

namespace fs = std::filesystem;
using test::Served;
using ::testing::HasSubstr;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string gunzip(const std::string& gz) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 16) != Z_OK) return "inflateInit2 failed";
  std::string out;
  char buffer[1 << 16];
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = static_cast<uInt>(gz.size());
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof buffer;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buffer, sizeof buffer - z.avail_out);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "not gzip";
}

/// The name index.html gives the plotly bundle: /vendor/plotly.HASH.min.js, 16 hex digits.
std::string plotly_path(const std::string& index) {
  const std::string head = "src=\"/vendor/plotly.", tail = ".min.js\"";
  const std::size_t at = index.find(head);
  if (at == std::string::npos || index.compare(at + head.size() + 16, tail.size(), tail) != 0)
    return "";
  const std::string hash = index.substr(at + head.size(), 16);
  if (hash.find_first_not_of("0123456789abcdef") != std::string::npos) return "";
  return "/vendor/plotly." + hash + ".min.js";
}

const fs::path kPlotly =
    fs::path(DESCENT_SOURCE_DIR) / "web" / "node_modules" / "plotly.js-dist-min" / "plotly.min.js";

TEST(ServePage, SendsPlotlyCompressedAndCacheable) {
  const Served served;
  ASSERT_GT(served.port(), 0) << served.line() << served.errors();
  httplib::Client client("127.0.0.1", served.port());
  client.set_decompress(false);  // the bytes as sent
  const httplib::Headers gzip = {{"Accept-Encoding", "gzip, deflate, br"}};
  const auto index = client.Get("/", gzip);
  ASSERT_TRUE(index);
  EXPECT_EQ(index->get_header_value("Content-Encoding"), "gzip");
  const std::string page = gunzip(index->body);
  const std::string named = plotly_path(page);
  ASSERT_NE(named, "") << page.substr(0, 600);
  const std::string plotly = slurp(kPlotly);
  ASSERT_GT(plotly.size(), 1000000u);

  // The bundle by its hashed name: gzip, a third of the size, and kept for a year.
  const auto packed = client.Get(named, gzip);
  ASSERT_TRUE(packed);
  EXPECT_EQ(packed->status, 200);
  EXPECT_EQ(packed->get_header_value("Content-Encoding"), "gzip");
  EXPECT_EQ(packed->get_header_value("Vary"), "Accept-Encoding");
  EXPECT_THAT(packed->get_header_value("Content-Type"), HasSubstr("javascript"));
  EXPECT_EQ(packed->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  EXPECT_LT(packed->body.size(), plotly.size() * 4 / 10);
  EXPECT_TRUE(gunzip(packed->body) == plotly) << "the gzip body is not plotly.min.js";

  // A client that does not accept gzip gets the file as it is.
  for (const char* accept : {"", "identity", "gzip;q=0, identity"}) {
    const auto plain = client.Get(named, {{"Accept-Encoding", accept}});
    ASSERT_TRUE(plain) << accept;
    EXPECT_EQ(plain->get_header_value("Content-Encoding"), "") << accept;
    EXPECT_TRUE(plain->body == plotly) << accept;
  }

  // The page's own files are revalidated each time: 304 while the copy held is current.
  const auto app = client.Get("/js/app.js", gzip);
  ASSERT_TRUE(app);
  EXPECT_EQ(app->get_header_value("Cache-Control"), "no-cache");
  const std::string etag = app->get_header_value("ETag");
  ASSERT_THAT(etag, ::testing::MatchesRegex(R"("[0-9a-f]{16}-gzip")"));
  httplib::Headers again = gzip;
  again.emplace("If-None-Match", etag);
  const auto same = client.Get("/js/app.js", again);
  ASSERT_TRUE(same);
  EXPECT_EQ(same->status, 304);
  EXPECT_EQ(same->body, "");
  const auto other = client.Get("/js/app.js", {{"If-None-Match", etag}});  // identity: other tag
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 200);
  EXPECT_EQ(other->body, slurp(fs::path(DESCENT_SOURCE_DIR) / "web" / "js" / "app.js"));
}

TEST(WebAssets, AcceptsGzipAsTheHeaderSays) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("br, gzip ; q=0.0"));
}

TEST(WebAssets, FindsThePageNextToTheProgramOrInTheSourceTreeForTheBuiltOne) {
  const fs::path root =
      fs::temp_directory_path() / ("descent-find-page-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "prefix" / "bin");
  fs::create_directories(root / "build" / "apps");
  fs::create_directories(root / "source" / "web");
  const fs::path installed = "../share/descent/web";
  // Installed, with its page: the page next to it.
  fs::create_directories(root / "prefix" / "share" / "descent" / "web");
  std::ofstream(root / "prefix" / "share" / "descent" / "web" / "index.html") << "<html></html>";
  EXPECT_EQ(find_page(root / "prefix" / "bin" / "descent", installed, root / "build" / "apps",
                      root / "source" / "web"),
            root / "prefix" / "share" / "descent" / "web");
  // The program where the build put it: the source tree.
  EXPECT_EQ(find_page(root / "build" / "apps" / "descent", installed, root / "build" / "apps",
                      root / "source" / "web"),
            root / "source" / "web");
  // Installed without its page: an error naming where it looked, never the source tree.
  fs::remove_all(root / "prefix" / "share");
  try {
    find_page(root / "prefix" / "bin" / "descent", installed, root / "build" / "apps",
              root / "source" / "web");
    ADD_FAILURE() << "an installed program without its page found one";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr((root / "prefix" / "share" / "descent" / "web").string()));
  }
  EXPECT_THROW(find_page("", installed, root / "build" / "apps", root / "source" / "web"),
               InputError);
  fs::remove_all(root);
}

// `cmake --install` into a prefix of its own, then the installed program, started from another
// folder, serves the page and plotly.js from that prefix: not from the source tree, whose path
// is compiled into the program.
TEST(Install, TheInstalledProgramServesThePageFromItsPrefix) {
  const fs::path root = fs::temp_directory_path() / ("descent-install-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "elsewhere");
  const std::string install = std::string("\"") + DESCENT_CMAKE + "\" --install \"" +
                              DESCENT_BUILD_DIR + "\" --prefix \"" + (root / "prefix").string() +
                              "\" > \"" + (root / "install.log").string() + "\" 2>&1";
  ASSERT_EQ(std::system(install.c_str()), 0) << slurp(root / "install.log");
  const fs::path web = root / "prefix" / "share" / "descent" / "web";
  for (const char* file : {"index.html", "style.css", "favicon.svg", "js/app.js", "js/views.js",
                           "vendor/plotly.min.js", "vendor/plotly.LICENSE"})
    EXPECT_TRUE(fs::is_regular_file(web / file)) << file;
  // A mark in the installed page shows which copy is served.
  std::ofstream(web / "index.html", std::ios::app) << "<!-- installed copy -->\n";
  const std::string program = (root / "prefix" / "bin" / "descent").string();
  {
    const Served served(program, {}, root / "elsewhere");
    ASSERT_GT(served.port(), 0) << served.line() << served.errors();
    httplib::Client client("127.0.0.1", served.port());
    const auto index = client.Get("/");
    ASSERT_TRUE(index);
    EXPECT_EQ(index->status, 200);
    EXPECT_THAT(index->body, HasSubstr("<!-- installed copy -->"));
    const std::string named = plotly_path(index->body);
    ASSERT_NE(named, "");
    for (const std::string& path : {named, std::string("/js/app.js"), std::string("/style.css")}) {
      const auto r = client.Get(path);
      ASSERT_TRUE(r) << path;
      EXPECT_EQ(r->status, 200) << path;
    }
    EXPECT_TRUE(client.Get(named)->body == slurp(kPlotly));
  }
  // Without its page the installed program says where it looked; it does not fall back to the
  // source tree.
  fs::rename(web, root / "moved");
  const Served without(program, {}, root / "elsewhere");
  EXPECT_EQ(without.port(), 0) << without.line();
  EXPECT_THAT(without.errors(), HasSubstr(web.string()));
  fs::remove_all(root);
}

}  // namespace
}  // namespace descent::cli
