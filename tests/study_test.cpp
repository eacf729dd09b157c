// The tuning study (descent/study.hpp): its scores and widths as documented, its cells equal to
// single runs, and `descent study tuning` end to end.
#include "descent/study.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

// A constructed curve: the best point (1.0 at index 4), its neighbours within 0.1 (indices 3 and
// 5), then a point below the bar (6) that cuts the run off from the later good points (7, 8).
TEST(TuningStudy, WidthIsTheRunAroundTheBestWithinTheTolerance) {
  const std::vector<double> scores = {0, 0.5, 0.85, 0.95, 1.0, 0.92, 0.7, 0.95, 0.99};
  const TuningWidth w = tuning_width(scores, 0.2, 0.1);
  EXPECT_EQ(w.best, 4u);
  EXPECT_EQ(w.first, 3u);
  EXPECT_EQ(w.last, 5u);
  EXPECT_DOUBLE_EQ(w.decades, 0.4);
  EXPECT_FALSE(w.at_edge);

  // A run that reaches the grid's end is a lower bound; a lone best point is 0 decades wide; ties
  // take the first best point.
  const std::vector<double> edge = {1.0, 0.95, 0.5};
  const TuningWidth e = tuning_width(edge, 0.5, 0.1);
  EXPECT_EQ(e.first, 0u);
  EXPECT_EQ(e.last, 1u);
  EXPECT_DOUBLE_EQ(e.decades, 0.5);
  EXPECT_TRUE(e.at_edge);
  const std::vector<double> lone = {0.2, 0.9, 0.3, 0.9};
  const TuningWidth l = tuning_width(lone, 0.2, 0.1);
  EXPECT_EQ(l.best, 1u);
  EXPECT_EQ(l.decades, 0.0);
  EXPECT_THROW((void)tuning_width(std::vector<double>{}, 0.2, 0.1), std::invalid_argument);
  // A flat curve (scores equal up to rounding): the best point is the one nearest the default.
  const std::vector<double> flat = {0.5, 0.5 + 1e-16, 0.5, 0.5 - 1e-16, 0.5};
  const TuningWidth f = tuning_width(flat, 1.0, 0.1, 3);
  EXPECT_EQ(f.best, 3u);
  EXPECT_EQ(f.first, 0u);
  EXPECT_EQ(f.last, 4u);
  EXPECT_TRUE(f.at_edge);
  // A curve whose best is within the tolerance of no progress: no learning rate works, 0 wide
  // (not the whole grid, as the run within 0.1 of its best would say).
  const std::vector<double> none = {0.0, 0.06, 0.1, 0.04, 0.0};
  const TuningWidth n = tuning_width(none, 1.0, 0.1);
  EXPECT_EQ(n.best, 2u);
  EXPECT_EQ(n.first, 2u);
  EXPECT_EQ(n.last, 2u);
  EXPECT_EQ(n.decades, 0.0);
  EXPECT_FALSE(n.at_edge);
}

// The leaderboard's means, worst scores, median widths and "best untuned" counts, and the best
// of the defaults, on a result made by hand: 2 problems, 3 optimizers.
TEST(TuningStudy, LeaderboardSummarisesTheCurves) {
  TuningStudyResult r;
  r.config.problems.resize(2);
  r.config.optimizers = {OptimizerConfig::parse("sgd"), OptimizerConfig::parse("adam"),
                         OptimizerConfig::parse("momentum")};
  // {default score, best score, width} per problem (rows) and optimizer (columns).
  const double d[2][3] = {{0.2, 0.6, 0.6}, {0.9, 0.1, 0.3}};
  const double best[2][3] = {{0.8, 0.8, 0.6}, {0.9, 0.9, 0.3}};
  const double width[2][3] = {{0.4, 1.0, 2.0}, {0.2, 3.0, 0.0}};
  for (std::size_t p = 0; p < 2; ++p)
    for (std::size_t o = 0; o < 3; ++o) {
      TuningCurve c;
      c.problem = p;
      c.optimizer = o;
      c.score = {best[p][o]};
      c.default_score = d[p][o];
      c.width.decades = width[p][o];
      r.curves.push_back(c);
    }
  const std::vector<TuningStanding> board = tuning_leaderboard(r);
  ASSERT_EQ(board.size(), 3u);
  // sgd and adam tie on the mean tuned score (0.85, 0.8): sgd first by its default (0.55).
  EXPECT_EQ(board[0].optimizer, 0u);
  EXPECT_DOUBLE_EQ(board[0].mean_tuned, 0.85);
  EXPECT_DOUBLE_EQ(board[0].mean_default, 0.55);
  EXPECT_DOUBLE_EQ(board[0].worst_default, 0.2);
  EXPECT_DOUBLE_EQ(board[0].worst_tuned, 0.8);
  EXPECT_DOUBLE_EQ(board[0].median_width, 0.3);
  EXPECT_EQ(board[0].best_untuned, 1u);  // problem 2's 0.9
  EXPECT_EQ(board[1].optimizer, 1u);
  EXPECT_EQ(board[1].best_untuned, 0u);  // problem 1's 0.6 ties with momentum's: no one beats
  EXPECT_EQ(board[2].optimizer, 2u);
  EXPECT_EQ(board[2].best_untuned, 0u);
  EXPECT_DOUBLE_EQ(best_of_defaults(r), (0.6 + 0.9) / 2);
}

// score = 1 - log10(gap / best) / log10(start gap / best), the gap clamped to the start's and
// anything not finite counted as no progress.
TEST(TuningStudy, ScoreIsTheShareOfTheBestProgressInDecades) {
  const ProblemScale s{.minimum = 1, .start_gap = 100, .best_gap = 1e-4};
  EXPECT_DOUBLE_EQ(s.score(101), 0.0);
  EXPECT_NEAR(s.score(1 + 1e-4), 1.0, 1e-12);
  EXPECT_NEAR(s.score(1 + 1e-1), 0.5, 1e-12);
  EXPECT_EQ(s.score(500), 0.0);  // above the start
  EXPECT_EQ(s.score(std::numeric_limits<double>::infinity()), 0.0);
  EXPECT_EQ(s.score(std::numeric_limits<double>::quiet_NaN()), 0.0);
  EXPECT_DOUBLE_EQ(s.gap(1 - 5), 100 * 1e-12);  // below the minimum: the floor
  const ProblemScale still{.minimum = 0, .start_gap = 3, .best_gap = 3};
  EXPECT_EQ(still.score(3), 0.0);  // nothing moved: 0, not a division by zero
}

// Every grid point is the run `descent run` makes with that learning rate, bit for bit, and the
// default point is the configuration as given.
TEST(TuningStudy, CellsAreSingleRuns) {
  TuningStudyConfig c;
  StudyProblem p;
  p.name = "valley";
  p.protocol.function = "anisotropic";
  p.protocol.options.steps = 60;
  p.protocol.metric = SweepMetric::final_loss;
  c.problems.push_back(p);
  c.optimizers = {OptimizerConfig::parse("momentum"), OptimizerConfig::parse("adam"),
                  OptimizerConfig::parse("prodigy")};
  c.points = 7;
  c.lo = -3;
  c.hi = 1.5;
  const TuningStudyResult r = tuning_study(c);
  ASSERT_EQ(r.curves.size(), 3u);
  EXPECT_DOUBLE_EQ(r.spacing, 0.75);
  const auto f = make_function("anisotropic");
  RunOptions options;
  options.steps = 60;
  options.record = false;
  for (std::size_t o = 0; o < 3; ++o) {
    const TuningCurve& t = r.curve(0, o);
    ASSERT_EQ(t.lr.size(), 7u);
    EXPECT_EQ(t.lr[4], t.default_lr);  // 10^0 exactly
    for (std::size_t i = 0; i < t.lr.size(); ++i) {
      const auto opt = c.optimizers[o].with("lr", t.lr[i]).make<double>();
      const RunResult one = run(*make_function("anisotropic"), *opt, f->default_start(), options);
      const double expect = one.termination == Termination::diverged
                                ? std::numeric_limits<double>::infinity()
                                : one.metrics.final_loss;
      EXPECT_EQ(t.loss[i], expect) << c.optimizers[o].spec() << " lr " << t.lr[i];
      EXPECT_EQ(t.score[i], r.scales[0].score(t.loss[i]));
    }
    const auto def = c.optimizers[o].make<double>();
    EXPECT_EQ(t.default_loss, run(*f, *def, f->default_start(), options).metrics.final_loss);
  }
  // The best gap is the best of all the cells; some curve reaches score 1.
  double best = 0;
  for (const TuningCurve& t : r.curves) best = std::max(best, t.best_score());
  EXPECT_DOUBLE_EQ(best, 1.0);
}

// A training problem's cells call its function once per seed with the cell's configuration,
// and take the median over the seeds.
TEST(TuningStudy, TrainingCellsTakeTheMedianOverSeeds) {
  TuningStudyConfig c;
  StudyProblem p;
  p.name = "made_up";
  p.train_seeds = 3;
  std::mutex m;
  std::size_t calls = 0;
  // The loss falls with the learning rate up to 1, then diverges; seed k adds k.
  p.train = [&](const OptimizerConfig& o, std::uint64_t seed) {
    {
      std::lock_guard<std::mutex> lock(m);
      ++calls;
    }
    const double lr = o.get("lr");
    return lr > 1 ? std::numeric_limits<double>::infinity()
                  : 1 + static_cast<double>(seed) - std::log10(lr);
  };
  p.start_loss = [](std::uint64_t) { return 10.0; };
  c.problems.push_back(p);
  c.optimizers = {OptimizerConfig::parse("sgd:lr=1")};
  c.points = 4;
  c.lo = -2;
  c.hi = 1;
  const TuningStudyResult r = tuning_study(c);
  EXPECT_EQ(calls, (4u + 1) * 3);
  const TuningCurve& t = r.curve(0, 0);
  // At lr 0.01, 0.1 and 1, seeds 0, 1, 2 give k + 3, k + 2 and k + 1: the medians are k = 1's.
  EXPECT_DOUBLE_EQ(t.loss[0], 4);
  EXPECT_DOUBLE_EQ(t.loss[1], 3);
  EXPECT_DOUBLE_EQ(t.loss[2], 2);
  EXPECT_EQ(t.loss[3], std::numeric_limits<double>::infinity());  // lr 10
  EXPECT_EQ(t.diverged[3], 3u);
  EXPECT_DOUBLE_EQ(t.default_loss, 2);
  EXPECT_EQ(t.width.best, 2u);
  EXPECT_DOUBLE_EQ(r.scales[0].start_gap, 10);
  EXPECT_DOUBLE_EQ(r.scales[0].best_gap, 2);
  EXPECT_EQ(t.score[3], 0.0);
}

// On a grid that misses the default learning rate, tuned is the better of the grid's best and
// the default settings: never worse than the default.
TEST(TuningStudy, TunedIsNeverWorseThanTheDefault) {
  TuningStudyConfig c;
  StudyProblem p;
  p.name = "made_up";
  p.train_seeds = 1;
  // The loss falls with the learning rate up to 1 (the default), then diverges.
  p.train = [](const OptimizerConfig& o, std::uint64_t) {
    const double lr = o.get("lr");
    return lr > 1 ? std::numeric_limits<double>::infinity() : 1 - std::log10(lr);
  };
  p.start_loss = [](std::uint64_t) { return 10.0; };
  c.problems.push_back(p);
  c.optimizers = {OptimizerConfig::parse("sgd:lr=1")};
  c.points = 3;  // lr 0.01, 0.316 and 10
  c.lo = -2;
  c.hi = 1;
  const TuningCurve t = tuning_study(c).curve(0, 0);
  EXPECT_DOUBLE_EQ(t.loss[t.width.best], 1.5);
  EXPECT_LT(t.score[t.width.best], t.default_score);
  EXPECT_TRUE(t.default_is_best());
  EXPECT_EQ(t.best_score(), t.default_score);
  EXPECT_EQ(t.best_lr(), 1.0);
  EXPECT_EQ(t.best_loss(), 1.0);
}

TEST(TuningStudy, RefusesBadStudies) {
  TuningStudyConfig c;
  c.problems = function_suite(true);
  c.optimizers = {OptimizerConfig::parse("adam")};
  const auto refused = [&](TuningStudyConfig bad, const std::string& message) {
    try {
      check_tuning_study(bad);
      ADD_FAILURE() << "accepted, expected: " << message;
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(message));
    }
  };
  TuningStudyConfig bad = c;
  bad.points = 1;
  refused(bad, "2 to 1001 points");
  bad = c;
  bad.lo = 2;
  refused(bad, "lo < hi");
  bad = c;
  bad.tolerance = 0;
  refused(bad, "tolerance");
  bad = c;
  bad.optimizers = {OptimizerConfig::parse("sgd:lr=0")};
  refused(bad, "above 0");
  bad = c;
  bad.optimizers.clear();
  refused(bad, "no optimizer");
  bad = c;
  bad.problems.front().protocol.options.steps = 0;
  bad.problems.front().protocol.starts = 0;
  refused(bad, "problem 'bowl'");
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The quick study end to end: its report names each optimizer with its tuning width and its best
// and default scores; its files are the same on a second run.
TEST(StudyCli, QuickStudyReportsEveryOptimizer) {
  test::TempDir dir;
  const auto r = test::run_cli("study tuning --quick --out a", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("median width"));
  const std::string report = read_all(fs::path(dir.path()) / "a" / "tuning-report.md");
  EXPECT_THAT(report, HasSubstr("## The answer"));
  for (const std::string name : {"sgd", "momentum", "rmsprop", "adam", "prodigy"}) {
    const std::string label = OptimizerConfig::parse(name).label();
    EXPECT_THAT(report, HasSubstr("| " + label + " | ")) << name;
  }
  EXPECT_THAT(report,
              HasSubstr("| optimizer | default | tuned | best lr / default | width | loss at "
                        "default |"));
  for (const std::string problem : {"bowl", "valley", "valley45", "rosenbrock", "softmax"})
    EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "a" / ("tuning-" + problem + ".png"))) << problem;
  const auto again = test::run_cli("study tuning --quick --out b --no-plots", dir.path());
  ASSERT_EQ(again.status, 0) << again.err;
  for (const std::string file : {"tuning-curves.csv", "tuning-summary.csv"})
    EXPECT_EQ(read_all(fs::path(dir.path()) / "a" / file),
              read_all(fs::path(dir.path()) / "b" / file))
        << file;
}

TEST(StudyCli, BadInputIsNamed) {
  test::TempDir dir;
  for (const auto& [args, message] : std::vector<std::pair<std::string, std::string>>{
           {"study tuning --problems bowl,nope", "unknown problem 'nope'"},
           {"study tuning --points 1 --no-training", "2 to 1001 points"},
           {"study tuning -o sgd:lr=0 --no-training", "above 0"},
           {"study tuning --range=1,2,3 --no-training", "--range"},
           {"study tuning --data nowhere --problems softmax", "need Fashion-MNIST"},
           {"study nope", "tuning"}}) {
    const auto r = test::run_cli(args, dir.path());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
  }
}

}  // namespace
}  // namespace descent
