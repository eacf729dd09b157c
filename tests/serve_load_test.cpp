// `descent serve` under load, on loopback: eight concurrent requests of each expensive endpoint at
// the size of its limits, eight slow connections that never finish their headers, and a cheap
// GET every 100 ms. The cheap GET stays fast (p99 under 100 ms), every expensive request ends
// within the time budget plus 1 s (answered, cut off, or told to come back), and the server's
// memory returns to within 50 MB of where it started. A client that goes away stops its work.
//
// Timing bounds are the point of this test, so it is built without the sanitizers (the asan
// preset leaves it out: DESCENT_TEST_LOAD).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "served.hpp"

namespace descent::test {
namespace {

using Clock = std::chrono::steady_clock;
using json = nlohmann::json;

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// The resident memory of process `pid`, in bytes.
double resident_bytes(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  double kb = 0;
  while (in >> key) {
    if (key == "VmRSS:") {
      in >> kb;
      break;
    }
  }
  return kb * 1024;
}

/// A connection that sends the start of a request's headers and then one byte a second, never
/// finishing them (a slowloris), until stopped.
class SlowClient {
 public:
  explicit SlowClient(int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return;
    thread_ = std::thread([this] {
      const std::string start = "GET /api/limits HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ";
      (void)send(fd_, start.data(), start.size(), MSG_NOSIGNAL);
      while (!stop_) {
        std::this_thread::sleep_for(std::chrono::seconds(1));
        if (send(fd_, "a", 1, MSG_NOSIGNAL) != 1) break;  // dropped by the server
      }
    });
  }
  ~SlowClient() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
    close(fd_);
  }

 private:
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

/// GET /api/limits every 100 ms on a new connection, recording how long each took.
class CheapProbe {
 public:
  explicit CheapProbe(int port) {
    thread_ = std::thread([this, port] {
      while (!stop_) {
        const Clock::time_point t = Clock::now();
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(10, 0);
        const auto r = client.Get("/api/limits");
        const double took = seconds_since(t);
        {
          const std::lock_guard<std::mutex> lock(mutex_);
          latencies_.push_back(r && r->status == 200 ? took : 1e9);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
  }
  ~CheapProbe() { stop(); }
  void stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::vector<double> latencies() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return latencies_;
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::vector<double> latencies_;
  std::thread thread_;
};

/// Requests at the size of the limits (docs/api.md), one per expensive endpoint.
struct Heavy {
  const char* path;
  std::string body;
};

std::vector<Heavy> heavy_requests() {
  std::string expression = "sin(x*y)*cos(y)";
  while (expression.size() < 1980) expression += "+sin(x*y)*cos(y)";
  return {
      // 1,400 Adam steps on least squares of 10,000 x 100: about the work limit (1e10).
      {"/api/run",
       R"({"function": "least_squares:n=10000,d=100", "steps": 1400, "optimizers": ["adam"]})"},
      // Eight optimizers, 10,000 steps each on a formula.
      {"/api/run",
       R"({"function": "rosenbrock", "steps": 10000, "optimizers": ["sgd", "momentum", "adam",
           "rmsprop", "adagrad", "nadam", "lion", "lbfgs"]})"},
      // 5e7 cells x steps, the sweep limit.
      {"/api/sweep",
       R"({"function": "rosenbrock", "grid": ["lr=1e-4:1e-2:log:100", "alpha=0:0.95:lin:100"],
           "steps": 5000})"},
      // 401 x 401 points of a 2,000-character expression.
      {"/api/surface", R"({"function": ")" + expression + R"(", "resolution": 401})"},
      // A Hessian of 200 coordinates, its function built from 5,000 x 200 data.
      {"/api/analyze", R"({"function": "least_squares:n=5000,d=200"})"},
  };
}

TEST(ServeLoad, CheapRequestsStayFastAndEveryRequestEndsInTime) {
  const Served served({"--no-page"});
  ASSERT_GT(served.port(), 0) << served.line();
  httplib::Client client("127.0.0.1", served.port());
  client.set_read_timeout(30, 0);
  const auto limits = client.Get("/api/limits");
  ASSERT_TRUE(limits);
  const double budget = json::parse(limits->body).at("limits").at("time_budget_ms").get<double>();
  // Each request once, alone: all are within the limits.
  for (const Heavy& h : heavy_requests()) {
    const auto r = client.Post(h.path, h.body, "application/json");
    ASSERT_TRUE(r) << h.path;
    EXPECT_EQ(r->status, 200) << h.path << " " << r->body.substr(0, 300);
  }
  const double start_memory = resident_bytes(served.pid());

  std::vector<std::unique_ptr<SlowClient>> slow;
  for (int i = 0; i < 8; ++i) slow.push_back(std::make_unique<SlowClient>(served.port()));
  CheapProbe probe(served.port());
  std::map<int, int> statuses;
  std::mutex mutex;
  for (const Heavy& h : heavy_requests()) {
    std::vector<std::thread> clients;
    for (int i = 0; i < 8; ++i)
      clients.emplace_back([&] {
        const Clock::time_point t = Clock::now();
        httplib::Client c("127.0.0.1", served.port());
        c.set_read_timeout(60, 0);
        const auto r = c.Post(h.path, h.body, "application/json");
        const double took = seconds_since(t);
        const std::lock_guard<std::mutex> lock(mutex);
        ASSERT_TRUE(r) << h.path;
        ++statuses[r->status];
        EXPECT_TRUE(r->status == 200 || r->status == 503) << h.path << " " << r->status;
        if (r->status == 503 && r->body.find("busy") != std::string::npos) {
          EXPECT_EQ(r->get_header_value("Retry-After"), "1");
        }
        EXPECT_LT(took, budget / 1000 + 1) << h.path << " took " << took << " s";
      });
    for (std::thread& t : clients) t.join();
  }
  probe.stop();
  slow.clear();

  std::vector<double> latencies = probe.latencies();
  ASSERT_GE(latencies.size(), 20u);
  std::sort(latencies.begin(), latencies.end());
  const double p99 = latencies[latencies.size() * 99 / 100];
  EXPECT_LT(p99, 0.1) << "cheap GET p99 over " << latencies.size() << " requests";
  EXPECT_GT(statuses[200], 0);
  std::this_thread::sleep_for(std::chrono::seconds(1));
  const double end_memory = resident_bytes(served.pid());
  EXPECT_LT(end_memory, start_memory + 50e6) << "resident memory " << start_memory / 1e6
                                             << " MB before, " << end_memory / 1e6 << " MB after";
  std::printf("cheap GET: %zu requests, median %.1f ms, p99 %.1f ms, max %.1f ms; expensive: ",
              latencies.size(), latencies[latencies.size() / 2] * 1e3, p99 * 1e3,
              latencies.back() * 1e3);
  for (const auto& [status, count] : statuses) std::printf("%d x %d ", count, status);
  std::printf("; memory %.0f MB -> %.0f MB\n", start_memory / 1e6, end_memory / 1e6);
}

TEST(ServeLoad, WorkStopsWhenItsClientGoesAway) {
  const Served served({"--no-page"});
  ASSERT_GT(served.port(), 0) << served.line();
  // Eight optimizers for 10,000 steps of a long expression: seconds of work, checked between
  // steps.
  std::string expression = "sin(x*y)*cos(y)";
  while (expression.size() < 1980) expression += "+sin(x*y)*cos(y)";
  const std::string body = R"({"function": ")" + expression +
                           R"(", "steps": 10000, "optimizers": ["sgd", "momentum", "adam",
                              "rmsprop", "adagrad", "nadam", "lion", "adamax"]})";
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(served.port()));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  const std::string request =
      "POST /api/run HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  ASSERT_EQ(send(fd, request.data(), request.size(), MSG_NOSIGNAL),
            static_cast<ssize_t>(request.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  close(fd);
  const Clock::time_point left = Clock::now();
  std::string log;
  while (seconds_since(left) < 5 && log.find("client went away") == std::string::npos) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    log = served.errors();
  }
  EXPECT_NE(log.find("POST /api/run stopped after"), std::string::npos) << log;
  std::printf("%s", log.c_str());
}

}  // namespace
}  // namespace descent::test
