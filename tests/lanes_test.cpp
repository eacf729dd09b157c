// The sweep engine's lanes: many runs stepped together as a structure of arrays must give every
// run bit for bit what a single run() gives it, at every SIMD level and for every thread count.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "descent/expression.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "descent/simd.hpp"
#include "descent/sweep.hpp"
#include "engine/lanes.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

// Equal as bits, or both NaN (a NaN's payload is not part of the contract).
bool same(double a, double b) {
  return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b) ||
         (std::isnan(a) && std::isnan(b));
}

class SimdLevels : public ::testing::Test {
 protected:
  void TearDown() override { set_simd(simd_supported().back()); }
};

std::vector<std::string> functions_to_check() {
  std::vector<std::string> out;
  for (const FunctionInfo* f : function_catalog()) out.push_back(f->name);
  for (const char* s :
       {"anisotropic:angle=30", "anisotropic:ratio=0.25", "rosenbrock:n=5", "w1^2 + 8*w2^2",
        "w1^2 + 3*w2^2", "x*x + x*y - y", "log(x) + sqrt(y)", "1/(x - y)", "w2^2 + 3", "x",
        "w3 - 2*w1", "2*pi + 1", "sin(x)*exp(y) + tanh(x)*atan(y) + cosh(x) - sinh(y) + tan(x)",
        "min(x, y)^3 + max(x, 2)^y + abs(x)^1.5 - x^-2", "2^x * e^(-y) + pi",
        // Adjoints folded once (fixed weights times fixed partials), variables read twice,
        // fixed partials that are 0 or infinite, and fixed adjoints feeding others.
        "3*w1 + w2/4 - (w1 - 2)*5", "w1 - w1 + 0*w2", "(x + y)/0 + x*y", "-(x + 2*y)*-0",
        "2*(3*(x - y) + y*y)", "x*y*2 - 8/x"})
    out.push_back(s);
  return out;
}

TEST_F(SimdLevels, LanesEvaluateEveryPointAsOnePointEvaluationDoes) {
  std::mt19937_64 rng(7);
  for (const std::string& spec : functions_to_check()) {
    const auto f = make_function(spec);
    const std::size_t n = f->dim(), lanes = 37;  // odd: the vector loops' tails run too
    const Box box = f->bounds();
    std::vector<double> x(n * lanes);
    for (std::size_t j = 0; j < lanes; ++j)
      for (std::size_t i = 0; i < n; ++i) {
        std::uniform_real_distribution<double> u(1.5 * box.lower[i], 1.5 * box.upper[i]);
        // A few special points: zeros (log 0, x/0) and huge values (overflow).
        x[i * lanes + j] = j == 0 ? 0.0 : j == 1 ? 1e200 : j == 2 ? -1e-300 : u(rng);
      }
    for (Simd level : simd_supported()) {
      set_simd(level);
      std::vector<double> loss(lanes), g(n * lanes), xj(n), gj(n);
      f->value_and_gradient_lanes(lanes, x, loss, g);
      for (std::size_t j = 0; j < lanes; ++j) {
        for (std::size_t i = 0; i < n; ++i) xj[i] = x[i * lanes + j];
        const double expected = f->value_and_gradient(xj, gj);
        EXPECT_TRUE(same(loss[j], expected)) << spec << " lane " << j << " at " << simd_name(level)
                                             << ": " << loss[j] << " vs " << expected;
        for (std::size_t i = 0; i < n; ++i)
          EXPECT_TRUE(same(g[i * lanes + j], gj[i]))
              << spec << " lane " << j << " gradient " << i << " at " << simd_name(level);
      }
    }
  }
}

// The rows of an expression's constants stay filled between calls on a thread: calls that
// alternate two tapes with the same layout and other constants, and other numbers of lanes,
// still give each point its one-point evaluation.
TEST(Lanes, ExpressionRowsFollowTheTapeAndTheLanes) {
  const Expression a("w1^2 + 8*w2^2"), b("w1^2 + 3*w2^2");
  const Expression a_copy = a;
  for (const Expression* f : {&a, &b, &a, &a_copy, &b})
    for (std::size_t lanes : {5, 9, 5}) {
      std::vector<double> x(2 * lanes), loss(lanes), g(2 * lanes), gj(2);
      for (std::size_t j = 0; j < 2 * lanes; ++j) x[j] = 0.25 * static_cast<double>(j) - 1.0;
      f->value_and_gradient_lanes(lanes, x, loss, g);
      for (std::size_t j = 0; j < lanes; ++j) {
        const std::vector<double> xj = {x[j], x[lanes + j]};
        EXPECT_TRUE(same(loss[j], f->value_and_gradient(xj, gj))) << f->spec() << " " << lanes;
        EXPECT_TRUE(same(g[j], gj[0]) && same(g[lanes + j], gj[1])) << f->spec() << " " << lanes;
      }
    }
}

TEST(Lanes, WrongSizesAreRefused) {
  const auto f = make_function("anisotropic");
  std::vector<double> x(8), loss(4), g(8);
  EXPECT_NO_THROW(f->value_and_gradient_lanes(4, x, loss, g));
  EXPECT_THROW(f->value_and_gradient_lanes(5, x, loss, g), std::invalid_argument);
  std::vector<double> short_g(7);
  EXPECT_THROW(f->value_and_gradient_lanes(4, x, loss, short_g), std::invalid_argument);
  const Expression e("x + y + z");
  std::vector<double> x3(9), l3(3), g3(9);
  EXPECT_NO_THROW(e.value_and_gradient_lanes(3, x3, l3, g3));
  EXPECT_THROW(e.value_and_gradient_lanes(3, x, l3, g3), std::invalid_argument);
}

struct Case {
  const char* function;
  const char* optimizer;
  const char* grid1;
  const char* grid2;
};

// Every method with a lane kernel, with settings that take each branch of its rule (weight decay,
// dampening, centered, momentum, amsgrad), grids that reach divergence, and two that have no
// lane kernel (adagrad, a schedule) and run one at a time.
const Case kCases[] = {
    {"anisotropic", "momentum", "lr=1e-3:0.3:log:7", "alpha=0:0.99:lin:5"},
    {"anisotropic:angle=30", "momentum:dampening=0.3,weight_decay=0.01", "lr=1e-3:0.3:log:6",
     "alpha=0:0.9:lin:3"},
    {"w1^2 + 8*w2^2", "nesterov:weight_decay=0.1", "lr=1e-3:0.3:log:6", "alpha=0:0.99:lin:4"},
    {"rosenbrock", "sgd", "lr=1e-4:1e-2:log:9", nullptr},
    {"beale", "sgd:weight_decay=0.001", "lr=1e-4:0.1:log:6", nullptr},
    {"rosenbrock", "rmsprop", "lr=1e-4:0.3:log:6", "beta=0.5:0.99:lin:3"},
    {"himmelblau", "rmsprop:centered=true,momentum=0.5", "lr=1e-4:0.3:log:6", nullptr},
    {"rosenbrock", "rmsprop:momentum=0.9,weight_decay=0.01", "lr=1e-4:0.3:log:5", nullptr},
    {"anisotropic", "adam", "lr=1e-3:3:log:6", "beta1=0:0.99:lin:3"},
    {"sin(x)*cos(y) + 0.1*(x^2 + y^2)", "adam:amsgrad=true,weight_decay=0.1", "lr=1e-3:3:log:6",
     nullptr},
    {"rosenbrock", "adamw", "lr=1e-3:3:log:5", "weight_decay=0:0.1:lin:3"},
    {"anisotropic", "adagrad", "lr=1e-3:3:log:4", nullptr},
    {"anisotropic", "momentum@cosine:t_max=100", "lr=1e-3:0.3:log:4", nullptr},
    // The fused loop (the seed's bowls with sgd, momentum, nesterov), with block tails.
    {"isotropic", "sgd:weight_decay=0.05", "lr=1e-3:1.2:log:37", nullptr},
    {"anisotropic:angle=30", "sgd", "lr=1e-3:0.3:log:11", nullptr},
    {"anisotropic:ratio=20", "nesterov", "lr=1e-3:0.2:log:9", "alpha=0:0.99:lin:5"},
    {"anisotropic:angle=-60", "nesterov:weight_decay=0.1", "lr=1e-3:0.3:log:7", nullptr},
    {"isotropic", "momentum:dampening=0.5", "lr=1e-3:1.5:log:13", "alpha=0:0.99:lin:3"},
    // Steps to a point that overflows while the loss before it is finite: the fused loop's test
    // fires a step before run() stops (at the larger lr), and the exact check lets it go on.
    {"isotropic", "sgd", "lr=1e306:1e308:log:5", nullptr},
    {"anisotropic", "momentum", "lr=1e305:1e308:log:4", "alpha=0:0.9:lin:2"},
};

double metric_of(const RunResult& one, SweepMetric m) {
  if (one.termination == Termination::diverged) return INFINITY;
  switch (m) {
    case SweepMetric::final_loss:
      return one.metrics.final_loss;
    case SweepMetric::best_loss:
      return one.metrics.best_loss;
    case SweepMetric::steps_to_tol:
      return one.metrics.steps_to_tol ? static_cast<double>(*one.metrics.steps_to_tol) : INFINITY;
  }
  return NAN;
}

// Checks every cell against single runs of its spec from each of the sweep's starts.
void expect_cells_are_single_runs(const SweepConfig& c, const SweepResult& r) {
  const auto f = make_function(c.function);
  for (const SweepCell& cell : test::all_cells(r)) {
    std::vector<double> metric;
    std::size_t diverged = 0;
    std::string first;
    for (const auto& start : r.starts) {
      auto opt = make_optimizer<double>(cell.spec);
      const RunResult one = run(*f, *opt, start, c.options);
      if (metric.empty()) first = one.message();
      diverged += blew_up(one.termination);
      metric.push_back(metric_of(one, c.metric));
    }
    std::sort(metric.begin(), metric.end());
    EXPECT_TRUE(same(cell.min, metric.front())) << c.function << " " << cell.spec;
    EXPECT_TRUE(same(cell.max, metric.back())) << c.function << " " << cell.spec;
    EXPECT_EQ(cell.diverged, diverged) << c.function << " " << cell.spec;
    EXPECT_EQ(cell.termination, first) << c.function << " " << cell.spec;
  }
}

TEST_F(SimdLevels, EveryCellIsItsSingleRunBitForBit) {
  std::size_t diverged = 0;
  for (const Case& k : kCases) {
    SweepConfig c;
    c.function = k.function;
    c.optimizer = OptimizerConfig::parse(k.optimizer);
    c.axes = {parse_grid_axis(k.grid1)};
    if (k.grid2) c.axes.push_back(parse_grid_axis(k.grid2));
    c.options.steps = 150;
    c.options.tol = 1e-4;
    c.starts = 2;
    c.seed = 3;
    for (Simd level : simd_supported()) {
      set_simd(level);
      for (SweepMetric m :
           {SweepMetric::final_loss, SweepMetric::best_loss, SweepMetric::steps_to_tol}) {
        c.metric = m;
        const SweepResult r = sweep(c);
        expect_cells_are_single_runs(c, r);
        for (const SweepCell& cell : test::all_cells(r)) diverged += cell.diverged;
      }
    }
  }
  EXPECT_GT(diverged, 0u) << "the grids must reach divergence, so that its step is checked";
}

TEST(Lanes, BatchesAndThreadsDoNotChangeTheCells) {
  // 3 starts x 300 cells: runs cross batch boundaries; no noise, so the runs step in lanes.
  SweepConfig c;
  c.function = "rosenbrock";
  c.optimizer = OptimizerConfig::parse("momentum");
  c.axes = {parse_grid_axis("lr=1e-4:3e-3:log:20"), parse_grid_axis("alpha=0:0.95:lin:15")};
  c.options.steps = 200;
  c.starts = 3;
  set_threads(1);
  const SweepResult one = sweep(c);
  set_threads(2);
  const SweepResult two = sweep(c);
  set_threads(0);
  ASSERT_EQ(one.size(), two.size());
  for (std::size_t i = 0; i < one.size(); ++i) {
    EXPECT_TRUE(same(one.median[i], two.median[i])) << one.cell(i).spec;
    EXPECT_EQ(one.termination(i), two.termination(i));
  }
  SweepConfig small = c;
  small.axes = {parse_grid_axis("lr=1e-4:3e-3:log:20"), parse_grid_axis("alpha=0:0.95:lin:3")};
  small.metric = SweepMetric::final_loss;
  expect_cells_are_single_runs(small, sweep(small));
}

// A lane whose loss blows up without overflowing (Nesterov beyond its stability limit, 80 steps)
// ends diverging, as its single run does, in the fused loop (the seed's valley) and in the
// general lanes (the same valley typed as an expression), at every SIMD level.
TEST_F(SimdLevels, LanesThatBlowUpAreDivergingAsTheirSingleRuns) {
  constexpr std::size_t lanes = 21;
  std::vector<double> starts(2 * lanes), values(lanes);
  for (std::size_t j = 0; j < lanes; ++j) {
    starts[j] = -1.5;
    starts[lanes + j] = 1.0;
    values[j] = 0.01 * static_cast<double>(j + 1);  // 0.01 .. 0.21; the limit is 0.0848
  }
  const RunOptions options{.steps = 80, .record = false};
  const OptimizerConfig base = OptimizerConfig::parse("nesterov");
  const std::vector<std::string> keys = {"lr"};
  for (const char* function : {"anisotropic", "w1^2 + 8*w2^2"}) {
    const auto f = make_function(function);
    for (Simd level : simd_supported()) {
      set_simd(level);
      auto fused_probe = detail::make_lane_optimizer(base, keys, values, lanes, 2);
      ASSERT_NE(fused_probe, nullptr);
      EXPECT_EQ(fused_probe->run_fused(*f, starts, options).has_value(),
                std::string(function) == "anisotropic")
          << function;
      auto opt = detail::make_lane_optimizer(base, keys, values, lanes, 2);
      const std::vector<RunResult> out = detail::run_lanes(*f, *opt, lanes, starts, options);
      std::size_t diverging = 0, completed = 0;
      for (std::size_t j = 0; j < lanes; ++j) {
        OptimizerConfig cell = base;
        cell.set("lr", values[j]);
        const auto one_opt = cell.make<double>();
        const RunResult one = run(*f, *one_opt, std::vector<double>{-1.5, 1.0}, options);
        const std::string lane = std::string(function) + " lane " + std::to_string(j) + " at " +
                                 std::string(simd_name(level));
        EXPECT_EQ(out[j].termination, one.termination) << lane;
        EXPECT_EQ(out[j].message(), one.message()) << lane;
        EXPECT_EQ(out[j].steps, one.steps) << lane;
        EXPECT_TRUE(same(out[j].metrics.final_loss, one.metrics.final_loss)) << lane;
        EXPECT_TRUE(same(out[j].metrics.best_loss, one.metrics.best_loss)) << lane;
        diverging += one.termination == Termination::diverging;
        completed += one.termination == Termination::completed;
      }
      EXPECT_GT(diverging, 0u) << function;
      EXPECT_GT(completed, 0u) << function;
    }
  }
}

// Every elementwise optimizer, in each variant of its rule, sweeps in lanes: each cell of a grid
// over its learning rate is its single run, bit for bit, at every SIMD level.
TEST_F(SimdLevels, EveryElementwiseOptimizerSweepsInLanes) {
  std::vector<std::string> specs = {
      "rmsprop:centered=true", "rmsprop:momentum=0.5", "rmsprop:centered=true,momentum=0.5",
      "adam:amsgrad=true",     "adamw:amsgrad=true",   "ftrl:lr_power=-0.7",
      "nadam:torch113=true",   "adopt:clip=false"};
  for (const OptimizerInfo* info : optimizer_catalog())
    if (info->elementwise && info->alias_of.empty()) specs.push_back(info->name);
  for (const std::string& spec : specs) {
    SweepConfig c;
    c.function = "rosenbrock";
    c.optimizer = OptimizerConfig::parse(spec);
    const double lr = c.optimizer.get("lr");
    c.axes = {
        parse_grid_axis("lr=" + format_double(lr / 100) + ":" + format_double(lr * 10) + ":log:5")};
    c.options.steps = 120;
    c.options.tol = 1e-3;
    c.starts = 2;
    c.seed = 5;
    c.metric = SweepMetric::best_loss;
    for (Simd level : simd_supported()) {
      set_simd(level);
      expect_cells_are_single_runs(c, sweep(c));
    }
  }
}

// The fused loop runs the seed's bowls with every elementwise optimizer, and gives each lane its
// single run: lane j of 45 (full blocks and a tail at every level) has an lr of its own (and,
// for momentum, an alpha too).
TEST_F(SimdLevels, TheFusedLoopGivesEachLaneItsSingleRun) {
  constexpr std::size_t lanes = 45;
  std::vector<double> starts(2 * lanes);
  for (std::size_t j = 0; j < lanes; ++j) {
    starts[j] = 1.0 - 0.01 * static_cast<double>(j);
    starts[lanes + j] = 1.0;
  }
  RunOptions options;
  options.steps = 400;
  options.tol = 1e-8;
  std::vector<std::string> specs = {"rmsprop:centered=true,momentum=0.5", "adam:amsgrad=true",
                                    "ftrl:lr_power=-0.7", "momentum:weight_decay=0.01",
                                    "adopt:clip=false"};
  for (const OptimizerInfo* info : optimizer_catalog())
    if (info->elementwise && info->alias_of.empty()) specs.push_back(info->name);
  for (const std::string& spec : specs) {
    const OptimizerConfig base = OptimizerConfig::parse(spec);
    const bool momentum = base.method().name == "momentum";
    std::vector<std::string> keys = {"lr"};
    if (momentum) keys.push_back("alpha");
    std::vector<double> values;
    for (std::size_t j = 0; j < lanes; ++j) {
      // lr from a tenth of the default to 30 times it: the top of the range diverges for the
      // momentum methods.
      values.push_back(base.get("lr") * std::pow(300.0, static_cast<double>(j) / (lanes - 1)) / 10);
      if (momentum) values.push_back(0.02 * static_cast<double>(j));
    }
    for (const char* function : {"anisotropic", "anisotropic:angle=30", "isotropic"}) {
      const auto f = make_function(function);
      const std::string what = spec + " on " + function;
      std::size_t diverged = 0;
      for (Simd level : simd_supported()) {
        set_simd(level);
        auto opt = detail::make_lane_optimizer(base, keys, values, lanes, 2);
        ASSERT_NE(opt, nullptr) << what;
        const auto fused = opt->run_fused(*f, starts, options);
        ASSERT_TRUE(fused.has_value()) << what << ": the fused loop was not taken";
        for (std::size_t j = 0; j < lanes; ++j) {
          OptimizerConfig cell = base;
          for (std::size_t k = 0; k < keys.size(); ++k)
            cell.set(keys[k], values[j * keys.size() + k]);
          const auto one_opt = cell.make<double>();
          const std::vector<double> start = {starts[j], starts[lanes + j]};
          const RunResult one = run(*f, *one_opt, start, options);
          const RunResult& l = (*fused)[j];
          const std::string lane =
              what + " lane " + std::to_string(j) + " at " + std::string(simd_name(level));
          EXPECT_EQ(l.termination, one.termination) << lane;
          diverged += l.termination == Termination::diverged;
          if (one.termination == Termination::diverged) {
            EXPECT_EQ(l.message(), one.message()) << lane;
            continue;
          }
          EXPECT_TRUE(same(l.metrics.final_loss, one.metrics.final_loss)) << lane;
          EXPECT_TRUE(same(l.metrics.best_loss, one.metrics.best_loss)) << lane;
          EXPECT_EQ(l.metrics.steps_to_tol, one.metrics.steps_to_tol) << lane;
        }
      }
      if (momentum) {
        EXPECT_GT(diverged, 0u) << what << ": some lanes must diverge";
        EXPECT_LT(diverged, lanes * simd_supported().size()) << what;
      }
    }
  }
  // A start where the loss overflows is refused with that start, as run() refuses it.
  SweepConfig far;
  far.function = "anisotropic";
  far.optimizer = OptimizerConfig::parse("momentum");
  far.start = {1e200, 1.0};
  far.axes = {parse_grid_axis("lr=0.01:0.1:lin:3")};
  try {
    (void)sweep(far);
    ADD_FAILURE() << "a start where the loss is inf was accepted";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("at the start point (1e+200, 1): loss is inf"),
              std::string::npos)
        << e.what();
  }
  // Functions without a fused formula take the general path; so do settings with a schedule or
  // a prelude, which have no lanes at all.
  const OptimizerConfig momentum = OptimizerConfig::parse("momentum");
  const std::vector<std::string> lr = {"lr"};
  const std::vector<double> values(lanes, 0.1);
  auto general = detail::make_lane_optimizer(momentum, lr, values, lanes, 2);
  EXPECT_FALSE(general->run_fused(*make_function("rosenbrock"), starts, options).has_value());
  for (const char* spec : {"momentum@cosine:t_max=10", "momentum:clip_norm=1", "lbfgs"})
    EXPECT_EQ(detail::make_lane_optimizer(OptimizerConfig::parse(spec), lr, values, lanes, 2),
              nullptr)
        << spec;
}

}  // namespace
}  // namespace descent
