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
#include "descent/parallel.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "descent/simd.hpp"
#include "descent/sweep.hpp"
#include "lane_engine.hpp"
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
        "min(x, y)^3 + max(x, 2)^y + abs(x)^1.5 - x^-2", "2^x * e^(-y) + pi"})
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
      if (metric.empty()) first = one.message;
      diverged += one.termination == Termination::diverged;
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
    c.optimizer = k.optimizer;
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
  c.optimizer = "momentum";
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

TEST_F(SimdLevels, TheFusedLoopRunsTheSeedBowlsAndGivesEachLaneItsSingleRun) {
  // Lane j of 45 (full blocks and a tail at every level): momentum with lr and alpha of its own.
  constexpr std::size_t lanes = 45;
  const OptimizerInfo& info = find_optimizer("momentum");
  const ParamSet base = make_optimizer<double>("momentum")->params();
  const auto fill = [](std::size_t j, ParamSet& v) {
    v.set("lr", 0.1 * static_cast<double>(j + 1));
    v.set("alpha", 0.02 * static_cast<double>(j));
  };
  std::vector<double> starts(2 * lanes);
  for (std::size_t j = 0; j < lanes; ++j) {
    starts[j] = 1.0 - 0.01 * static_cast<double>(j);
    starts[lanes + j] = 1.0;
  }
  RunOptions options;
  options.steps = 400;
  options.tol = 1e-8;
  for (const char* spec : {"anisotropic", "anisotropic:angle=30", "isotropic"}) {
    const auto f = make_function(spec);
    for (Simd level : simd_supported()) {
      set_simd(level);
      auto opt = detail::make_lane_optimizer(info, base, lanes, 2, fill);
      ASSERT_NE(opt, nullptr);
      const auto fused = opt->run_fused(*f, starts, options);
      ASSERT_TRUE(fused.has_value()) << spec << ": the fused loop was not taken";
      std::size_t diverged = 0;
      for (std::size_t j = 0; j < lanes; ++j) {
        ParamSet v = base;
        fill(j, v);
        const auto one_opt = info.make_double(v);
        const std::vector<double> start = {starts[j], starts[lanes + j]};
        const RunResult one = run(*f, *one_opt, start, options);
        const detail::LaneRun& l = (*fused)[j];
        EXPECT_EQ(l.termination, one.termination) << spec << " lane " << j;
        diverged += l.termination == Termination::diverged;
        if (one.termination == Termination::diverged) {
          EXPECT_EQ(l.message, one.message) << spec << " lane " << j;
          continue;
        }
        EXPECT_TRUE(same(l.final_loss, one.metrics.final_loss)) << spec << " lane " << j;
        EXPECT_TRUE(same(l.best_loss, one.metrics.best_loss)) << spec << " lane " << j;
        EXPECT_EQ(l.steps_to_tol, one.metrics.steps_to_tol) << spec << " lane " << j;
      }
      EXPECT_GT(diverged, 0u) << spec << ": some lanes must diverge";
      EXPECT_LT(diverged, lanes) << spec;
    }
  }
  // A start where the loss overflows is refused with that start, as run() refuses it.
  SweepConfig far;
  far.function = "anisotropic";
  far.optimizer = "momentum";
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
  // Functions without a fused formula and methods without a fused loop take the general path.
  auto momentum = detail::make_lane_optimizer(info, base, lanes, 2, fill);
  EXPECT_FALSE(momentum->run_fused(*make_function("rosenbrock"), starts, options).has_value());
  const OptimizerInfo& adam = find_optimizer("adam");
  auto lanes_adam = detail::make_lane_optimizer(adam, make_optimizer<double>("adam")->params(),
                                                lanes, 2, [](std::size_t, ParamSet&) {});
  ASSERT_NE(lanes_adam, nullptr);
  EXPECT_FALSE(lanes_adam->run_fused(*make_function("anisotropic"), starts, options).has_value());
}

}  // namespace
}  // namespace descent
