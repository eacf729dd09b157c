// Load on `descent serve` over loopback: N connections (default 2) sending requests for a fixed
// time (default 10 s), each waiting for its answer before the next; then the requests per second,
// the errors, and latency percentiles. Also times one heavy request, a run of six optimizers x
// 1000 steps on a typed expression, as the median of 50.
//
//   descent serve --port 8080 &
//   build/release/bench/descent_bench_api_load [--port 8080] [--connections 2] [--seconds 10]
#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

double percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  int port = 8080, connections = 2;
  double seconds = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--port") port = std::atoi(argv[i + 1]);
    if (a == "--connections") connections = std::atoi(argv[i + 1]);
    if (a == "--seconds") seconds = std::atof(argv[i + 1]);
  }
  // A mix of what the page asks for: the registry once in a while, runs mostly.
  const std::string run_body =
      R"({"function": "w1^2 + 8*w2^2", "start": [1, 1], "steps": 100,
          "optimizers": ["sgd:lr=0.1", "momentum:lr=0.1,alpha=0.9", "rmsprop:lr=0.1"]})";
  std::atomic<long> requests{0}, errors{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(connections));
  const auto end = Clock::now() + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < connections; ++c)
    threads.emplace_back([&, c] {
      httplib::Client client("127.0.0.1", port);
      client.set_keep_alive(true);
      client.set_tcp_nodelay(true);
      for (long k = 0; Clock::now() < end; ++k) {
        const auto t0 = Clock::now();
        const auto r = k % 10 == 0 ? client.Get("/api/functions")
                                   : client.Post("/api/run", run_body, "application/json");
        latencies[static_cast<std::size_t>(c)].push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        ++requests;
        if (!r || r->status != 200) ++errors;
      }
    });
  for (auto& t : threads) t.join();
  std::vector<double> all;
  for (const auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  std::printf(
      "%d connection(s), %.0f s: %ld requests, %ld errors, %.0f requests/s; latency "
      "median %.2f ms, 99th percentile %.2f ms\n",
      connections, seconds, requests.load(), errors.load(),
      static_cast<double>(requests.load()) / seconds, percentile(all, 0.5), percentile(all, 0.99));

  const std::string heavy =
      R"({"function": "w1^2 + 8*w2^2", "start": [1, 1], "steps": 1000,
          "optimizers": ["sgd:lr=0.05", "momentum:lr=0.05,alpha=0.9", "nesterov:lr=0.05",
                         "rmsprop:lr=0.01", "adam:lr=0.05", "adagrad:lr=0.5"]})";
  httplib::Client client("127.0.0.1", port);
  client.set_tcp_nodelay(true);
  std::vector<double> times;
  std::size_t bytes = 0;
  for (int k = 0; k < 50; ++k) {
    const auto t0 = Clock::now();
    const auto r = client.Post("/api/run", heavy, "application/json");
    times.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
    if (!r || r->status != 200) {
      std::printf("the heavy request failed\n");
      return 1;
    }
    bytes = r->body.size();
  }
  std::printf(
      "run of 6 optimizers x 1000 steps on a typed expression (%zu bytes of JSON): "
      "median %.2f ms, fastest %.2f ms over 50 requests\n",
      bytes, percentile(times, 0.5), percentile(times, 0.0));
  return errors.load() == 0 ? 0 : 1;
}
