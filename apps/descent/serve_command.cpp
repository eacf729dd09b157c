// `descent serve`: the interactive page (web/) and the JSON API (docs/api.md) over HTTP, on
// loopback by default.
#include <fmt/format.h>
#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "api.hpp"
#include "commands.hpp"
#include "descent/error.hpp"
#include "experiment.hpp"
#include "web_assets.hpp"

namespace descent::cli {

int serve_command(const ServeArgs& args) {
  const std::size_t port = parse_count(args.port, "--port", 65535);
  const ApiLimits limits;
  WebAssets page;
  if (!args.no_page) page = WebAssets::load(args.web);
  httplib::Server server;
  // Bodies over the limit are refused by the API with a message; a little slack lets them reach it.
  server.set_payload_max_length(limits.max_body + 1);
  server.set_read_timeout(5, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_max_count(100);
  server.set_tcp_nodelay(true);  // small answers go out at once, not after a delayed ACK
  const auto answer = [&](const httplib::Request& req, httplib::Response& res) {
    if ((req.method == "GET" || req.method == "HEAD") && !req.path.starts_with("/api/")) {
      if (const WebAsset* a = page.find(req.path)) {
        // Sent as they are: a body of known length is not compressed per request, which for
        // plotly.js (4.8 MB) would cost seconds each time.
        res.set_content_provider(
            a->body.size(), a->content_type,
            [a](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
              return sink.write(a->body.data() + offset, std::min(length, a->body.size() - offset));
            });
        res.set_header("Cache-Control", "no-cache");
        return;
      }
    }
    const ApiResponse r = handle_api(req.method, req.path, req.body, limits);
    res.status = r.status;
    res.set_content(r.body, "application/json");
  };
  for (const char* pattern : {R"(/.*)"}) {
    server.Get(pattern, answer);
    server.Post(pattern, answer);
    server.Put(pattern, answer);
    server.Delete(pattern, answer);
    server.Patch(pattern, answer);
  }
  int bound = -1;
  if (port == 0) {
    bound = server.bind_to_any_port(args.host.c_str());
  } else if (server.bind_to_port(args.host.c_str(), static_cast<int>(port))) {
    bound = static_cast<int>(port);
  }
  if (bound <= 0)
    throw InputError("cannot listen on " + args.host + ":" + std::to_string(port) +
                     " (in use, or not an address of this machine)");
  if (args.no_page)
    fmt::print("serving the descent API at http://{}:{}/api/ (docs/api.md); Ctrl-C stops\n",
               args.host, bound);
  else
    fmt::print("serving the descent lab at http://{}:{}/ (API under /api/); Ctrl-C stops\n",
               args.host, bound);
  std::fflush(stdout);
  server.listen_after_bind();
  return 0;
}

}  // namespace descent::cli
