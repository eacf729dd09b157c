// libFuzzer target for the JSON API of `descent serve`: the first byte picks a POST endpoint, the
// rest is the request body. Every answer must be one the API documents for a request that is
// well formed or not (200, 400, 413, 503: never 500, which is a bug) with a JSON body. The limits
// are small so that each input runs fast. scripts/fuzz.sh runs it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "api.hpp"
#include "descent/error.hpp"
#include "descent/objective.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

constexpr const char* kPaths[] = {"/api/run", "/api/analyze", "/api/sweep", "/api/surface"};

// A point may have at most 1000 coordinates (docs/api.md); a function of more variables, such as
// "rosenbrock:n=10000000", is left out here: the API has no limit on a function's dimension yet,
// and running one would only measure the machine.
bool function_too_large(const std::string& body) {
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("function") || !j.at("function").is_string()) return false;
  try {
    return descent::make_function(j.at("function").get<std::string>())->dim() > 1000;
  } catch (const descent::InputError&) {
    return false;
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  descent::set_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string path = kPaths[data[0] % 4];
  const std::string body(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (function_too_large(body)) return 0;
  descent::cli::ApiLimits limits;
  limits.max_body = 4096;
  limits.max_steps = 200;
  limits.max_optimizers = 4;
  limits.max_sweep_cells = 64;
  limits.max_sweep_steps = 100;
  limits.max_sweep_work = 2000;
  limits.max_surface_resolution = 21;
  limits.time_budget = std::chrono::milliseconds(2000);
  const descent::cli::ApiResponse r = descent::cli::handle_api("POST", path, body, limits);
  check(r.status == 200 || r.status == 400 || r.status == 413 || r.status == 503);
  const nlohmann::json answer = nlohmann::json::parse(r.body, nullptr, false);
  check(answer.is_object());
  if (r.status != 200) check(answer.contains("error") && answer.at("error").is_string());
  return 0;
}
