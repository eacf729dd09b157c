// The runner and the metrics: recorded rows, divergence, and each metric on cases worked by hand.
#include "descent/runner.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <vector>

#include "descent/error.hpp"
#include "descent/functions/anisotropic.hpp"
#include "descent/metrics.hpp"
#include "descent/optimizers/sgd.hpp"
#include "descent/registry.hpp"
#include "engine/run.hpp"

namespace descent {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

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

// Nesterov's default lr (0.1 at alpha 0.9) is beyond its stability limit on the seed's valley
// (lr < 0.0848, docs/theory.md): from (-1.5, 1) the loss grows to ~1e29 in 80 steps, every number
// finite. That run is diverging, not completed, recorded or not.
TEST(Runner, ALossThatBlowsUpFinitelyIsDiverging) {
  const Anisotropic f;
  const std::vector<double> start = {-1.5, 1.0};
  for (bool record : {true, false}) {
    auto nesterov = make_optimizer("nesterov");
    const RunResult r = run(f, *nesterov, start, {.steps = 80, .record = record});
    EXPECT_EQ(r.termination, Termination::diverging) << r.message();
    EXPECT_GT(r.metrics.final_loss, 1e20);
    EXPECT_TRUE(std::isfinite(r.metrics.final_loss));
    EXPECT_EQ(r.stop_step, 80u);
    EXPECT_EQ(r.steps, 80u);
    EXPECT_EQ(r.message(), "diverging: loss grew from 10.25 to 1.991e+29 by step 80");
    EXPECT_STREQ(to_string(r.termination), "diverging");
  }
  // Within the limit the same run completes.
  auto slow = make_optimizer("nesterov:lr=0.08");
  EXPECT_EQ(run(f, *slow, start, {.steps = 80}).termination, Termination::completed);
}

// A run continued from step k with the history of its first k steps (run_from) reports the whole
// run's metrics and termination, recorded or not. The run above is diverging by step 12 (loss
// 2.2e5 from 10.25), not by step 8 (8.7e3); steps 8 to 12 alone grow it less than a thousandfold,
// and without the history they only complete.
TEST(Runner, AContinuedRunReportsTheWholeRun) {
  const Anisotropic f;
  const std::vector<double> start = {-1.5, 1.0};
  for (bool record : {true, false}) {
    SCOPED_TRACE(record ? "recorded" : "not recorded");
    auto whole = make_optimizer("nesterov");
    const RunResult all = run(f, *whole, start, {.steps = 12, .record = record});
    // Two optimizers at step 8 and the point there.
    std::vector<double> at;
    RunOptions first{.steps = 8, .record = record};
    first.on_step = [&at](const StepView& s) {
      at.assign(s.point.begin(), s.point.end());
      return true;
    };
    auto with = make_optimizer("nesterov"), without = make_optimizer("nesterov");
    const RunResult part = run(f, *with, start, first);
    run(f, *without, start, first);
    ASSERT_EQ(part.termination, Termination::completed) << part.message();
    ASSERT_TRUE(part.history.has_value());
    EXPECT_EQ(part.history->step_signs.size(), record ? 2u : 0u);

    const RunResult rest =
        run_from(f, *with, at, 8, {.steps = 12, .record = record}, &*part.history);
    EXPECT_EQ(rest.termination, Termination::diverging);
    EXPECT_EQ(rest.message(), all.message());
    EXPECT_EQ(rest.metrics.final_loss, all.metrics.final_loss);
    EXPECT_EQ(rest.metrics.best_loss, all.metrics.best_loss);
    EXPECT_EQ(rest.metrics.path_length, all.metrics.path_length);
    EXPECT_EQ(rest.metrics.zigzags, all.metrics.zigzags);
    EXPECT_EQ(rest.history->start_loss, 10.25);

    const RunResult alone = run_from(f, *without, at, 8, {.steps = 12, .record = record});
    EXPECT_EQ(alone.termination, Termination::completed) << alone.message();
    EXPECT_FALSE(alone.history.has_value());  // it measured part of the run
  }
}

// Steps to tol: kept from the history when the first part reached tol, else counted on.
TEST(Runner, AContinuedRunKeepsTheStepsToTol) {
  const Anisotropic f;
  const std::vector<double> start = {1.0, 1.0};
  for (bool record : {true, false})
    for (std::size_t k : {5u, 40u}) {
      SCOPED_TRACE(std::to_string(k) + (record ? " recorded" : " not recorded"));
      auto whole = make_optimizer("sgd");
      const RunResult all = run(f, *whole, start, {.steps = 60, .tol = 1e-6, .record = record});
      ASSERT_TRUE(all.metrics.steps_to_tol.has_value());
      ASSERT_GT(*all.metrics.steps_to_tol, 5u);
      ASSERT_LT(*all.metrics.steps_to_tol, 40u);
      std::vector<double> at;
      RunOptions first{.steps = k, .tol = 1e-6, .record = record};
      first.on_step = [&at](const StepView& s) {
        at.assign(s.point.begin(), s.point.end());
        return true;
      };
      auto opt = make_optimizer("sgd");
      const RunResult part = run(f, *opt, start, first);
      const RunResult rest =
          run_from(f, *opt, at, k, {.steps = 60, .tol = 1e-6, .record = record}, &*part.history);
      EXPECT_EQ(rest.metrics.steps_to_tol, all.metrics.steps_to_tol);
      EXPECT_EQ(rest.metrics.best_loss, all.metrics.best_loss);
      EXPECT_EQ(rest.metrics.final_loss, all.metrics.final_loss);
    }
}

// A history that cannot continue the run is refused: one of another dimension, or one without
// path metrics (its run recorded nothing) for a run that records.
TEST(Runner, AHistoryThatDoesNotFitIsRefused) {
  const Anisotropic f;
  const std::vector<double> start = {1.0, 1.0};
  auto opt = make_optimizer("sgd");
  opt->reset(2);
  RunHistory three{.start_loss = 9, .metrics = {}, .step_signs = {0, 1, -1}};
  three.metrics.zigzags = {0, 0, 0};
  EXPECT_THAT([&] { run_from(f, *opt, start, 3, {.steps = 5}, &three); },
              ThrowsMessage<InputError>(HasSubstr("history is of 3 coordinates")));
  const RunHistory unrecorded{.start_loss = 9, .metrics = {}, .step_signs = {}};
  EXPECT_THAT([&] { run_from(f, *opt, start, 3, {.steps = 5}, &unrecorded); },
              ThrowsMessage<InputError>(HasSubstr("has no path metrics")));
  EXPECT_NO_THROW(run_from(f, *opt, start, 3, {.steps = 5, .record = false}, &unrecorded));
}

TEST(Runner, TheDivergingRuleAtItsBoundary) {
  EXPECT_FALSE(detail::is_diverging(9, 9 + 9000));
  EXPECT_TRUE(detail::is_diverging(9, std::nextafter(9009.0, INFINITY)));
  EXPECT_FALSE(detail::is_diverging(0, 1000));  // the floor of 1 for a start at 0
  EXPECT_TRUE(detail::is_diverging(0, 1000.5));
  EXPECT_FALSE(detail::is_diverging(-5, 4000));
  EXPECT_TRUE(detail::is_diverging(-5, 5000));
  EXPECT_FALSE(detail::is_diverging(9, 1e-3));  // a loss that went down
}

// Recording every K-th step keeps those rows and the last, and measures the metrics on every
// step: the same metrics as recording all.
TEST(Runner, RecordEveryKeepsEveryKthStepAndTheLast) {
  const Anisotropic f;
  const std::vector<double> start = {1.0, 1.0};
  auto a = make_optimizer("momentum");
  const RunResult all = run(f, *a, start, {.steps = 10});
  auto b = make_optimizer("momentum");
  const RunResult some = run(f, *b, start, {.steps = 10, .record_every = 4});
  EXPECT_EQ(some.trajectory.steps, (std::vector<std::uint64_t>{0, 4, 8, 10}));
  for (std::size_t i = 0; i < some.trajectory.size(); ++i) {
    const std::size_t k = some.trajectory.steps[i];
    EXPECT_EQ(some.trajectory.loss[i], all.trajectory.loss[k]);
    EXPECT_EQ(some.trajectory.grad_norm[i], all.trajectory.grad_norm[k]);
    EXPECT_EQ(some.trajectory.point(i)[1], all.trajectory.point(k)[1]);
  }
  EXPECT_EQ(some.metrics.path_length, all.metrics.path_length);
  EXPECT_EQ(some.metrics.zigzags, all.metrics.zigzags);
  EXPECT_EQ(some.metrics.best_loss, all.metrics.best_loss);
  EXPECT_EQ(some.metrics.best_step, all.metrics.best_step);
  EXPECT_EQ(some.metrics.final_loss, all.metrics.final_loss);
  EXPECT_EQ(some.metrics.distance_to_minimizer, all.metrics.distance_to_minimizer);
  EXPECT_EQ(some.steps, 10u);
  // A diverged run keeps its last finite step as the last row.
  auto c = make_optimizer("sgd:lr=1");
  const RunResult blown = run(f, *c, start, {.steps = 1000, .record_every = 100});
  ASSERT_EQ(blown.termination, Termination::diverged);
  EXPECT_EQ(blown.trajectory.steps.back(), blown.stop_step - 1);
  EXPECT_EQ(blown.steps, blown.stop_step);
}

// Recording none keeps the first and the last rows only, and reserves no more than that: a run
// of 100 steps on 100000 coordinates holds two points, not 101.
TEST(Runner, RecordNoneHoldsTwoRowsWhateverTheSteps) {
  const auto f = make_function("rosenbrock:n=100000");
  auto adam = make_optimizer("adam:lr=0.01");
  const std::vector<double> start = f->default_start();
  const RunResult r = run(*f, *adam, start, {.steps = 100, .record_every = 0});
  EXPECT_EQ(r.trajectory.steps, (std::vector<std::uint64_t>{0, 100}));
  EXPECT_EQ(r.trajectory.points.size(), 2 * f->dim());
  EXPECT_LE(r.trajectory.points.capacity(), 2 * f->dim());
  EXPECT_EQ(r.steps, 100u);
  EXPECT_GT(r.metrics.path_length, 0.0);
}

TEST(Runner, StopsAtALossTolerance) {
  const Anisotropic f;
  const std::vector<double> start = {1.0, 1.0};
  auto a = make_optimizer("momentum");
  const RunResult all = run(f, *a, start, {.steps = 500, .tol = 1e-6});
  ASSERT_TRUE(all.metrics.steps_to_tol.has_value());
  const std::size_t k = *all.metrics.steps_to_tol;
  auto b = make_optimizer("momentum");
  const RunResult r = run(f, *b, start, {.steps = 500, .stop_loss = 1e-6});
  EXPECT_EQ(r.termination, Termination::stopped);
  EXPECT_EQ(r.stop_step, k);
  EXPECT_EQ(r.steps, k);
  EXPECT_EQ(r.trajectory.steps.back(), k);
  EXPECT_EQ(r.message(), "stopped at step " + std::to_string(k) + ": loss " +
                             format_double(all.trajectory.loss[k]) + " <= stop_loss 1e-06");
}

TEST(Runner, StopsAtAGradientNormTolerance) {
  const Anisotropic f;
  const std::vector<double> start = {1.0, 1.0};
  auto a = make_optimizer("sgd");
  const RunResult all = run(f, *a, start, {.steps = 200});
  std::size_t k = 0;
  while (all.trajectory.grad_norm[k] > 1e-3) ++k;
  auto b = make_optimizer("sgd");
  const RunResult r = run(f, *b, start, {.steps = 200, .record = false, .stop_grad_norm = 1e-3});
  EXPECT_EQ(r.termination, Termination::stopped);
  EXPECT_EQ(r.stop_step, k);
  EXPECT_THAT(r.message(), HasSubstr("gradient norm"));
  EXPECT_EQ(r.metrics.final_loss, all.trajectory.loss[k]);
}

TEST(Runner, StopsAtATimeLimit) {
  const Anisotropic f;
  auto sgd = make_optimizer("sgd");
  const std::vector<double> start = {1.0, 1.0};
  const RunResult r = run(f, *sgd, start, {.steps = 1000, .time_limit = 0.0});
  EXPECT_EQ(r.termination, Termination::stopped);
  EXPECT_EQ(r.stop_step, 0u);
  EXPECT_EQ(r.message(), "stopped at step 0: time limit of 0 s reached");
  EXPECT_THROW(run(f, *sgd, start, {.time_limit = -1.0}), InputError);
  EXPECT_THROW(run(f, *sgd, start, {.stop_loss = NAN}), InputError);
}

// The callback sees each step's point, loss and gradient, as recorded, and stops the run.
TEST(Runner, ACallbackSeesEachStepAndCanStopTheRun) {
  const Anisotropic f;
  auto sgd = make_optimizer("sgd");
  const std::vector<double> start = {1.0, 1.0};
  std::vector<double> seen_loss, seen_w2;
  RunOptions options{.steps = 50};
  options.on_step = [&](const StepView& s) {
    EXPECT_EQ(s.step, seen_loss.size());
    EXPECT_EQ(s.gradient.size(), 2u);
    seen_loss.push_back(s.loss);
    seen_w2.push_back(s.point[1]);
    return s.step < 7;
  };
  const RunResult r = run(f, *sgd, start, options);
  EXPECT_EQ(r.termination, Termination::stopped);
  EXPECT_EQ(r.stop_step, 7u);
  EXPECT_EQ(r.message(), "stopped at step 7: stopped by the callback");
  EXPECT_EQ(seen_loss, r.trajectory.loss);
  ASSERT_EQ(seen_w2.size(), 8u);
  EXPECT_EQ(seen_w2[7], r.trajectory.point(7)[1]);
}

TEST(Runner, CountsItsSteps) {
  const Anisotropic f;
  auto sgd = make_optimizer("sgd");
  const std::vector<double> start = {1.0, 1.0};
  EXPECT_EQ(run(f, *sgd, start, {.steps = 7}).steps, 7u);
  const RunResult rest = run_from(f, *sgd, start, 5, {.steps = 12});
  EXPECT_EQ(rest.stop_step, 12u);
  EXPECT_EQ(rest.steps, 7u);
}

// A user's function is a lambda: the same run as the built-in valley w1^2 + 8 w2^2.
TEST(Objective, ALambdaIsAnObjective) {
  const auto f = objective(
      [](std::span<const double> x, std::span<double> g) {
        g[0] = 2 * x[0];
        g[1] = 16 * x[1];
        return x[0] * x[0] + 8 * (x[1] * x[1]);
      },
      2, {.name = "valley", .minimizers = {{0.0, 0.0}}});
  const std::vector<double> start = {1.0, 1.0};
  auto a = make_optimizer("momentum");
  const RunResult mine = run(f, *a, start, {.steps = 30});
  auto b = make_optimizer("momentum");
  const RunResult builtin = run(Anisotropic{}, *b, start, {.steps = 30});
  EXPECT_EQ(mine.trajectory.points, builtin.trajectory.points);
  EXPECT_EQ(mine.metrics.distance_to_minimizer, builtin.metrics.distance_to_minimizer);
  EXPECT_EQ(f.spec(), "valley");
  EXPECT_EQ(f.default_start(), (std::vector<double>{0.0, 0.0}));
  EXPECT_EQ(f.bounds().upper, (std::vector<double>{1.0, 1.0}));
  const auto zero = [](std::span<const double>, std::span<double>) { return 0.0; };
  EXPECT_THROW((void)objective(nullptr, 2), InputError);
  EXPECT_THROW((void)objective(zero, 0), InputError);
  EXPECT_THROW((void)objective(zero, 2, {.start = {1.0}}), InputError);
  EXPECT_THROW((void)objective(zero, 2, {.minimizers = {{1.0}}}), InputError);
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
