// `descent serve`: the interactive page (web/) and the JSON API (docs/api.md) over HTTP, on
// loopback by default.
//
// What keeps it safe to leave running while browsing other sites:
//   - a request is answered only when its Host names this machine (localhost, 127.0.0.1, [::1],
//     the address given with --host, or a name given with --allow-host): a page whose own name
//     resolves to 127.0.0.1 (DNS rebinding) gets 421;
//   - a request from another origin (its Origin header) gets 403, and a POST must say it is
//     JSON (415 otherwise), which no cross-origin form or simple fetch can do without asking
//     first (CORS preflight, which gets 405);
//   - every POST is estimated before any work (api.hpp's limits, 422) and cut off at its time
//     budget, counted from its arrival, or as soon as its client goes away;
//   - at most kExpensiveAtOnce POSTs run at once; others wait up to kQueueWait, then get 503
//     with Retry-After, so that the page's files and GETs stay fast on a busy server;
//   - slow or idle connections are dropped after a few seconds, and a worker pool much larger
//     than the expensive slots keeps cheap requests answered while connections idle.
#include <fmt/format.h>
#include <httplib.h>
#include <malloc.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <semaphore>
#include <string>
#include <string_view>
#include <vector>

#include "api.hpp"
#include "commands.hpp"
#include "descent/error.hpp"
#include "experiment.hpp"
#include "web_assets.hpp"

namespace descent::cli {
namespace {

using Clock = std::chrono::steady_clock;

constexpr std::ptrdiff_t kExpensiveAtOnce = 2;        ///< POSTs that run at the same time
constexpr auto kQueueWait = std::chrono::seconds(2);  ///< the longest a POST waits for a slot
constexpr std::size_t kWorkers = 64;                  ///< connections served at the same time
constexpr std::ptrdiff_t kMaxRanges = 4;              ///< parts of a Range header

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

/// An authority ("localhost:8080", "[::1]:8080", "example.org") as a lowercase host and a port
/// (80 when it names none).
struct Authority {
  std::string host, port;
};
Authority split(std::string_view authority) {
  const std::size_t end = authority.starts_with('[') ? authority.find(']') : 0;
  if (end == std::string_view::npos) return {lowercase(authority), "80"};
  const std::size_t colon = authority.find(':', end);
  if (colon == std::string_view::npos) return {lowercase(authority), "80"};
  return {lowercase(authority.substr(0, colon)), std::string(authority.substr(colon + 1))};
}
std::string host_of(std::string_view authority) { return split(authority).host; }

bool is_loopback(std::string_view host) {
  return host == "localhost" || host == "127.0.0.1" || host == "[::1]" || host == "::1";
}

/// Who may ask: the host names a request's Host and Origin may carry, and the port.
struct Gate {
  std::vector<std::string> hosts;
  int port = 0;

  bool allowed_host(const std::string& host) const {
    return is_loopback(host) || std::find(hosts.begin(), hosts.end(), host) != hosts.end();
  }
  /// The refusal of a request that fails a check, or status 0.
  ApiResponse check(const httplib::Request& req) const {
    if (req.has_header("Host")) {
      const std::string host = host_of(req.get_header_value("Host"));
      if (!allowed_host(host))
        return api_error(421, "this server answers requests for localhost only, not for '" + host +
                                  "' (start it with --allow-host " + host +
                                  " to accept that name)");
    }
    if (req.has_header("Origin")) {
      const std::string origin = req.get_header_value("Origin");
      const std::string scheme = "http://";
      const Authority from = split(origin.starts_with(scheme) ? origin.substr(scheme.size()) : "");
      if (!origin.starts_with(scheme) || !allowed_host(from.host) ||
          from.port != std::to_string(port))
        return api_error(403, "requests from another origin ('" + origin + "') are refused");
    }
    if (req.has_header("Range") &&
        std::ranges::count(req.get_header_value("Range"), ',') + 1 > kMaxRanges)
      return api_error(
          416, "a Range header may ask for at most " + std::to_string(kMaxRanges) + " parts");
    if (req.method == "POST" && req.path.starts_with("/api/")) {
      const std::string type = req.get_header_value("Content-Type");
      if (lowercase(type.substr(0, type.find(';'))) != "application/json")
        return api_error(415,
                         "a POST must carry its JSON body with Content-Type: "
                         "application/json, not '" +
                             type + "'");
    }
    return {0, ""};
  }
};

/// Whether the client of a request has gone away: its connection's socket, found among this
/// process's descriptors by the connection's two ports, is polled for the peer's hang-up (at
/// most every 10 ms, so that asking often costs nothing).
class PeerWatch {
 public:
  explicit PeerWatch(const httplib::Request& req) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
      int fd = -1;
      try {
        fd = std::stoi(entry.path().filename().string());
      } catch (const std::exception&) {
        continue;
      }
      if (port_of(fd, getsockname) == req.local_port &&
          port_of(fd, getpeername) == req.remote_port) {
        fd_ = fd;
        break;
      }
    }
  }
  bool gone() {
    if (fd_ < 0) return false;
    const auto now = Clock::now().time_since_epoch().count();
    auto last = last_.load(std::memory_order_relaxed);
    if (now - last < std::chrono::nanoseconds(std::chrono::milliseconds(10)).count())
      return gone_.load(std::memory_order_relaxed);
    if (!last_.compare_exchange_strong(last, now)) return gone_.load(std::memory_order_relaxed);
    pollfd p{fd_, POLLRDHUP, 0};
    if (poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0) gone_ = true;
    return gone_.load(std::memory_order_relaxed);
  }

 private:
  template <class Name>
  static int port_of(int fd, Name name) {
    sockaddr_storage a{};
    socklen_t length = sizeof a;
    if (name(fd, reinterpret_cast<sockaddr*>(&a), &length) != 0) return -1;
    if (a.ss_family == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&a)->sin_port);
    if (a.ss_family == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&a)->sin6_port);
    return -1;
  }

  int fd_ = -1;
  std::atomic<Clock::rep> last_{0};
  std::atomic<bool> gone_{false};
};

void send(httplib::Response& res, const ApiResponse& r) {
  res.status = r.status;
  res.set_content(r.body, "application/json");
}

}  // namespace

int serve_command(const ServeArgs& args) {
  const std::size_t port = parse_count(args.port, "--port", 65535);
  const ApiLimits limits = [&] {
    ApiLimits l;
    l.network_folder = args.network;
    return l;
  }();
  WebAssets page;
  if (!args.no_page) {
    std::error_code ec;
    const std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
    page = WebAssets::load(!args.web.empty() ? std::filesystem::path(args.web)
                                             : find_page(exe, DESCENT_WEB_INSTALLED,
                                                         DESCENT_BUILD_BIN_DIR, DESCENT_WEB_DIR));
  }
  Gate gate;
  for (const std::string& h : args.allow_hosts) gate.hosts.push_back(host_of(h));
  const std::string bound_host =
      host_of(args.host.find(':') != std::string::npos && !args.host.starts_with('[')
                  ? "[" + args.host + "]"
                  : args.host);
  if (bound_host != "0.0.0.0" && bound_host != "[::]") gate.hosts.push_back(bound_host);
  std::counting_semaphore<kExpensiveAtOnce> slots(kExpensiveAtOnce);
  // Few malloc arenas for many worker threads: memory a large answer freed is found again by the
  // next request and given back by malloc_trim, not kept in an arena per thread.
  mallopt(M_ARENA_MAX, 2);

  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(kWorkers); };
  // Only SO_REUSEADDR: with SO_REUSEPORT a second server on a busy port would start and share
  // its requests.
  server.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  // Bodies over the limit are refused by the API with a message; a little slack lets them reach it.
  server.set_payload_max_length(limits.max_body + 1);
  server.set_read_timeout(2, 0);
  server.set_write_timeout(5, 0);
  server.set_keep_alive_timeout(2);
  server.set_keep_alive_max_count(100);
  server.set_tcp_nodelay(true);  // small answers go out at once, not after a delayed ACK
  server.set_pre_routing_handler([&](const httplib::Request& req, httplib::Response& res) {
    const ApiResponse refusal = gate.check(req);
    // Byte ranges apply to the page's files only: the library would cut a JSON answer (a refusal
    // included) into the ranges asked for. The request is the library's own, non-const object.
    if (refusal.status != 0 || req.path.starts_with("/api/"))
      const_cast<httplib::Request&>(req).ranges.clear();
    if (refusal.status == 0) return httplib::Server::HandlerResponse::Unhandled;
    send(res, refusal);
    return httplib::Server::HandlerResponse::Handled;
  });
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr e) {
        std::string what = "unknown";
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          what = x.what();
        } catch (...) {
        }
        send(res, api_error(500, "internal error: " + what));
      });
  const auto answer = [&](const httplib::Request& req, httplib::Response& res) {
    const Clock::time_point arrival = Clock::now();
    if ((req.method == "GET" || req.method == "HEAD") && !req.path.starts_with("/api/")) {
      if (const WebAsset* a = page.find(req.path)) {
        // A file named by its hash may be kept for good; the others are asked for again each
        // time, and answered 304 while the client's copy is current.
        res.set_header("Cache-Control",
                       a->immutable ? "public, max-age=31536000, immutable" : "no-cache");
        const bool gz =
            !a->gzipped.empty() && accepts_gzip(req.get_header_value("Accept-Encoding"));
        const std::string etag = gz ? a->etag.substr(0, a->etag.size() - 1) + "-gzip\"" : a->etag;
        res.set_header("ETag", etag);
        if (!a->gzipped.empty()) res.set_header("Vary", "Accept-Encoding");
        const std::string none_match = req.get_header_value("If-None-Match");
        if (none_match == "*" || none_match.find(etag) != std::string::npos) {
          res.status = 304;
          return;
        }
        // Sent as they are, compressed once when the page was read: a body of known length is
        // not compressed per request, which for plotly.js (4.8 MB) would cost a second each time.
        const std::string* body = gz ? &a->gzipped : &a->body;
        if (gz) res.set_header("Content-Encoding", "gzip");
        res.set_content_provider(
            body->size(), a->content_type,
            [body](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
              return sink.write(body->data() + offset, std::min(length, body->size() - offset));
            });
        return;
      }
    }
    if (req.method != "POST") return send(res, handle_api(req.method, req.path, req.body, limits));
    if (!slots.try_acquire_for(kQueueWait)) {
      res.set_header("Retry-After", "1");
      return send(res, api_error(503, fmt::format("the server is busy with {} other requests; "
                                                  "try again in a moment",
                                                  kExpensiveAtOnce)));
    }
    ApiLimits mine = limits;  // the time budget counts from the request's arrival
    mine.time_budget -=
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - arrival);
    PeerWatch peer(req);
    const ApiResponse r =
        handle_api(req.method, req.path, req.body, mine, [&] { return peer.gone(); });
    slots.release();
    if (r.status == 503 && peer.gone())
      fmt::print(stderr, "descent serve: {} {} stopped after {:.2f} s: its client went away\n",
                 req.method, req.path,
                 std::chrono::duration<double>(Clock::now() - arrival).count());
    malloc_trim(0);  // give the memory of a large answer back now, not whenever malloc decides
    send(res, r);
  };
  const char* pattern = R"(/.*)";
  server.Get(pattern, answer);
  server.Post(pattern, answer);
  server.Put(pattern, answer);
  server.Delete(pattern, answer);
  server.Patch(pattern, answer);
  server.Options(pattern, answer);
  int bound = -1;
  if (port == 0) {
    bound = server.bind_to_any_port(args.host.c_str());
  } else if (server.bind_to_port(args.host.c_str(), static_cast<int>(port))) {
    bound = static_cast<int>(port);
  }
  if (bound <= 0)
    throw SystemFailure("cannot listen on " + args.host + ":" + std::to_string(port) +
                        " (in use, or not an address of this machine)");
  gate.port = bound;
  if (!is_loopback(bound_host))
    fmt::print(stderr,
               "warning: listening on {}, not on loopback: other machines can reach the lab and "
               "make it compute (each request within docs/api.md's limits)\n",
               args.host);
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
