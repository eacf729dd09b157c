#include "api.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "descent/error.hpp"
#include "descent/noise.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "descent/study.hpp"
#include "descent/sweep.hpp"
#include "descent/theory.hpp"
#include "network_data.hpp"
#include "run_json.hpp"

namespace descent::cli {
namespace {

using json = nlohmann::json;

/// Bad input in a request: the message and the field it concerns.
struct BadRequest : std::runtime_error {
  BadRequest(std::string field_, const std::string& message)
      : std::runtime_error(message), field(std::move(field_)) {}
  std::string field;
};

/// A request whose work is over the limits (422): the message gives the limit.
struct OverLimit : BadRequest {
  using BadRequest::BadRequest;
};

/// What one call may use: the limits, and whether its work must stop now (the time budget ran
/// out or the caller gave up).
struct Call {
  const ApiLimits& limits;
  std::function<bool()> cancelled;
};

// Bytes that are not UTF-8 (a request's text quoted in a message) are replaced, never a 500.
ApiResponse reply(int status, const json& body) {
  return {status, body.dump(-1, ' ', false, json::error_handler_t::replace)};
}

ApiResponse error(int status, const std::string& message, const std::string& field = "") {
  return reply(status,
               {{"error", message}, {"field", field.empty() ? json(nullptr) : json(field)}});
}

// ---- GET /api/functions, /api/optimizers, /api/limits

json param_json(const ParamInfo& p) {
  json j = {{"name", p.name},
            {"doc", p.doc},
            {"type", to_string(p.type)},
            {"range", p.range_text()},
            {"log_scale", p.log_scale},
            {"always_shown", p.always_shown}};
  if (p.type == ParamType::choice) j["choices"] = p.choices;
  if (p.is_list()) {
    j["default"] = p.default_list;
  } else {
    j["default"] = finite_or_null(p.default_value);
    j["min"] = finite_or_null(p.min);
    j["max"] = finite_or_null(p.max);
    j["min_inclusive"] = p.min_inclusive;
    j["max_inclusive"] = p.max_inclusive;
  }
  return j;
}

json params_json(const std::vector<ParamInfo>& params) {
  json out = json::array();
  for (const ParamInfo& p : params) out.push_back(param_json(p));
  return out;
}

ApiResponse functions(const json& /*body*/, const Call& /*call*/) {
  json list = json::array();
  for (const FunctionInfo* info : function_catalog()) {
    const std::unique_ptr<Objective> f = make_function(info->name);
    const Box box = f->bounds();
    list.push_back({{"name", info->name},
                    {"doc", info->doc},
                    {"formula", f->formula()},
                    {"dim", f->dim()},
                    {"default_start", f->default_start()},
                    {"bounds", {{"lower", box.lower}, {"upper", box.upper}}},
                    {"params", params_json(info->params)}});
  }
  return reply(200, {{"functions", list}});
}

ApiResponse optimizers(const json& /*body*/, const Call& /*call*/) {
  json list = json::array();
  for (const OptimizerInfo* info : optimizer_catalog())
    list.push_back({{"name", info->name},
                    {"doc", info->doc},
                    {"reference", info->reference},
                    {"family", to_string(info->family)},
                    {"year", info->year},
                    {"params", params_json(info->params)}});
  return reply(200, {{"optimizers", list}});
}

// The limits every request is held to, so that a client (the lab page) clamps its inputs to the
// same numbers instead of repeating them.
ApiResponse limits_of(const json& /*body*/, const Call& call) {
  const ApiLimits& l = call.limits;
  return reply(200, {{"limits",
                      {{"max_body", l.max_body},
                       {"max_steps", l.max_steps},
                       {"max_optimizers", l.max_optimizers},
                       {"max_sweep_cells", l.max_sweep_cells},
                       {"max_sweep_steps", l.max_sweep_steps},
                       {"max_sweep_work", l.max_sweep_work},
                       {"max_surface_resolution", l.max_surface_resolution},
                       {"max_dim", l.max_dim},
                       {"max_memory", l.max_memory},
                       {"max_work", l.max_work},
                       {"max_answer_values", l.max_answer_values},
                       {"time_budget_ms", l.time_budget.count()}}}});
}

// ---- Reading a request's fields

// Typed access to the fields of a request object; every error names the field.
class Fields {
 public:
  explicit Fields(const json& j, std::vector<std::string> known) : j_(j) {
    if (!j.is_object()) throw BadRequest("", "the request body must be a JSON object");
    for (const auto& [key, value] : j.items())
      if (std::find(known.begin(), known.end(), key) == known.end())
        throw BadRequest(key, "unknown field '" + key + "'");
  }
  bool has(const char* key) const { return j_.contains(key) && !j_.at(key).is_null(); }
  std::string text(const char* key, std::optional<std::string> fallback = std::nullopt) const {
    if (!has(key)) {
      if (fallback) return *fallback;
      throw BadRequest(key, std::string("'") + key + "' is required");
    }
    if (!j_.at(key).is_string())
      throw BadRequest(key, std::string("'") + key + "' must be a string");
    return j_.at(key).get<std::string>();
  }
  std::size_t count(const char* key, std::size_t fallback, std::size_t lo, std::size_t hi) const {
    if (!has(key)) return fallback;
    const json& v = j_.at(key);
    if (!v.is_number_integer() &&
        !(v.is_number_float() && std::floor(v.get<double>()) == v.get<double>()))
      throw BadRequest(key, std::string("'") + key + "' must be a whole number");
    const double d = v.get<double>();
    if (d < static_cast<double>(lo) || d > static_cast<double>(hi))
      throw BadRequest(key, std::string("'") + key + "' must be in [" + std::to_string(lo) + ", " +
                                std::to_string(hi) + "], got " + format_double(d));
    return static_cast<std::size_t>(d);
  }
  double real(const char* key, double fallback) const {
    if (!has(key)) return fallback;
    if (!j_.at(key).is_number())
      throw BadRequest(key, std::string("'") + key + "' must be a number");
    const double d = j_.at(key).get<double>();
    if (!std::isfinite(d)) throw BadRequest(key, std::string("'") + key + "' must be finite");
    return d;
  }
  std::optional<std::vector<double>> point(const char* key) const {
    if (!has(key)) return std::nullopt;
    const json& v = j_.at(key);
    if (!v.is_array() || v.empty() || v.size() > 1000)
      throw BadRequest(key, std::string("'") + key + "' must be a list of 1 to 1000 numbers");
    std::vector<double> out;
    for (const json& x : v) {
      if (!x.is_number() || !std::isfinite(x.get<double>()))
        throw BadRequest(key, std::string("'") + key + "' must hold finite numbers only");
      out.push_back(x.get<double>());
    }
    return out;
  }
  std::vector<std::string> texts(const char* key, std::size_t lo, std::size_t hi) const {
    if (!has(key)) throw BadRequest(key, std::string("'") + key + "' is required");
    const json& v = j_.at(key);
    if (!v.is_array() || v.size() < lo || v.size() > hi)
      throw BadRequest(key, std::string("'") + key + "' must be a list of " + std::to_string(lo) +
                                " to " + std::to_string(hi) + " strings");
    std::vector<std::string> out;
    for (const json& x : v) {
      if (!x.is_string())
        throw BadRequest(key, std::string("'") + key + "' must hold strings only");
      out.push_back(x.get<std::string>());
    }
    return out;
  }

 private:
  const json& j_;
};

// Runs `make` and turns the library's InputError into a BadRequest for `field`.
template <class F>
auto in_field(const char* field, F&& make) {
  try {
    return make();
  } catch (const InputError& e) {
    throw BadRequest(field, e.what());
  }
}

// ---- What a request costs, estimated before anything is built

std::string amount(double x) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g", x);
  return text;
}

// The cost of the function `spec`, refused when it has too many coordinates or would hold too
// much memory.
FunctionCost function_cost_field(const std::string& spec, const ApiLimits& l) {
  const FunctionCost c = in_field("function", [&] { return function_cost(spec); });
  if (c.dim > l.max_dim)
    throw OverLimit("function", "function '" + spec + "' has " + std::to_string(c.dim) +
                                    " coordinates; at most " + std::to_string(l.max_dim) +
                                    " are allowed");
  if (c.memory > l.max_memory)
    throw OverLimit("function", "function '" + spec + "' would hold " + amount(c.memory) +
                                    " bytes; at most " + amount(l.max_memory) + " are allowed");
  if (c.build > l.max_work)
    throw OverLimit("function", "building function '" + spec + "' would cost about " +
                                    amount(c.build) + " operations; at most " + amount(l.max_work) +
                                    " are allowed");
  return c;
}

// An optimizer step's own work per coordinate, beside the function's evaluations.
double step_work(const FunctionCost& c) { return 10.0 * static_cast<double>(c.dim) + 50.0; }

// Refuses work or an answer over the limits, naming the field to change.
void check_work(double work, double values, const char* field, const ApiLimits& l) {
  if (work > l.max_work)
    throw OverLimit(field, "the request would cost about " + amount(work) +
                               " operations; at most " + amount(l.max_work) +
                               " are allowed (ask for fewer steps, cells or points, or a smaller "
                               "function)");
  if (values > static_cast<double>(l.max_answer_values))
    throw OverLimit(field, "the answer would hold " + amount(values) + " numbers; at most " +
                               std::to_string(l.max_answer_values) + " are allowed");
}

// A point (field `field`) of the function's dimension, checked before the function is built.
void check_point_dim(const char* field, const std::vector<double>& point, const FunctionCost& c) {
  if (point.size() != c.dim)
    throw BadRequest(field, std::string("'") + field + "' has " + std::to_string(point.size()) +
                                " coordinates but the function takes " + std::to_string(c.dim));
}

// ---- POST /api/run

/// A run request, checked.
struct RunRequest {
  std::string function;  ///< as the request gives it: every optimizer gets a fresh copy
  std::unique_ptr<Objective> objective;
  std::vector<double> start;
  RunOptions options;
  double noise = 0;
  std::size_t seed = 0;
  std::vector<std::unique_ptr<Optimizer<double>>> optimizers;
};

RunRequest read_run(const json& j, const Call& call) {
  const ApiLimits& limits = call.limits;
  const Fields f(j, {"function", "start", "steps", "tol", "optimizers", "noise", "seed"});
  RunRequest q;
  q.function = f.text("function", "anisotropic");
  const FunctionCost cost = function_cost_field(q.function, limits);
  const auto start = f.point("start");
  if (start) check_point_dim("start", *start, cost);
  q.options.steps = f.count("steps", 50, 0, limits.max_steps);
  q.options.tol = f.real("tol", 1e-6);
  q.options.cancelled = call.cancelled;
  q.noise = f.real("noise", 0);
  if (q.noise < 0) throw BadRequest("noise", "'noise' must be >= 0");
  q.seed = f.count("seed", 0, 0, std::size_t{1} << 53);
  std::vector<OptimizerConfig> configs;
  double evaluations = 0;  // per step, of every optimizer together
  for (const std::string& s : f.texts("optimizers", 1, limits.max_optimizers)) {
    configs.push_back(in_field("optimizers", [&] { return OptimizerConfig::parse(s); }));
    evaluations += static_cast<double>(configs.back().evaluations_per_step());
  }
  // With noise every optimizer gets its own copy of the function; each step evaluates it and
  // records a point.
  const double steps = static_cast<double>(q.options.steps),
               runs = static_cast<double>(configs.size());
  check_work((q.noise > 0 ? runs + 1 : 1) * cost.build +
                 steps * (evaluations * cost.evaluation + runs * step_work(cost)),
             runs * (steps + 1) * (static_cast<double>(cost.dim) + 2), "steps", limits);
  q.objective = in_field("function", [&] { return make_function(q.function); });
  q.start = start.value_or(q.objective->default_start());
  for (const OptimizerConfig& c : configs)
    q.optimizers.push_back(in_field("optimizers", [&] { return c.make<double>(); }));
  return q;
}

ApiResponse run_request(const json& j, const Call& call) {
  const RunRequest q = read_run(j, call);
  json results = json::array();
  for (const auto& optimizer : q.optimizers) {
    // With noise, a fresh copy of the function each, so that every optimizer sees the same
    // sequence; without, the function holds no state and is shared.
    std::unique_ptr<Objective> noisy;
    if (q.noise > 0)
      noisy = std::make_unique<NoisyGradient>(make_function(q.function), q.noise, q.seed);
    const Objective& obj = noisy ? *noisy : *q.objective;
    const RunResult r = in_field("start", [&] { return run(obj, *optimizer, q.start, q.options); });
    results.push_back(run_result_json(r, obj, RunJsonLayout::api));
  }
  return reply(200, {{"function", q.objective->spec()},
                     {"formula", q.objective->formula()},
                     {"start", q.start},
                     {"results", results}});
}

// ---- POST /api/analyze

ApiResponse analyze_request(const json& j, const Call& call) {
  const Fields f(j, {"function", "at"});
  const std::string spec = f.text("function", "anisotropic");
  const FunctionCost cost = function_cost_field(spec, call.limits);
  // The Hessian (a gradient per coordinate, at most) and its eigenvalues.
  const double dim = static_cast<double>(cost.dim);
  check_work(cost.build + dim * cost.evaluation + 10 * dim * dim * dim, 2 * dim + 10, "function",
             call.limits);
  const auto at = f.point("at");
  if (at) check_point_dim("at", *at, cost);
  const std::unique_ptr<Objective> fn = in_field("function", [&] { return make_function(spec); });
  const Analysis a = in_field("at", [&] { return analyze(*fn, at); });
  json out = {{"function", fn->spec()},
              {"point", a.point},
              {"at_minimizer", a.at_minimizer},
              {"applies", a.not_applicable.empty()},
              {"not_applicable", a.not_applicable},
              {"quadratic", a.quadratic},
              {"eigenvalues", a.eigenvalues},
              {"kappa", a.kappa ? finite_or_null(*a.kappa) : json(nullptr)}};
  if (a.gd)
    out["gd"] = {{"lr_max", finite_or_null(a.gd->lr_max)},
                 {"best_lr", finite_or_null(a.gd->best_lr)},
                 {"rate", finite_or_null(a.gd->rate)}};
  if (a.momentum)
    out["momentum"] = {{"lr_star", finite_or_null(a.momentum->lr_star)},
                       {"alpha_star", finite_or_null(a.momentum->alpha_star)},
                       {"rate", finite_or_null(a.momentum->rate)},
                       {"lambda_max", finite_or_null(a.momentum->lambda_max)}};
  if (a.nesterov) out["nesterov"] = {{"lambda_max", finite_or_null(a.nesterov->lambda_max)}};
  return reply(200, out);
}

// ---- POST /api/surface

/// The corners of a surface's grid: the request's "lower" and "upper", or the function's box.
struct Corners {
  std::vector<double> lower, upper;
};

Corners read_corners(const Fields& f, const Box& box) {
  Corners c{f.point("lower").value_or(box.lower), f.point("upper").value_or(box.upper)};
  for (const auto& [name, p] : {std::pair{"lower", &c.lower}, std::pair{"upper", &c.upper}}) {
    if (p->size() != 2) throw BadRequest(name, std::string("'") + name + "' must hold 2 numbers");
    for (double v : *p)
      if (!std::isfinite(v)) throw BadRequest(name, std::string("'") + name + "' must be finite");
  }
  for (std::size_t k = 0; k < 2; ++k)
    if (!(c.lower[k] < c.upper[k]))
      throw BadRequest("upper", "'upper' must exceed 'lower' in every coordinate");
  return c;
}

// z[row][column] = fn(xs[column], ys[row]), null where it is not finite.
json surface_values(const Objective& fn, const std::vector<double>& xs,
                    const std::vector<double>& ys, const Call& call) {
  json z = json::array();
  std::vector<double> w(2);
  for (double y : ys) {
    if (call.cancelled && call.cancelled()) throw Cancelled();
    json row = json::array();
    for (double x : xs) {
      w = {x, y};
      row.push_back(finite_or_null(fn.value(w)));
    }
    z.push_back(std::move(row));
  }
  return z;
}

ApiResponse surface_request(const json& j, const Call& call) {
  const ApiLimits& limits = call.limits;
  const Fields f(j, {"function", "lower", "upper", "resolution"});
  const std::string spec = f.text("function", "anisotropic");
  const FunctionCost cost = function_cost_field(spec, limits);
  if (cost.dim != 2)
    throw BadRequest("function", "a surface needs a function of 2 variables; '" + spec +
                                     "' takes " + std::to_string(cost.dim));
  const std::size_t n = f.count("resolution", 101, 2, limits.max_surface_resolution);
  const double points = static_cast<double>(n) * static_cast<double>(n);
  check_work(cost.build + points * cost.evaluation, points + 2.0 * static_cast<double>(n),
             "resolution", limits);
  const std::unique_ptr<Objective> fn = in_field("function", [&] { return make_function(spec); });
  const Corners c = read_corners(f, fn->bounds());
  // Evenly spaced with the ends exact, as a sweep's linear axis.
  const std::vector<double> xs = GridAxis{"w1", c.lower[0], c.upper[0], false, n}.values();
  const std::vector<double> ys = GridAxis{"w2", c.lower[1], c.upper[1], false, n}.values();
  return reply(200, {{"function", fn->spec()},
                     {"formula", fn->formula()},
                     {"default_start", fn->default_start()},
                     {"minimizers", fn->minimizers()},
                     {"x", xs},
                     {"y", ys},
                     {"z", surface_values(*fn, xs, ys, call)}});
}

// ---- POST /api/sweep

/// A sweep request, checked.
struct SweepRequest {
  SweepConfig config;
  std::string function;  ///< the function's canonical spec, once checked
  FunctionCost cost;     ///< of the function
};

SweepRequest read_sweep(const json& j, const ApiLimits& limits) {
  const Fields f(j, {"function", "start", "optimizer", "grid", "steps", "tol", "metric"});
  SweepRequest q;
  SweepConfig& c = q.config;
  c.function = f.text("function", "anisotropic");
  q.cost = function_cost_field(c.function, limits);
  if (auto s = f.point("start")) {
    check_point_dim("start", *s, q.cost);
    c.start = *s;
  }
  const std::string optimizer = f.text("optimizer", "momentum");
  c.optimizer = in_field("optimizer", [&] { return OptimizerConfig::parse(optimizer); });
  for (const std::string& g : f.texts("grid", 1, 2))
    c.axes.push_back(in_field("grid", [&] { return parse_grid_axis(g); }));
  c.options.steps = f.count("steps", 200, 1, limits.max_sweep_steps);
  c.options.tol = f.real("tol", 1e-6);
  c.metric =
      in_field("metric", [&] { return parse_sweep_metric(f.text("metric", "steps_to_tol")); });
  return q;
}

// Refuses a sweep of more cells, more cells x steps, or more work than the limits allow.
void check_sweep_work(const SweepRequest& q, const ApiLimits& limits) {
  const SweepConfig& c = q.config;
  std::size_t cells = 1;
  for (const GridAxis& a : c.axes) cells *= a.count;
  if (cells > limits.max_sweep_cells)
    throw OverLimit("grid", "the grid has " + std::to_string(cells) + " cells; at most " +
                                std::to_string(limits.max_sweep_cells) + " are allowed");
  const double n = static_cast<double>(cells), steps = static_cast<double>(c.options.steps);
  if (n * steps > limits.max_sweep_work)
    throw OverLimit("steps", "cells x steps is " + format_double(n * steps) + "; at most " +
                                 format_double(limits.max_sweep_work) + " are allowed");
  // Elementwise optimizers run the cells side by side on one copy of the function; the others
  // build a copy per cell.
  const OptimizerInfo& method = c.optimizer.method();
  const double builds = method.elementwise ? 1 : n;
  const double evaluations = static_cast<double>(c.optimizer.evaluations_per_step());
  check_work(
      builds * q.cost.build + n * steps * (evaluations * q.cost.evaluation + step_work(q.cost)),
      8 * n, "steps", limits);
}

json sweep_json(const SweepRequest& q, const SweepResult& r) {
  const SweepConfig& c = q.config;
  json cells = json::array();
  for (std::size_t i = 0; i < r.size(); ++i)
    cells.push_back({{"values", r.values(i)},
                     {"median", finite_or_null(r.median[i])},
                     {"diverged", r.diverged[i] == r.runs},
                     {"termination", r.termination(i)}});
  json axes = json::array();
  for (std::size_t k = 0; k < c.axes.size(); ++k)
    axes.push_back({{"key", c.axes[k].key}, {"log", c.axes[k].log}, {"values", r.axis_values[k]}});
  return {{"function", q.function},
          {"optimizer", c.optimizer.spec()},
          {"metric", to_string(c.metric)},
          {"steps", c.options.steps},
          {"axes", axes},
          {"cells", cells}};
}

ApiResponse sweep_request(const json& j, const Call& call) {
  SweepRequest q = read_sweep(j, call.limits);
  check_sweep_work(q, call.limits);
  in_field("grid", [&] {
    check_sweep(q.config);
    return 0;
  });
  q.function = in_field("function", [&] { return make_function(q.config.function); })->spec();
  q.config.options.cancelled = call.cancelled;
  return reply(200, sweep_json(q, sweep(q.config)));
}

// ---- POST /api/tuning

ApiResponse tuning_request(const json& j, const Call& call) {
  const ApiLimits& limits = call.limits;
  const Fields f(j,
                 {"function", "start", "optimizers", "steps", "points", "lo", "hi", "tolerance"});
  StudyProblem problem;
  problem.name = "function";
  SweepConfig& p = problem.protocol;
  p.function = f.text("function", "anisotropic");
  p.metric = SweepMetric::final_loss;
  const FunctionCost cost = function_cost_field(p.function, limits);
  if (auto s = f.point("start")) {
    check_point_dim("start", *s, cost);
    p.start = *s;
  }
  p.options.steps = f.count("steps", 200, 1, limits.max_sweep_steps);
  TuningStudyConfig c;
  c.points = f.count("points", 31, 2, 101);
  c.lo = f.real("lo", -4);
  c.hi = f.real("hi", 2);
  if (!(c.lo < c.hi) || c.hi - c.lo > 20)
    throw BadRequest("hi", "the grid must have 'lo' < 'hi', at most 20 decades apart; got " +
                               format_double(c.lo) + " and " + format_double(c.hi));
  c.tolerance = f.real("tolerance", 0.1);
  if (!(c.tolerance > 0 && c.tolerance < 1))
    throw BadRequest("tolerance",
                     "'tolerance' must be in (0, 1), got " + format_double(c.tolerance));
  double builds = 0, evaluations = 0;  // over every optimizer's cells
  for (const std::string& s : f.texts("optimizers", 1, limits.max_optimizers)) {
    c.optimizers.push_back(in_field("optimizers", [&] { return OptimizerConfig::parse(s); }));
    const double cells = static_cast<double>(c.points + 1);
    builds += c.optimizers.back().method().elementwise ? 1 : cells;
    evaluations += cells * static_cast<double>(c.optimizers.back().evaluations_per_step());
  }
  const double cells = static_cast<double>((c.points + 1) * c.optimizers.size()),
               steps = static_cast<double>(p.options.steps);
  if (cells * steps > limits.max_sweep_work)
    throw OverLimit("steps", "settings x steps is " + format_double(cells * steps) + "; at most " +
                                 format_double(limits.max_sweep_work) + " are allowed");
  check_work(
      builds * cost.build + steps * (evaluations * cost.evaluation + cells * step_work(cost)),
      6 * cells, "steps", limits);
  const std::unique_ptr<Objective> fn =
      in_field("function", [&] { return make_function(p.function); });
  const std::vector<double> start = p.start.empty() ? fn->default_start() : p.start;
  if (const auto m = fn->minimum(); m && !(fn->value(start) > *m))
    throw BadRequest("start",
                     "the start is at the function's minimum, so there is no progress "
                     "to measure; start elsewhere");
  p.options.cancelled = call.cancelled;
  c.problems.push_back(problem);
  in_field("optimizers", [&] {
    check_tuning_study(c);
    return 0;
  });
  const TuningStudyResult r = tuning_study(c);
  json curves = json::array();
  for (const TuningCurve& t : r.curves) {
    const OptimizerConfig& o = c.optimizers[t.optimizer];
    json loss = json::array();
    for (double x : t.loss) loss.push_back(finite_or_null(x));
    curves.push_back({{"optimizer", o.spec()},
                      {"label", o.label()},
                      {"lr_free", o.innermost().method().family == Family::lr_free},
                      {"default_lr", t.default_lr},
                      {"lr", t.lr},
                      {"loss", loss},
                      {"score", t.score},
                      {"default_loss", finite_or_null(t.default_loss)},
                      {"default_score", t.default_score},
                      {"best", t.width.best},
                      {"width",
                       {{"decades", t.width.decades},
                        {"first", t.width.first},
                        {"last", t.width.last},
                        {"at_edge", t.width.at_edge}}}});
  }
  const ProblemScale& s = r.scales.front();
  return reply(200, {{"function", fn->spec()},
                     {"start", start},
                     {"steps", p.options.steps},
                     {"spacing", r.spacing},
                     {"tolerance", c.tolerance},
                     {"scale",
                      {{"minimum", s.minimum},
                       {"minimum_estimated", s.estimated},
                       {"start_gap", s.start_gap},
                       {"best_gap", s.best_gap}}},
                     {"curves", curves}});
}

// ---- GET /api/network

ApiResponse network_request(const json& /*body*/, const Call& call) {
  return reply(200, network_data(call.limits.network_folder));
}

// ---- The routes

/// Answers one endpoint from the request's body (null for a GET) within the limits.
using Handler = ApiResponse (*)(const json& body, const Call& call);

/// An endpoint and the function that answers it. A POST's body is held to the size limit and
/// parsed as JSON before its handler runs; a GET's body is not read.
struct Route {
  ApiEndpoint endpoint;
  Handler answer;
};

// The API's one list of endpoints: dispatch, the 404 and 405 answers and api_endpoints() all
// read it (and a test holds docs/api.md to it).
constexpr Route kRoutes[] = {
    {{"GET", "/api/functions", "every function of the registry"}, functions},
    {{"GET", "/api/optimizers", "every optimizer of the registry"}, optimizers},
    {{"GET", "/api/limits", "the limits every request is held to"}, limits_of},
    {{"POST", "/api/run", "optimizers run on a function: paths, losses, metrics"}, run_request},
    {{"POST", "/api/analyze",
      "the theory at a point: Hessian eigenvalues, kappa, stable and optimal settings"},
     analyze_request},
    {{"POST", "/api/sweep", "an optimizer over a 1-D or 2-D grid of its settings"}, sweep_request},
    {{"POST", "/api/surface", "a 2-D function's values on a grid, for contours and surfaces"},
     surface_request},
    {{"POST", "/api/tuning",
      "each optimizer's score over a grid of learning rates around its default"},
     tuning_request},
    {{"GET", "/api/network",
      "the trained network of the server's --network folder: its log, sharpness and landscape"},
     network_request},
};

const Route* find_route(const std::string& path) {
  for (const Route& r : kRoutes)
    if (r.endpoint.path == path) return &r;
  return nullptr;
}

// A POST's body parsed as JSON and handed to the route; a GET's handler gets null.
ApiResponse answer(const Route& route, const std::string& body, const Call& call) {
  if (route.endpoint.method != "POST") return route.answer(nullptr, call);
  if (body.size() > call.limits.max_body)
    return error(413, "the request body is " + std::to_string(body.size()) + " bytes; at most " +
                          std::to_string(call.limits.max_body) + " are allowed");
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {  // malformed, or a number beyond double's range
    return error(400, std::string("the request body is not valid JSON: ") + e.what());
  }
  return route.answer(j, call);
}

}  // namespace

ApiResponse api_error(int status, const std::string& message) { return error(status, message); }

std::vector<ApiEndpoint> api_endpoints() {
  std::vector<ApiEndpoint> out;
  for (const Route& r : kRoutes) out.push_back(r.endpoint);
  return out;
}

ApiResponse handle_api(const std::string& method, const std::string& path, const std::string& body,
                       const ApiLimits& limits, const std::function<bool()>& cancelled) {
  using Clock = std::chrono::steady_clock;
  const Clock::time_point deadline = Clock::now() + limits.time_budget;
  const Call call{limits, [&] { return Clock::now() > deadline || (cancelled && cancelled()); }};
  try {
    const Route* route = find_route(path);
    if (route == nullptr) return error(404, "no endpoint " + path + " (see docs/api.md)");
    if (method != route->endpoint.method)
      return error(405, path + " takes " + std::string(route->endpoint.method) + ", not " + method);
    return answer(*route, body, call);
  } catch (const Cancelled&) {
    if (Clock::now() > deadline)
      return error(503, "the request was cut off after its time budget of " +
                            std::to_string(limits.time_budget.count()) +
                            " ms; ask for fewer steps, cells or points");
    return error(503, "the request was cancelled before it finished");
  } catch (const OverLimit& e) {
    return error(422, e.what(), e.field);
  } catch (const BadRequest& e) {
    return error(400, e.what(), e.field);
  } catch (const InputError& e) {
    return error(400, e.what());
  } catch (const std::exception& e) {
    return error(500, std::string("internal error: ") + e.what());
  }
}

}  // namespace descent::cli
