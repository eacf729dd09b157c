// The JSON API of `descent serve`: every endpoint, every kind of rejection (each naming its
// field), and one round trip over HTTP with the real program.
#include "api.hpp"

#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "descent/study.hpp"
#include "run_json.hpp"
#include "served.hpp"
#include "test_support.hpp"
#include "web_assets.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

namespace descent::cli {
namespace {

using json = nlohmann::json;
using test::Served;
using ::testing::HasSubstr;
using ::testing::Not;

json ok(const std::string& method, const std::string& path, const std::string& body = "") {
  const ApiResponse r = handle_api(method, path, body);
  EXPECT_EQ(r.status, 200) << path << " " << body << " -> " << r.body.substr(0, 300);
  return json::parse(r.body);
}

void refused(const std::string& path, const std::string& body, int status,
             const std::string& message, const std::string& field, const ApiLimits& limits = {}) {
  const ApiResponse r = handle_api("POST", path, body, limits);
  EXPECT_EQ(r.status, status) << body << " -> " << r.body.substr(0, 300);
  const json j = json::parse(r.body);
  EXPECT_THAT(j.at("error").get<std::string>(), HasSubstr(message)) << body;
  if (field.empty())
    EXPECT_TRUE(j.at("field").is_null()) << body;
  else
    EXPECT_EQ(j.at("field"), field) << body;
}

TEST(Api, RegistryEndpointsListEveryFunctionAndOptimizer) {
  const json f = ok("GET", "/api/functions");
  ASSERT_GE(f.at("functions").size(), 19u);
  const json& aniso = f.at("functions").at(1);
  EXPECT_EQ(aniso.at("name"), "anisotropic");
  EXPECT_EQ(aniso.at("dim"), 2);
  EXPECT_EQ(aniso.at("default_start"), json::array({1.0, 1.0}));
  EXPECT_EQ(aniso.at("params").at(0).at("name"), "ratio");
  const json o = ok("GET", "/api/optimizers");
  ASSERT_GE(o.at("optimizers").size(), 17u);
  const json& momentum = o.at("optimizers").at(2);
  EXPECT_EQ(momentum.at("name"), "momentum");
  EXPECT_EQ(momentum.at("params").at(0).at("name"), "lr");
  EXPECT_EQ(momentum.at("params").at(0).at("log_scale"), true);
  EXPECT_EQ(momentum.at("params").at(1).at("range"), "[0, 1)");
}

TEST(Api, LimitsAreTheOnesRequestsAreHeldTo) {
  ApiLimits l;
  l.max_steps = 123;
  l.max_optimizers = 3;
  l.max_sweep_steps = 45;
  l.time_budget = std::chrono::milliseconds(678);
  const ApiResponse r = handle_api("GET", "/api/limits", "", l);
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = json::parse(r.body).at("limits");
  EXPECT_EQ(j.at("max_steps"), 123);
  EXPECT_EQ(j.at("max_optimizers"), 3);
  EXPECT_EQ(j.at("max_sweep_steps"), 45);
  EXPECT_EQ(j.at("time_budget_ms"), 678);
  EXPECT_EQ(j.at("max_sweep_cells"), ApiLimits{}.max_sweep_cells);
  EXPECT_EQ(j.at("max_surface_resolution"), ApiLimits{}.max_surface_resolution);
  EXPECT_EQ(j.at("max_body"), ApiLimits{}.max_body);
  EXPECT_EQ(j.at("max_sweep_work"), ApiLimits{}.max_sweep_work);
  // The run that the limit allows passes, one step more is refused.
  const std::string run = R"({"optimizers": ["sgd"], "steps": )";
  EXPECT_EQ(handle_api("POST", "/api/run", run + "123}", l).status, 200);
  refused("/api/run", run + "124}", 400, "", "steps", l);
  EXPECT_EQ(handle_api("POST", "/api/limits", "{}").status, 405);
}

TEST(Api, RunGivesPathsLossesAndMetrics) {
  const json r = ok("POST", "/api/run",
                    R"({"function": "anisotropic", "start": [1, 1], "steps": 50,
                        "optimizers": ["momentum:lr=0.1,alpha=0.9", "sgd:lr=0.2"]})");
  ASSERT_EQ(r.at("results").size(), 2u);
  const json far = ok("POST", "/api/run", R"({"steps": 1000, "optimizers": ["sgd:lr=0.2"]})");
  const json& m = r.at("results").at(0);
  EXPECT_EQ(m.at("points").size(), 51u);
  EXPECT_EQ(m.at("points").at(0), json::array({1.0, 1.0}));
  // The seed's momentum case after 50 steps (tests/golden).
  EXPECT_EQ(m.at("metrics").at("final_loss"), 0.021879819513374647);
  // sgd:lr=0.2 multiplies w2 by -2.2 per step: finite after 50 steps, but blown up.
  EXPECT_EQ(r.at("results").at(1).at("termination"), "diverging");
  const json& s = far.at("results").at(0);
  EXPECT_EQ(s.at("termination"), "diverged") << "lr 0.2 is beyond 2 / lambda_max = 0.125";
  EXPECT_THAT(s.at("message").get<std::string>(), HasSubstr("diverged at step"));
  // Typed expressions, noise, and the default function and start.
  const json e = ok("POST", "/api/run",
                    R"({"function": "w1^2 + 8*w2^2", "steps": 1000, "noise": 0.1, "seed": 3,
                        "optimizers": ["adam:lr=0.05"]})");
  EXPECT_EQ(e.at("start"), json::array({1.0, 1.0}));
  EXPECT_EQ(e.at("results").at(0).at("loss").size(), 1001u);
}

// Nesterov's default lr is past its stability limit on the seed's valley: the loss grows to ~1e29
// in 80 steps without overflowing. The answer says diverging, and the analysis gives the limit.
TEST(Api, ARunThatBlowsUpIsDivergingAndTheTheoryGivesNesterovsLimit) {
  const json r = ok("POST", "/api/run",
                    R"({"function": "anisotropic", "start": [-1.5, 1], "steps": 80,
                        "optimizers": ["nesterov", "nesterov:lr=0.08"]})");
  const json& blown = r.at("results").at(0);
  EXPECT_EQ(blown.at("termination"), "diverging");
  EXPECT_THAT(blown.at("message").get<std::string>(),
              HasSubstr("diverging: loss grew from 10.25 to "));
  EXPECT_GT(blown.at("metrics").at("final_loss").get<double>(), 1e20);
  EXPECT_EQ(r.at("results").at(1).at("termination"), "completed");
  const json a = ok("POST", "/api/analyze", R"({"function": "anisotropic"})");
  EXPECT_EQ(a.at("nesterov").at("lambda_max"), 16.0);
}

TEST(Api, ARunReadsAsInRunJson) {
  // The answer's run and run.json's come from one function, laid out for each.
  const json answer = ok("POST", "/api/run",
                         R"({"function": "rosenbrock", "steps": 40,
                             "optimizers": ["momentum:lr=0.001"]})");
  const std::unique_ptr<Objective> f = make_function("rosenbrock");
  const auto momentum = make_optimizer<double>("momentum:lr=0.001");
  const RunResult r = run(*f, *momentum, f->default_start(), RunOptions{40, 1e-6});
  const json& api = answer.at("results").at(0);
  EXPECT_EQ(run_result_json(r, *f, RunJsonLayout::api), api);
  const json file = run_result_json(r, *f, RunJsonLayout::file);
  for (const char* key : {"optimizer", "label", "termination", "message", "metrics"})
    EXPECT_EQ(file.at(key), api.at(key)) << key;
  EXPECT_EQ(file.at("trajectory").at("step"), api.at("steps"));
  EXPECT_EQ(file.at("trajectory").at("w"), api.at("points"));
  EXPECT_EQ(file.at("trajectory").at("loss"), api.at("loss"));
  EXPECT_EQ(file.at("trajectory").at("grad_norm").size(), 41u);
  EXPECT_EQ(file.at("evaluations"), r.evaluations);
  EXPECT_TRUE(file.at("measured_rate").is_number());
  EXPECT_TRUE(finite_or_null(INFINITY).is_null());
  EXPECT_TRUE(finite_or_null(NAN).is_null());
}

TEST(Api, AnalyzeAndSweep) {
  const json a = ok("POST", "/api/analyze", R"({"function": "anisotropic"})");
  EXPECT_EQ(a.at("kappa"), 8.0);
  EXPECT_EQ(a.at("gd").at("lr_max"), 0.125);
  const json at = ok("POST", "/api/analyze", R"({"function": "rosenbrock", "at": [1, 1]})");
  EXPECT_EQ(at.at("point"), json::array({1.0, 1.0}));
  EXPECT_EQ(at.at("eigenvalues").size(), 2u);
  const json s = ok("POST", "/api/sweep",
                    R"({"optimizer": "momentum", "grid": ["lr=0.02:0.4:lin:8",
                        "alpha=0:0.9:lin:4"], "steps": 300, "metric": "final_loss"})");
  EXPECT_EQ(s.at("cells").size(), 32u);
  EXPECT_EQ(s.at("axes").at(1).at("key"), "alpha");
  std::size_t diverged = 0;
  for (const json& c : s.at("cells")) diverged += c.at("diverged").get<bool>();
  EXPECT_GT(diverged, 0u);
  EXPECT_LT(diverged, 32u);
}

TEST(Api, SurfaceGivesTheFunctionOnAGrid) {
  const json s = ok("POST", "/api/surface",
                    R"({"function": "anisotropic", "lower": [-1, -2], "upper": [1, 2],
                        "resolution": 5})");
  EXPECT_EQ(s.at("x"), json::array({-1.0, -0.5, 0.0, 0.5, 1.0}));
  EXPECT_EQ(s.at("y"), json::array({-2.0, -1.0, 0.0, 1.0, 2.0}));
  ASSERT_EQ(s.at("z").size(), 5u);
  // Rows follow y, columns x: z[row][col] = x^2 + 8 y^2.
  EXPECT_EQ(s.at("z").at(0).at(0), 1.0 + 8 * 4.0);
  EXPECT_EQ(s.at("z").at(2).at(3), 0.25);
  EXPECT_EQ(s.at("z").at(4).at(2), 32.0);
  EXPECT_EQ(s.at("minimizers"), json::array({json::array({0.0, 0.0})}));
  // Without bounds, the function's own box; values that are not finite are null.
  const json e = ok("POST", "/api/surface", R"j({"function": "log(w1) + w2^2", "resolution": 3})j");
  EXPECT_EQ(e.at("x").size(), 3u);
  EXPECT_TRUE(e.at("z").at(0).at(0).is_null());
  EXPECT_EQ(e.at("formula"), "log(w1) + w2^2");
}

TEST(Api, ASurfaceAsWideAsTheDoublesHasFiniteCoordinates) {
  const json s = ok("POST", "/api/surface",
                    R"({"function": "w1 + w2", "lower": [-1e308, -1], "upper": [1e308, 1],
                        "resolution": 5})");
  EXPECT_EQ(s.at("x"), json::array({-1e308, -5e307, 0.0, 5e307, 1e308}));
}

TEST(Api, EveryBadRequestIsRefusedAndNamesItsField) {
  EXPECT_EQ(handle_api("GET", "/api/nothing", "").status, 404);
  EXPECT_EQ(handle_api("GET", "/../etc/passwd", "").status, 404);
  EXPECT_EQ(handle_api("POST", "/api/functions", "").status, 405);
  EXPECT_EQ(handle_api("GET", "/api/run", "").status, 405);
  refused("/api/run", "{not json", 400, "not valid JSON", "");
  refused("/api/run", "[1, 2]", 400, "must be a JSON object", "");
  refused("/api/run", R"({"optimizers": ["sgd"], "speed": 3})", 400, "unknown field 'speed'",
          "speed");
  refused("/api/run", R"({})", 400, "'optimizers' is required", "optimizers");
  refused("/api/run", R"({"optimizers": "sgd"})", 400, "must be a list of 1 to 8 strings",
          "optimizers");
  refused("/api/run", R"({"optimizers": [1]})", 400, "must hold strings only", "optimizers");
  refused("/api/run", R"({"optimizers": ["adamx"]})", 400, "unknown optimizer 'adamx'",
          "optimizers");
  refused("/api/run", R"({"optimizers": ["momentum:alpha=1.5"]})", 400, "out of range",
          "optimizers");
  refused("/api/run", R"({"optimizers": ["sgd","sgd","sgd","sgd","sgd","sgd","sgd","sgd","sgd"]})",
          400, "1 to 8 strings", "optimizers");
  refused("/api/run", R"({"optimizers": ["sgd"], "function": 3})", 400, "must be a string",
          "function");
  refused("/api/run", R"({"optimizers": ["sgd"], "function": "bowl"})", 400,
          "unknown function 'bowl'", "function");
  refused("/api/run", R"({"optimizers": ["sgd"], "function": "w1 +* 2"})", 400, "column",
          "function");
  std::string long_expression = "x";
  while (long_expression.size() < 2100) long_expression += "+x";
  refused("/api/run", R"({"optimizers": ["sgd"], "function": ")" + long_expression + R"("})", 400,
          "characters long", "function");
  refused("/api/run", R"({"optimizers": ["sgd"], "steps": "ten"})", 400, "must be a whole number",
          "steps");
  refused("/api/run", R"({"optimizers": ["sgd"], "steps": 2.5})", 400, "must be a whole number",
          "steps");
  refused("/api/run", R"({"optimizers": ["sgd"], "steps": 100000})", 400, "must be in [0, 10000]",
          "steps");
  refused("/api/run", R"({"optimizers": ["sgd"], "start": [1, "a"]})", 400, "finite numbers",
          "start");
  refused("/api/run", R"({"optimizers": ["sgd"], "start": [1, 2, 3]})", 400, "has 3 coordinates",
          "start");
  refused("/api/run", R"j({"optimizers": ["sgd"], "function": "log(x)", "start": [-1]})j", 400,
          "not finite at the start point", "start");
  refused("/api/run", R"({"optimizers": ["sgd"], "tol": "small"})", 400, "must be a number", "tol");
  refused("/api/run", R"({"optimizers": ["sgd"], "noise": -1})", 400, "must be >= 0", "noise");
  refused("/api/analyze", R"({"function": "anisotropic", "at": [1]})", 400, "", "at");
  refused("/api/sweep", R"({})", 400, "'grid' is required", "grid");
  refused("/api/sweep", R"({"grid": ["lr=1:0:lin:5"]})", 400, "low end is above", "grid");
  refused("/api/sweep", R"({"grid": ["lr=0.1:1:lin:300", "alpha=0:0.9:lin:300"]})", 422,
          "at most 65536", "grid");
  refused("/api/sweep", R"({"grid": ["lr=0.1:1:lin:101", "alpha=0:0.9:lin:100"], "steps": 5000})",
          422, "cells x steps", "steps");
  refused("/api/sweep", R"({"grid": ["alpha=0:1:lin:3"]})", 400, "invalid setting", "grid");
  refused("/api/sweep", R"({"grid": ["lr=0.1:1:lin:3"], "metric": "speed"})", 400, "unknown metric",
          "metric");
  refused("/api/sweep", R"({"grid": ["lr=0.1:1:lin:3"], "optimizer": "adamx"})", 400,
          "unknown optimizer", "optimizer");
  refused("/api/surface", R"({"function": "rosenbrock:n=3"})", 400, "2 variables", "function");
  refused("/api/surface", R"({"function": "w1 +* 2"})", 400, "column", "function");
  refused("/api/surface", R"({"lower": [0, 0], "upper": [0, 1]})", 400, "must exceed", "upper");
  refused("/api/surface", R"({"lower": [0, 0, 0]})", 400, "2 numbers", "lower");
  refused("/api/surface", R"({"resolution": 1000})", 400, "must be in [2, 401]", "resolution");
  refused("/api/surface", R"({"resolution": 1})", 400, "must be in [2, 401]", "resolution");
  ApiLimits small;
  small.max_body = 10;
  refused("/api/run", R"({"optimizers": ["sgd"]})", 413, "at most 10", "", small);
  // Work over the time budget is cut off.
  ApiLimits quick;
  quick.time_budget = std::chrono::milliseconds(0);
  refused("/api/sweep",
          R"({"grid": ["lr=1e-4:1e-3:log:100", "alpha=0:0.9:lin:100"], "steps": 5000,
              "function": "rosenbrock"})",
          503, "cut off after its time budget of 0 ms", "", quick);
}

// What a request would cost is known from its fields before anything is built: a function
// too large to hold, too many coordinates (with or without a start point), an answer too large
// and too much work are refused at once with 422 and the limit.
TEST(Api, WorkOverTheLimitsIsRefusedBeforeAnythingIsBuilt) {
  refused("/api/surface", R"({"function": "least_squares:n=1000000,d=300"})", 422,
          "would hold 2.42e+09 bytes; at most 2.56e+08", "function");
  refused("/api/surface", R"({"function": "least_squares:n=1000000,d=40"})", 422,
          "at most 2.56e+08", "function");
  refused("/api/run", R"({"optimizers": ["sgd"], "function": "rosenbrock:n=5000"})", 422,
          "5000 coordinates; at most 1000", "function");
  refused("/api/analyze", R"({"function": "rosenbrock:n=5000"})", 422, "at most 1000", "function");
  refused("/api/sweep", R"({"grid": ["lr=0.1:1:lin:3"], "function": "rosenbrock:n=5000"})", 422,
          "at most 1000", "function");
  // Every field within its range, but the answer would be 16 million numbers (300 MB).
  refused("/api/run",
          R"({"function": "rosenbrock:n=1000", "steps": 2000,
              "optimizers": ["sgd", "adam", "sgd", "adam", "sgd", "adam", "sgd", "adam"]})",
          422, "the answer would hold 1.6e+07 numbers; at most 1000000", "steps");
  // A small answer, but 26 evaluations per L-BFGS step of a large least-squares problem.
  refused("/api/run",
          R"({"function": "least_squares:n=20000,d=50", "steps": 1000,
              "optimizers": ["lbfgs"]})",
          422, "operations; at most 1e+10", "steps");
  refused("/api/run", R"({"function": "least_squares:n=100000,d=100", "optimizers": ["sgd"]})", 422,
          "building function", "function");
  refused("/api/sweep",
          R"({"function": "least_squares:n=20000,d=100", "optimizer": "lbfgs",
              "grid": ["lr=0.1:1:lin:100"], "steps": 100})",
          422, "operations", "steps");
  // The same requests, smaller, are answered.
  ok("POST", "/api/run",
     R"({"function": "least_squares:n=1000,d=10", "steps": 10, "optimizers": ["lbfgs"]})");
  ok("POST", "/api/analyze", R"({"function": "rosenbrock:n=100"})");
}

// Text that is not ASCII, or not UTF-8, and numbers beyond double's range are bad requests, and
// every answer is JSON.
TEST(Api, AnyTextOrNumberIsABadRequestNotAnError) {
  refused("/api/run", R"({"optimizers": ["sgd"], "function": "x²+y"})", 400, "column 2",
          "function");
  refused("/api/run", R"({"optimizers": ["sgd"], "steps": 1e400})", 400, "not valid JSON", "");
  refused("/api/run", R"({"optimizers": ["sgd"], "tol": -1e400})", 400, "not valid JSON", "");
  refused("/api/run", "{\"optimizers\": [\"sgd:lr=\xff\"]}", 400, "", "");
  const ApiResponse path = handle_api("GET", "/\xff", "");
  EXPECT_EQ(path.status, 404);
  EXPECT_TRUE(json::accept(path.body)) << path.body;
}

// Long work stops at its time budget, and as soon as its caller says so (the server's: the client
// went away), asked between steps.
TEST(Api, ExpensiveWorkIsCutOffByItsBudgetOrItsCaller) {
  ApiLimits quick;
  quick.time_budget = std::chrono::milliseconds(0);
  refused("/api/run", R"({"optimizers": ["sgd"], "steps": 10000})", 503,
          "cut off after its time budget", "", quick);
  refused("/api/surface", R"({"resolution": 401})", 503, "cut off after its time budget", "",
          quick);
  for (const char* optimizer : {"momentum", "lbfgs"}) {
    int asked = 0;
    const ApiResponse r = handle_api(
        "POST", "/api/sweep",
        std::string(R"({"grid": ["lr=0.01:0.1:lin:300"], "steps": 5000, "optimizer": ")") +
            optimizer + R"("})",
        {}, [&] { return ++asked > 3; });
    EXPECT_EQ(r.status, 503) << optimizer << " " << r.body;
    EXPECT_THAT(r.body, HasSubstr("cancelled before it finished"));
  }
  int asked = 0;
  const ApiResponse run =
      handle_api("POST", "/api/run", R"({"optimizers": ["sgd"], "steps": 10000})", {},
                 [&] { return ++asked > 3; });
  EXPECT_EQ(run.status, 503) << run.body;
  EXPECT_EQ(asked, 4);  // asked every kCancelCheckSteps steps: stopped at step 48
}

TEST(Api, ABodyThatIsNotUtf8IsRefusedWithAMessageInJson) {
  // The parser's message quotes the bytes it stopped at; the answer is JSON (UTF-8) all the same.
  refused("/api/run", "\xff", 400, "not valid JSON", "");
  refused("/api/sweep", "{\"grid\": [\"lr=\xc3", 400, "not valid JSON", "");
}

TEST(Api, ANumberBeyondTheDoublesIsRefusedAsInvalidJson) {
  refused("/api/run", R"({"optimizers": ["sgd"], "tol": 1e999})", 400, "not valid JSON", "");
  refused("/api/surface", "-1e3081", 400, "number overflow", "");
}

// The tuning study on one function: the curves the engine computes, with the API's names, and
// bad fields named.
TEST(Api, TuningAnswersTheStudysCurves) {
  const json a = ok("POST", "/api/tuning",
                    R"({"function": "anisotropic", "optimizers": ["sgd", "cocob"], "points": 5,
                        "steps": 80})");
  TuningStudyConfig c;
  StudyProblem p;
  p.name = "function";
  p.protocol.function = "anisotropic";
  p.protocol.options.steps = 80;
  p.protocol.metric = SweepMetric::final_loss;
  c.problems = {p};
  c.optimizers = {OptimizerConfig::parse("sgd"), OptimizerConfig::parse("cocob")};
  c.points = 5;
  const TuningStudyResult r = tuning_study(c);
  ASSERT_EQ(a.at("curves").size(), 2u);
  EXPECT_EQ(a.at("spacing"), 1.5);
  EXPECT_EQ(a.at("start"), json::array({1.0, 1.0}));
  for (std::size_t o = 0; o < 2; ++o) {
    const json& t = a.at("curves").at(o);
    const TuningCurve& e = r.curve(0, o);
    EXPECT_EQ(t.at("lr").get<std::vector<double>>(), e.lr);
    EXPECT_EQ(t.at("score").get<std::vector<double>>(), e.score);
    EXPECT_EQ(t.at("default_score"), e.default_score);
    EXPECT_EQ(t.at("best"), e.width.best);
    EXPECT_EQ(t.at("width").at("decades"), e.width.decades);
    for (std::size_t i = 0; i < e.loss.size(); ++i)
      if (std::isfinite(e.loss[i]))
        EXPECT_EQ(t.at("loss").at(i), e.loss[i]);
      else
        EXPECT_TRUE(t.at("loss").at(i).is_null());
  }
  EXPECT_EQ(a.at("curves").at(0).at("lr_free"), false);
  EXPECT_EQ(a.at("curves").at(1).at("lr_free"), true);

  refused("/api/tuning", R"({})", 400, "'optimizers' is required", "optimizers");
  refused("/api/tuning", R"({"optimizers": ["sgd:lr=0"]})", 400, "above 0", "optimizers");
  refused("/api/tuning", R"({"optimizers": ["adamx"]})", 400, "unknown optimizer", "optimizers");
  refused("/api/tuning", R"({"optimizers": ["sgd"], "points": 1})", 400, "[2, 101]", "points");
  refused("/api/tuning", R"({"optimizers": ["sgd"], "lo": 3})", 400, "'lo' < 'hi'", "hi");
  refused("/api/tuning", R"({"optimizers": ["sgd"], "tolerance": 1})", 400, "(0, 1)", "tolerance");
  refused("/api/tuning", R"({"optimizers": ["sgd"], "start": [0, 0]})", 400, "no progress",
          "start");
  // A typed expression knows no minimum: it is estimated, and the scores are on the true scale.
  const json e = ok("POST", "/api/tuning",
                    R"({"function": "w1^2 + w2^4", "optimizers": ["sgd"], "points": 3,
                        "steps": 50})");
  EXPECT_EQ(e.at("scale").at("minimum_estimated"), true);
  EXPECT_LT(e.at("scale").at("minimum").get<double>(), 1e-10);  // L-BFGS stops on the flat w2^4
  ApiLimits small;
  small.max_sweep_work = 1e5;
  refused("/api/tuning", R"({"optimizers": ["sgd", "adam"], "steps": 5000})", 422, "at most 1e+05",
          "steps", small);
}

TEST(Api, EveryEndpointAnswersItsOwnMethodOnly) {
  ASSERT_EQ(api_endpoints().size(), 9u);
  for (const ApiEndpoint& e : api_endpoints()) {
    const std::string method(e.method), path(e.path);
    const std::string other = method == "GET" ? "POST" : "GET";
    const ApiResponse wrong = handle_api(other, path, "{}");
    EXPECT_EQ(wrong.status, 405) << path;
    EXPECT_EQ(json::parse(wrong.body).at("error"), path + " takes " + method + ", not " + other);
    // An empty request: answered, or refused for what it lacks (a run's optimizers, say).
    const int status = handle_api(method, path, "{}").status;
    EXPECT_TRUE(status == 200 || status == 400) << method << " " << path << " -> " << status;
  }
}

TEST(Api, DocsListTheEndpointsOfTheRouteTable) {
  std::ifstream in(std::string(DESCENT_SOURCE_DIR) + "/docs/api.md");
  ASSERT_TRUE(in);
  std::vector<std::string> documented, routed;
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("| `/api/")) documented.push_back(line);
  for (const ApiEndpoint& e : api_endpoints())
    routed.push_back("| `" + std::string(e.path) + "` | " + std::string(e.method) + " | " +
                     std::string(e.summary) + " |");
  EXPECT_EQ(documented, routed);
}

TEST(Api, ServesOverHttp) {
  const Served served;
  const int port = served.port();
  ASSERT_GT(port, 0) << served.line();
  httplib::Client client("127.0.0.1", port);
  const auto functions = client.Get("/api/functions");
  ASSERT_TRUE(functions);
  EXPECT_EQ(functions->status, 200);
  EXPECT_EQ(functions->get_header_value("Content-Type"), "application/json");
  const auto run =
      client.Post("/api/run", R"({"optimizers": ["sgd"], "steps": 5})", "application/json");
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, 200);
  EXPECT_EQ(json::parse(run->body).at("results").at(0).at("points").size(), 6u);
  const auto bad = client.Post("/api/run", "{", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  const auto big = client.Post("/api/run", std::string(200000, ' '), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  // The page: its files, and nothing else.
  for (const char* path :
       {"/", "/index.html", "/js/app.js", "/js/state.js", "/vendor/plotly.min.js"}) {
    const auto page = client.Get(path);
    ASSERT_TRUE(page) << path;
    EXPECT_EQ(page->status, 200) << path;
  }
  EXPECT_THAT(client.Get("/")->get_header_value("Content-Type"), HasSubstr("text/html"));
  EXPECT_THAT(client.Get("/js/app.js")->get_header_value("Content-Type"),
              HasSubstr("text/javascript"));
  for (const char* path : {"/../CMakeLists.txt", "/node_modules/playwright-core/package.json",
                           "/package.json", "/tests/e2e.test.mjs", "/%2e%2e/README.md"}) {
    const auto outside = client.Get(path);
    ASSERT_TRUE(outside) << path;
    EXPECT_EQ(outside->status, 404) << path;
  }
}

// Only this machine's names, this origin and JSON bodies: what a web page elsewhere could send
// (DNS rebinding, a cross-origin form or fetch) is refused before any work.
TEST(Serve, RefusesOtherHostsOriginsAndNonJsonBodies) {
  const Served served({"--allow-host", "lab.example"});
  ASSERT_GT(served.port(), 0) << served.line();
  httplib::Client client("127.0.0.1", served.port());
  const std::string run = R"({"optimizers": ["sgd"], "steps": 3})";
  const std::string self = "http://127.0.0.1:" + std::to_string(served.port());
  const auto status = [&](httplib::Headers headers, const char* type = "application/json") {
    const auto r = client.Post("/api/run", headers, run, type);
    return r ? r->status : -1;
  };
  EXPECT_EQ(status({{"Host", "evil.example"}}), 421);
  EXPECT_EQ(status({{"Host", "evil.example:" + std::to_string(served.port())}}), 421);
  EXPECT_EQ(status({{"Host", "localhost"}}), 200);
  EXPECT_EQ(status({{"Host", "[::1]:80"}}), 200);
  EXPECT_EQ(status({{"Host", "LAB.example:9"}}), 200);  // --allow-host
  EXPECT_EQ(status({{"Origin", "http://evil.example"}}), 403);
  EXPECT_EQ(status({{"Origin", "null"}}), 403);
  EXPECT_EQ(status({{"Origin", "http://localhost:1"}}), 403);  // another port: another origin
  EXPECT_EQ(status({{"Origin", "https://127.0.0.1:" + std::to_string(served.port())}}), 403);
  EXPECT_EQ(status({{"Origin", self}}), 200);
  EXPECT_EQ(status({}, "text/plain"), 415);
  EXPECT_EQ(status({}, "application/x-www-form-urlencoded"), 415);
  EXPECT_EQ(status({}, "application/json; charset=utf-8"), 200);
  const auto page = client.Get("/", {{"Host", "evil.example"}});
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 421);
  EXPECT_THAT(page->body, HasSubstr("--allow-host evil.example"));
}

// Every odd request gets its documented status and a JSON message, never a 500.
TEST(Serve, OddRequestsGetTheirStatus) {
  const Served served;
  ASSERT_GT(served.port(), 0) << served.line();
  httplib::Client client("127.0.0.1", served.port());
  const auto options = client.Options("/api/run");
  ASSERT_TRUE(options);
  EXPECT_EQ(options->status, 405);
  const auto odd = client.Get("/%FF");
  ASSERT_TRUE(odd);
  EXPECT_EQ(odd->status, 404);
  EXPECT_TRUE(json::accept(odd->body)) << odd->body;
  const auto text = client.Post("/api/analyze", R"({"function": "x²"})", "application/json");
  ASSERT_TRUE(text);
  EXPECT_EQ(text->status, 400);
  const auto huge =
      client.Post("/api/run", R"({"optimizers": ["sgd"], "steps": 1e400})", "application/json");
  ASSERT_TRUE(huge);
  EXPECT_EQ(huge->status, 400);
  // 500 overlapping parts of plotly.js would answer 2.4 GB.
  std::string many = "bytes=0-";
  for (int i = 0; i < 500; ++i) many += ",0-";
  const auto ranges = client.Get("/vendor/plotly.min.js", {{"Range", many}});
  ASSERT_TRUE(ranges);
  EXPECT_EQ(ranges->status, 416);
  EXPECT_LT(ranges->body.size(), 1000u);
  const auto two = client.Get("/index.html", {{"Range", "bytes=0-9,20-29"}});
  ASSERT_TRUE(two);
  EXPECT_EQ(two->status, 206);
}

// A busy port is refused, not shared; an address other machines reach is warned about.
TEST(Serve, RefusesABusyPortAndWarnsOffLoopback) {
  const Served first;
  ASSERT_GT(first.port(), 0) << first.line();
  const Served second({"--port", std::to_string(first.port())});
  EXPECT_EQ(second.port(), 0) << second.line();
  EXPECT_THAT(second.errors(), HasSubstr("cannot listen"));
  const Served open({"--host", "0.0.0.0", "--no-page"});
  ASSERT_GT(open.port(), 0) << open.line();
  EXPECT_THAT(open.errors(), HasSubstr("warning: listening on 0.0.0.0, not on loopback"));
  EXPECT_THAT(first.errors(), Not(HasSubstr("warning")));
}

TEST(WebAssets, ServesThePageFilesOnlyAndSaysWhatIsMissing) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("descent-web-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "node_modules" / "plotly.js-dist-min");
  fs::create_directories(dir / "tests");
  fs::create_directories(dir / "js" / "deeper");
  const auto write = [](const fs::path& p, const std::string& text) { std::ofstream(p) << text; };
  try {
    WebAssets::load(dir);
    ADD_FAILURE() << "a folder without index.html was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("index.html is missing"));
  }
  write(dir / "index.html", "<html></html>");
  write(dir / "app.js", "let x = 1;");
  write(dir / "notes.txt", "not served");
  write(dir / "package.json", "{}");
  write(dir / "tests" / "e2e.test.mjs", "not served");
  write(dir / "js" / "view.js", "export const y = 2;");
  write(dir / "js" / "notes.css", "not served");
  write(dir / "js" / "deeper" / "more.js", "not served");
  try {
    WebAssets::load(dir);
    ADD_FAILURE() << "a page without plotly.js was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("npm ci --prefix"));
  }
  write(dir / "node_modules" / "plotly.js-dist-min" / "plotly.min.js", "var Plotly;");
  const WebAssets assets = WebAssets::load(dir);
  // /, /index.html, /app.js, /js/view.js, /vendor/plotly.min.js and /vendor/plotly.HASH.min.js
  EXPECT_EQ(assets.size(), 6u);
  ASSERT_NE(assets.find("/"), nullptr);
  EXPECT_EQ(assets.find("/")->body, "<html></html>");
  EXPECT_THAT(assets.find("/app.js")->content_type, HasSubstr("javascript"));
  ASSERT_NE(assets.find("/js/view.js"), nullptr);
  EXPECT_EQ(assets.find("/js/view.js")->body, "export const y = 2;");
  EXPECT_THAT(assets.find("/js/view.js")->content_type, HasSubstr("javascript"));
  EXPECT_EQ(assets.find("/vendor/plotly.min.js")->body, "var Plotly;");
  for (const char* path : {"/notes.txt", "/package.json", "/tests/e2e.test.mjs", "/../index.html",
                           "/node_modules/plotly.js-dist-min/plotly.min.js", "/js/notes.css",
                           "/js/deeper/more.js", "/js/", "/js/../index.html", ""})
    EXPECT_EQ(assets.find(path), nullptr) << path;
  fs::remove_all(dir);
}

// GET /api/network reads a training folder: none, one without a landscape, and a full one.
TEST(Api, NetworkReadsTheTrainingFolder) {
  namespace fs = std::filesystem;
  test::TempDir dir;
  const fs::path net = fs::path(dir.path()) / "net";
  ApiLimits limits;
  limits.network_folder = net.string();
  auto get = [&] { return handle_api("GET", "/api/network", "", limits); };
  ApiResponse r = get();
  ASSERT_EQ(r.status, 200) << r.body;
  json j = json::parse(r.body);
  EXPECT_FALSE(j["available"].get<bool>());
  EXPECT_THAT(j["message"].get<std::string>(), HasSubstr("run `descent train`"));
  EXPECT_EQ(handle_api("POST", "/api/network", "{}", limits).status, 405);

  auto cli = test::run_cli(
      "train --train-limit 300 --test-limit 50 --hidden 8 --epochs 2 "
      "--batch 50 -o sgd:lr=0.1 --sharpness-every 3 --no-plots --out net",
      dir.path());
  ASSERT_EQ(cli.status, 0) << cli.err;
  j = json::parse(get().body);
  EXPECT_TRUE(j["available"].get<bool>());
  EXPECT_TRUE(j["landscape"].is_null());
  EXPECT_THAT(j["message"].get<std::string>(), HasSubstr("descent landscape --from"));
  EXPECT_EQ(j["labels"]["sgd:lr=0.1,weight_decay=0"], "sgd:lr=0.1");
  // 12 steps, measured at 0, 3, 6, 9 and 12; the threshold is 2/lr.
  ASSERT_EQ(j["sharpness"].size(), 1u);
  EXPECT_EQ(j["sharpness"][0]["step"], json({0, 3, 6, 9, 12}));
  EXPECT_EQ(j["sharpness"][0]["threshold"], json({20.0, 20.0, 20.0, 20.0, 20.0}));

  cli = test::run_cli("landscape --from net --grid 5 --images 300 --test-images 50 --no-plots",
                      dir.path());
  ASSERT_EQ(cli.status, 0) << cli.err;
  j = json::parse(get().body);
  const json& planes = j["landscape"]["planes"];
  EXPECT_EQ(planes["random"]["s"], json({-1, -0.5, 0, 0.5, 1}));
  ASSERT_EQ(planes["random"]["train_loss"].size(), 5u);
  EXPECT_EQ(planes["random"]["test_loss"][2].size(), 5u);
  // One run: its path on the PCA plane (the initialization and two epochs), no plane of two ends.
  ASSERT_EQ(planes["pca"]["paths"].size(), 1u);
  EXPECT_EQ(planes["pca"]["paths"][0]["s"].size(), 3u);
  EXPECT_EQ(planes["pca"]["paths"][0]["loss"].size(), 3u);
  EXPECT_TRUE(planes["exact"].is_null());
  ASSERT_EQ(j["landscape"]["lines"].size(), 1u);
  EXPECT_EQ(j["landscape"]["lines"][0]["t"].size(), 81u);
  // The plane's centre is the solution: the line's end.
  const json& line = j["landscape"]["lines"][0];
  EXPECT_NEAR(planes["random"]["train_loss"][2][2].get<double>(),
              line["train_loss"][60].get<double>(), 1e-5);

  std::ofstream(net / "landscape" / "landscape.json") << "{broken";
  r = get();
  EXPECT_EQ(r.status, 400);
  EXPECT_THAT(r.body, HasSubstr("landscape.json' is not valid JSON"));
}

}  // namespace
}  // namespace descent::cli
