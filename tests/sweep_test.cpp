// Sweeps: grid parsing, cells equal to single runs, the divergence boundary where the theory puts
// it, independence from the thread count, several starts and seeds, and limits.
#include "descent/sweep.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>

#include <cmath>
#include <string>

#include "descent/error.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

using ::testing::HasSubstr;

TEST(Sweep, GridAxesParseAndSpaceTheirValues) {
  const GridAxis lin = parse_grid_axis("alpha=0:0.9:lin:4");
  EXPECT_EQ(lin.key, "alpha");
  const std::vector<double> v = lin.values();
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v.front(), 0.0);
  EXPECT_EQ(v.back(), 0.9) << "the ends are exactly the values written";
  EXPECT_NEAR(v[1], 0.3, 1e-15);
  const std::vector<double> g = parse_grid_axis("lr=1e-3:1:log:4").values();
  EXPECT_EQ(g.front(), 1e-3);
  EXPECT_EQ(g.back(), 1.0);
  EXPECT_NEAR(g[1], 1e-2, 1e-16);
  EXPECT_EQ(parse_grid_axis("lr=0.5:0.5:lin:1").values(), std::vector<double>{0.5});
}

TEST(Sweep, ALinearAxisWiderThanTheLargestDoubleHasFiniteValues) {
  // hi - lo overflows to infinity; the values between the ends are finite all the same.
  const std::vector<double> v = parse_grid_axis("k=-1e308:1e308:lin:5").values();
  ASSERT_EQ(v.size(), 5u);
  EXPECT_EQ(v.front(), -1e308);
  EXPECT_DOUBLE_EQ(v[1], -5e307);
  EXPECT_EQ(v[2], 0.0);
  EXPECT_DOUBLE_EQ(v[3], 5e307);
  EXPECT_EQ(v.back(), 1e308);
}

// Every value lies between the ends, even where rounding would step past them (10^log10(11) is
// above 11).
TEST(Sweep, AxisValuesStayBetweenTheEnds) {
  for (const char* text :
       {"lr=11:11:log:681", "lr=0.3:0.3:log:5", "alpha=0.7:0.7:lin:9",
        "lr=11:11.000000000000002:log:681", "lr=0.3:0.30000000000000004:log:5"}) {
    const GridAxis a = parse_grid_axis(text);
    for (double v : a.values()) EXPECT_TRUE(v >= a.lo && v <= a.hi) << text << ": " << v;
  }
}

TEST(Sweep, MalformedGridsAreRefused) {
  const std::pair<const char*, const char*> bad[] = {
      {"lr", "expected KEY=LO:HI:lin|log:COUNT"},
      {"=1:2:lin:3", "expected KEY=LO:HI:lin|log:COUNT"},
      {"lr=1:2:lin", "expected KEY=LO:HI:lin|log:COUNT"},
      {"lr=x:2:lin:3", "low end 'x' is not a finite number"},
      {"lr=1:inf:lin:3", "high end 'inf' is not a finite number"},
      {"lr=1:2:cubic:3", "spacing 'cubic' is not lin or log"},
      {"lr=1:2:lin:0", "is not a whole number in [1, 4096]"},
      {"lr=1:2:lin:2.5", "is not a whole number in [1, 4096]"},
      {"lr=1:2:lin:5000", "is not a whole number in [1, 4096]"},
      {"lr=2:1:lin:3", "the low end is above the high end"},
      {"lr=0:1:log:3", "a log axis needs a low end above 0"},
  };
  for (const auto& [text, message] : bad) {
    try {
      (void)parse_grid_axis(text);
      ADD_FAILURE() << text << " was accepted";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(message)) << text;
    }
  }
  EXPECT_THROW((void)parse_sweep_metric("loss"), InputError);
}

SweepConfig momentum_sweep() {
  SweepConfig c;
  c.function = "anisotropic";
  c.start = {1, 1};
  c.optimizer = OptimizerConfig::parse("momentum");
  c.metric = SweepMetric::final_loss;
  return c;
}

TEST(Sweep, ACellIsTheSingleRunWithItsSettings) {
  // The seed's momentum case (lr 0.1, alpha 0.9, 50 steps) is a corner of this grid.
  SweepConfig c = momentum_sweep();
  c.axes = {parse_grid_axis("lr=0.1:0.2:lin:3"), parse_grid_axis("alpha=0.5:0.9:lin:3")};
  c.options.steps = 50;
  const SweepResult r = sweep(c);
  ASSERT_EQ(r.size(), 9u);
  const SweepCell cell = r.cell(2);  // lr first (slow), alpha last (fast)
  EXPECT_EQ(cell.values, (std::vector<double>{0.1, 0.9}));
  EXPECT_EQ(cell.spec, "momentum:lr=0.1,alpha=0.9,dampening=0,weight_decay=0,buffer=false");
  auto opt = make_optimizer<double>("momentum:lr=0.1,alpha=0.9");
  const RunResult single = run(*make_function("anisotropic"), *opt, c.start, c.options);
  EXPECT_EQ(cell.median, single.metrics.final_loss);
  // The seed's own reference value after 50 steps (tests/golden/aniso_momentum_alpha0.9.csv).
  EXPECT_EQ(cell.median, 0.021879819513374647);
  EXPECT_EQ(cell.runs, 1u);
  EXPECT_EQ(cell.termination, "completed 50 steps");
}

// Every way a sweep runs its cells (the fused loop for a formula, lanes for other functions, one
// run at a time for L-BFGS and noisy gradients) stops with Cancelled when asked to.
TEST(Sweep, StopsWhenCancelled) {
  for (const char* function : {"anisotropic", "rosenbrock:n=3"})
    for (const char* optimizer : {"momentum", "lbfgs"})
      for (double noise : {0.0, 0.1}) {
        SweepConfig c = momentum_sweep();
        c.function = function;
        if (c.function != "anisotropic") c.start = {-1, 1, 1};
        c.optimizer = OptimizerConfig::parse(optimizer);
        c.noise = noise;
        c.axes = {parse_grid_axis("lr=0.001:0.01:lin:600")};
        c.options.steps = 2000;
        std::atomic<int> asked = 0;
        c.options.cancelled = [&] { return ++asked > 2; };
        EXPECT_THROW((void)sweep(c), Cancelled) << function << " " << optimizer << " " << noise;
        EXPECT_LT(asked.load(), 200) << function << " " << optimizer << " " << noise;
      }
}

// Heavy-ball momentum on w1^2 + 8 w2^2 over lr and alpha, across the stability limit.
SweepResult around_the_limit(std::size_t steps) {
  SweepConfig c = momentum_sweep();
  c.axes = {parse_grid_axis("lr=0.02:0.4:lin:20"), parse_grid_axis("alpha=0:0.9:lin:10")};
  c.options.steps = steps;
  return sweep(c);
}

// lr * lambda_max / (2 + 2 alpha) of a cell of around_the_limit(): above 1 past the limit.
double past_the_limit(const SweepCell& cell) {
  return cell.values[0] * 16 / (2 + 2 * cell.values[1]);
}

TEST(Sweep, DivergenceFollowsTheStabilityLimit) {
  // Heavy-ball momentum on w1^2 + 8 w2^2 (lambda_max = 16) is stable iff lr * 16 < 2 + 2 alpha.
  // Cells 5% or more inside the limit must converge, cells 5% or more beyond it must diverge
  // (overflow to infinity: beyond the 5% margin the error grows at least 1.1-fold per step, and
  // 1.1^5000 overflows a double).
  const SweepResult r = around_the_limit(5000);
  std::size_t inside = 0, beyond = 0;
  for (const SweepCell& cell : test::all_cells(r)) {
    const double b = past_the_limit(cell);
    if (b < 0.95) {
      ++inside;
      EXPECT_EQ(cell.diverged, 0u) << cell.spec;
      EXPECT_LT(cell.median, 1e-6) << cell.spec;
    } else if (b > 1.05) {
      ++beyond;
      EXPECT_EQ(cell.diverged, 1u) << cell.spec;
    }
  }
  EXPECT_GT(inside, 50u);
  EXPECT_GT(beyond, 50u);
}

TEST(Sweep, CountsDivergingRunsAsDiverged) {
  // 80 steps beyond the stability limit: the error grows at least 1.1-fold per step, the loss
  // (its square) at least 1.21-fold, so it ends over 4e6 times its start (diverging: more than
  // 1000 times) long before it overflows (diverged). Both kinds count as diverged in a sweep.
  const SweepResult r = around_the_limit(80);
  std::size_t diverging = 0, beyond = 0;
  for (std::size_t i = 0; i < r.size(); ++i) {
    const SweepCell cell = r.cell(i);
    if (past_the_limit(cell) < 1.05) continue;
    ++beyond;
    EXPECT_EQ(cell.diverged, 1u) << cell.spec << ": " << cell.termination;
    diverging += r.status(i) == Termination::diverging;
  }
  EXPECT_GT(beyond, 50u);
  EXPECT_GT(diverging, 10u);  // the case this test is for
}

void expect_same(const SweepResult& a, const SweepResult& b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) {
    const SweepCell x = a.cell(i), y = b.cell(i);
    EXPECT_EQ(x.spec, y.spec);
    EXPECT_EQ(x.median, y.median) << x.spec;
    EXPECT_EQ(x.min, y.min) << x.spec;
    EXPECT_EQ(x.max, y.max) << x.spec;
    EXPECT_EQ(x.diverged, y.diverged) << x.spec;
    EXPECT_EQ(x.termination, y.termination) << x.spec;
  }
}

TEST(Sweep, ResultsDoNotDependOnTheThreadCount) {
  SweepConfig c = momentum_sweep();
  c.function = "rosenbrock";
  c.start.clear();
  c.axes = {parse_grid_axis("lr=1e-4:3e-3:log:12"), parse_grid_axis("alpha=0:0.95:lin:9")};
  c.options.steps = 300;
  c.starts = 3;
  c.noise = 0.1;
  c.seeds = 2;
  set_threads(1);
  const SweepResult one = sweep(c);
  set_threads(2);
  std::size_t calls = 0, last = 0;
  const SweepResult two = sweep(c, [&](std::size_t done, std::size_t total) {
    ++calls;
    last = std::max(last, done);
    EXPECT_EQ(total, 108u);
  });
  set_threads(0);
  expect_same(one, two);
  EXPECT_GT(calls, 0u);
  EXPECT_EQ(last, 108u);
  // Six runs per cell (3 starts x 2 seeds), the given start first.
  EXPECT_EQ(one.starts.size(), 3u);
  EXPECT_EQ(one.starts[0], make_function("rosenbrock")->default_start());
  for (const SweepCell& cell : test::all_cells(one)) {
    EXPECT_EQ(cell.runs, 6u);
    EXPECT_LE(cell.min, cell.median);
    EXPECT_LE(cell.median, cell.max);
  }
}

TEST(Sweep, LimitsAndBadSettingsAreRefusedBeforeRunning) {
  SweepConfig c = momentum_sweep();
  c.axes = {parse_grid_axis("lr=0.01:1:lin:4096"), parse_grid_axis("alpha=0:0.9:lin:4096")};
  EXPECT_THROW(check_sweep(c), InputError);  // 2^24 cells
  c.axes = {parse_grid_axis("lr=0.01:1:lin:1024"), parse_grid_axis("alpha=0:0.9:lin:1024")};
  c.options.steps = 100000;
  try {
    check_sweep(c);
    ADD_FAILURE() << "too much work accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("optimizer steps"));
  }
  c.options.steps = 10;
  c.axes = {parse_grid_axis("alpha=0:1:lin:5")};
  try {
    check_sweep(c);
    ADD_FAILURE() << "alpha = 1 accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("reaches an invalid setting"));
  }
  c.axes = {parse_grid_axis("lr=0.01:0.1:lin:5")};
  c.seeds = 3;
  EXPECT_THROW(check_sweep(c), InputError) << "seeds without noise";
  c.seeds = 1;
  c.start = {1, 1, 1};
  EXPECT_THROW(check_sweep(c), InputError) << "start of the wrong dimension";
  c.start = {1, 1};
  c.axes.clear();
  EXPECT_THROW(check_sweep(c), InputError) << "no axis";
}

}  // namespace
}  // namespace descent
