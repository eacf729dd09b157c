// The runner and the metrics: recorded rows, divergence, and each metric on cases worked by hand.
#include "descent/runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "descent/error.hpp"
#include "descent/functions/anisotropic.hpp"
#include "descent/metrics.hpp"
#include "descent/optimizers/sgd.hpp"
#include "descent/registry.hpp"

namespace descent {
namespace {

using ::testing::HasSubstr;

TEST(Runner, RecordsEveryStepFromTheStart) {
  const Anisotropic f;
  Sgd<double> sgd;
  const std::vector<double> start = {1.0, 1.0};
  const RunResult r = run(f, sgd, start, {.steps = 3});
  EXPECT_EQ(r.optimizer, "sgd:lr=0.1,weight_decay=0");
  EXPECT_EQ(r.termination, Termination::completed);
  EXPECT_EQ(r.message(), "completed 3 steps");
  ASSERT_EQ(r.trajectory.size(), 4u);
  EXPECT_EQ(r.trajectory.point(0)[0], 1.0);
  EXPECT_EQ(r.trajectory.loss[0], 9.0);
  // grad at (1, 1) is (2, 16): |g| = sqrt(260)
  EXPECT_EQ(r.trajectory.grad_norm[0], std::sqrt(260.0));
}

TEST(Runner, ZeroStepsRecordsOnlyTheStart) {
  const Anisotropic f;
  Sgd<double> sgd;
  const std::vector<double> start = {0.5, -0.5};
  const RunResult r = run(f, sgd, start, {.steps = 0});
  ASSERT_EQ(r.trajectory.size(), 1u);
  EXPECT_EQ(r.metrics.path_length, 0.0);
}

// SGD with lr = 1 on w1^2 + 8 w2^2 multiplies w2 by (1 - 16) = -15 each step. A naive loop finds
// the first step whose loss overflows; the runner must stop exactly there.
TEST(Runner, StopsAtTheFirstNonFiniteValue) {
  double w1 = 1, w2 = 1;
  std::size_t expected = 0;
  for (std::size_t k = 0;; ++k) {
    const double loss = w1 * w1 + 8 * (w2 * w2);
    if (!std::isfinite(loss) || !std::isfinite(w2)) {
      expected = k;
      break;
    }
    w1 = w1 - 1.0 * (2 * w1);
    w2 = w2 - 1.0 * (16 * w2);
  }
  ASSERT_GT(expected, 100u);
  const Anisotropic f;
  auto sgd = make_optimizer("sgd:lr=1");
  const std::vector<double> start = {1.0, 1.0};
  const RunResult r = run(f, *sgd, start, {.steps = 1000});
  EXPECT_EQ(r.termination, Termination::diverged);
  EXPECT_EQ(r.stop_step, expected);
  EXPECT_THAT(r.message(), HasSubstr("diverged at step " + std::to_string(expected)));
  EXPECT_EQ(r.trajectory.size(), expected);  // steps 0 .. expected-1, all finite
  for (double l : r.trajectory.loss) EXPECT_TRUE(std::isfinite(l));
}

TEST(Runner, BadStartsAreInputErrors) {
  const Anisotropic f;
  Sgd<double> sgd;
  const std::vector<double> three = {1, 1, 1};
  EXPECT_THROW(run(f, sgd, three), InputError);
  const std::vector<double> inf = {1, INFINITY};
  EXPECT_THROW(run(f, sgd, inf), InputError);
  const std::vector<double> ok = {1, 1};
  EXPECT_THROW(run(f, sgd, ok, {.steps = 1, .tol = NAN}), InputError);
}

// A run asks whether to stop every kCancelCheckSteps steps, and stops with Cancelled.
TEST(Runner, StopsWhenCancelled) {
  const Anisotropic f;
  Sgd<double> sgd;
  int asked = 0;
  RunOptions options{.steps = 1000};
  options.cancelled = [&] { return ++asked == 3; };
  EXPECT_THROW(run(f, sgd, f.default_start(), options), Cancelled);
  EXPECT_EQ(asked, 3);
  options.cancelled = [] { return false; };
  EXPECT_EQ(run(f, sgd, f.default_start(), options).stop_step, 1000u);
}

TEST(RunAll, RunsEachOptimizerIndependently) {
  const Anisotropic f;
  std::vector<std::unique_ptr<Optimizer<double>>> opts;
  opts.push_back(make_optimizer("sgd"));
  opts.push_back(make_optimizer("momentum"));
  opts.push_back(make_optimizer("sgd"));
  const std::vector<double> start = {1.0, 1.0};
  const auto results = run_all(f, opts, start, {.steps = 10});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].trajectory.points, results[2].trajectory.points);
  EXPECT_NE(results[0].trajectory.points, results[1].trajectory.points);
}

Trajectory make_trajectory(std::vector<std::vector<double>> pts, std::vector<double> loss) {
  Trajectory t;
  t.dim = pts.front().size();
  for (std::size_t k = 0; k < pts.size(); ++k) {
    t.steps.push_back(k);
    t.points.insert(t.points.end(), pts[k].begin(), pts[k].end());
  }
  t.loss = std::move(loss);
  return t;
}

TEST(Metrics, WorkedByHand) {
  // Steps: (3,4) -> (0,0) -> (0,1) -> (0,-1) -> (0,-1) -> (0,2)
  // lengths 5 + 1 + 2 + 0 + 3 = 11; w2 steps: -4, +1, -2, 0, +3 -> reversals 3 (zero skipped);
  // w1 steps: -3, 0, 0, 0, 0 -> none.
  const Trajectory t = make_trajectory({{3, 4}, {0, 0}, {0, 1}, {0, -1}, {0, -1}, {0, 2}},
                                       {25, 0.5, 1e-7, 1e-7, 3, 4});
  const std::vector<std::vector<double>> minimizers = {{0, 0}, {0, 3}};
  const Metrics m = compute_metrics(t, 1e-6, minimizers);
  EXPECT_EQ(m.final_loss, 4);
  EXPECT_EQ(m.best_loss, 1e-7);
  EXPECT_EQ(m.best_step, 2u);  // the first step with the best loss
  EXPECT_EQ(m.steps_to_tol, 2u);
  EXPECT_EQ(m.path_length, 11.0);
  EXPECT_EQ(m.zigzags, (std::vector<std::size_t>{0, 3}));
  EXPECT_EQ(m.distance_to_minimizer, 1.0);  // (0,2) is 1 from (0,3), 2 from (0,0)
}

TEST(Metrics, NothingBelowTolAndNoMinimizer) {
  const Trajectory t = make_trajectory({{1.0}, {2.0}}, {1, 4});
  const Metrics m = compute_metrics(t, 1e-6, {});
  EXPECT_FALSE(m.steps_to_tol.has_value());
  EXPECT_FALSE(m.distance_to_minimizer.has_value());
  EXPECT_EQ(m.best_step, 0u);
}

// The seed's zig-zag: SGD on the anisotropic bowl reverses w2's direction at every step after
// the first (49 reversals in 50 steps), and never w1's.
TEST(Metrics, SgdZigZagsAcrossTheSeedsValley) {
  const Anisotropic f;
  auto sgd = make_optimizer("sgd");
  const std::vector<double> start = {1.0, 1.0};
  const RunResult r = run(f, *sgd, start, {.steps = 50});
  EXPECT_EQ(r.metrics.zigzags, (std::vector<std::size_t>{0, 49}));
  auto rms = make_optimizer("rmsprop");
  const RunResult q = run(f, *rms, start, {.steps = 10});
  EXPECT_EQ(q.metrics.zigzags, (std::vector<std::size_t>{0, 0}));
}

}  // namespace
}  // namespace descent
