// libFuzzer target for the JSON API of `descent serve`: the first byte picks a POST endpoint, the
// rest is the request body. Every answer must be one the API documents for a request that is
// well formed or not (200, 400, 413, 422, 503: never 500, which is a bug) with a JSON body. The
// limits are small so that each input runs fast. scripts/fuzz.sh runs it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "api.hpp"
#include "descent/parallel.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr const char* kPaths[] = {"/api/run", "/api/analyze", "/api/sweep", "/api/surface"};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  descent::set_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string path = kPaths[data[0] % 4];
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  descent::cli::ApiLimits limits;
  limits.max_body = 4096;
  limits.max_steps = 200;
  limits.max_optimizers = 4;
  limits.max_sweep_cells = 64;
  limits.max_sweep_steps = 100;
  limits.max_sweep_work = 2000;
  limits.max_surface_resolution = 21;
  limits.max_dim = 100;
  limits.max_memory = 1e7;
  limits.max_work = 1e8;
  limits.max_answer_values = 100000;
  limits.time_budget = std::chrono::milliseconds(2000);
  const descent::cli::ApiResponse r = descent::cli::handle_api("POST", path, body, limits);
  check(r.status == 200 || r.status == 400 || r.status == 413 || r.status == 422 ||
        r.status == 503);
  const nlohmann::json answer = nlohmann::json::parse(r.body, nullptr, false);
  check(answer.is_object());
  if (r.status != 200) check(answer.contains("error") && answer.at("error").is_string());
  return 0;
}
