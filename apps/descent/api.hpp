// The JSON API behind `descent serve` (docs/api.md), as plain functions of a request, so that the
// tests can call every endpoint and every rejection without a network.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace descent::cli {

/// What the API answers: an HTTP status and a JSON body.
struct ApiResponse {
  int status = 200;
  std::string body;  ///< JSON; for an error {"error": message, "field": name or null}
};

/// Limits on what one request may ask for. What a request would cost is estimated from its
/// fields (the function's FunctionCost, the optimizers' evaluations per step, the steps, cells or
/// grid points) before anything is built, and a request over a limit is refused with 422.
struct ApiLimits {
  std::size_t max_body = 64 * 1024;          ///< bytes of a request body
  std::size_t max_steps = 10000;             ///< steps of a run
  std::size_t max_optimizers = 8;            ///< optimizers in one run
  std::size_t max_sweep_cells = 65536;       ///< cells of a sweep
  std::size_t max_sweep_steps = 5000;        ///< steps per sweep cell
  double max_sweep_work = 5e7;               ///< cells x steps of a sweep
  std::size_t max_surface_resolution = 401;  ///< grid points per side of a surface
  std::size_t max_dim = 1000;                ///< coordinates of a function
  double max_memory = 256e6;                 ///< bytes the function of a request may hold
  double max_work = 1e10;                    ///< operations of a request (FunctionCost's units)
  std::size_t max_answer_values = 1000000;   ///< numbers in an answer
  /// Work of a POST still running this long after the request came is cut off (503).
  std::chrono::milliseconds time_budget{10000};
  /// Not a limit but where the server looks: the `descent train` output folder that GET
  /// /api/network reads (its files are read on each request, never written).
  std::string network_folder = "descent-out";
};

/// One endpoint of the API, as docs/api.md's table lists it.
struct ApiEndpoint {
  std::string_view method;   ///< "GET" (the body is not read) or "POST" (a JSON object)
  std::string_view path;     ///< e.g. "/api/run"
  std::string_view summary;  ///< what it answers
};

/// An error answer: `status` and {"error": message, "field": null}.
ApiResponse api_error(int status, const std::string& message);

/// Every endpoint, in docs/api.md's order, from the route table that handle_api dispatches with.
std::vector<ApiEndpoint> api_endpoints();

/// Answers `method` `path` with `body` for one of api_endpoints() (GET /api/limits gives these
/// limits). Never throws: bad input gives 400 with a message naming the field, an unknown path
/// 404, a wrong method 405, a body over the limit 413, work over the limits 422, work cut off by
/// the time budget (counted from this call) or by `cancelled` 503, anything unexpected 500 (a
/// bug). `cancelled` is asked between steps of long work; the server's says whether the client
/// went away.
ApiResponse handle_api(const std::string& method, const std::string& path, const std::string& body,
                       const ApiLimits& limits = {}, const std::function<bool()>& cancelled = {});

}  // namespace descent::cli
