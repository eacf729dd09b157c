// Tuning: the search spaces come from the registry, every optimizer gets the same protocol and
// budget, the best setting is really the best trial and is the single run of its spec, and the
// results do not depend on the thread count.
#include "descent/tune.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>

#include "descent/error.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"

namespace descent {
namespace {

using ::testing::HasSubstr;

TEST(Tune, SpacesComeFromTheRegistry) {
  const std::vector<TuneAxis> m = tune_space(OptimizerConfig::parse("momentum"));
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].key, "lr");
  EXPECT_EQ(m[0].scale, TuneScale::log);
  EXPECT_EQ(m[0].lo, 1e-5);
  EXPECT_EQ(m[0].hi, 1.0);
  EXPECT_EQ(m[1].key, "alpha");
  EXPECT_EQ(m[1].scale, TuneScale::one_minus_log);
  EXPECT_EQ(m[1].lo, 0.0);
  EXPECT_EQ(m[1].hi, 0.999);
  // Ends and middle of each scale.
  EXPECT_EQ(m[0].at(0), 1e-5);
  EXPECT_NEAR(m[0].at(0.6), 1e-2, 1e-16);
  EXPECT_EQ(m[0].at(1), 1.0);
  EXPECT_EQ(m[1].at(0), 0.0);
  EXPECT_NEAR(m[1].at(1.0 / 3), 0.9, 1e-15);
  EXPECT_NEAR(m[1].at(1), 0.999, 1e-15);
  // Keys in the spec stay fixed; asked-for keys replace the defaults.
  EXPECT_EQ(tune_space(OptimizerConfig::parse("momentum:alpha=0.5")).size(), 1u);
  EXPECT_TRUE(tune_space(OptimizerConfig::parse("sgd:lr=0.1")).empty());
  const std::vector<TuneAxis> a = tune_space(OptimizerConfig::parse("adam"), {"lr", "beta1"});
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].lo, 1e-7) << "Adam's default lr is 1e-3: the range reaches 1e-3 / 1e4";
  EXPECT_EQ(a[1].key, "beta1");
  EXPECT_TRUE(tune_space(OptimizerConfig::parse("momentum"), {"beta1"}).empty());
  EXPECT_THROW((void)OptimizerConfig::parse("adamx"), InputError);
}

TuneConfig five() {
  TuneConfig c;
  c.function = "rosenbrock";
  for (const char* o : {"sgd", "momentum", "nesterov", "rmsprop", "adam"})
    c.optimizers.push_back(OptimizerConfig::parse(o));
  c.budget = 24;
  c.options.steps = 400;
  c.metric = SweepMetric::final_loss;
  return c;
}

TEST(Tune, FiveOptimizersOnRosenbrockUnderOneProtocol) {
  const TuneConfig c = five();
  std::size_t calls = 0, last = 0;
  const TuneResult r = tune(c, [&](std::size_t done, std::size_t total) {
    ++calls;
    last = std::max(last, done);
    EXPECT_EQ(total, 5u * 24u);
  });
  EXPECT_GT(calls, 0u);
  EXPECT_EQ(last, 5u * 24u);
  ASSERT_EQ(r.entries.size(), 5u);
  EXPECT_EQ(r.runs, 5u * 24u) << "the budget: 24 settings x 1 start each";
  const auto f = make_function(c.function);
  for (const TuneEntry& e : r.entries) {
    ASSERT_EQ(e.trials.size(), 24u) << e.optimizer.spec();
    // The first setting is the spec's defaults.
    auto defaults = e.optimizer.make<double>();
    auto first = make_optimizer<double>(e.trials[0].spec);
    EXPECT_EQ(defaults->params().values(), first->params().values()) << e.optimizer.spec();
    std::set<std::string> distinct;
    for (const SweepCell& t : e.trials) {
      distinct.insert(t.spec);
      EXPECT_LE(e.best_trial().median, t.median) << t.spec;
      for (std::size_t k = 0; k < e.space.size(); ++k) {
        EXPECT_GE(t.values[k], e.space[k].lo) << t.spec;
        EXPECT_LE(t.values[k], e.space[k].hi) << t.spec;
      }
    }
    EXPECT_GT(distinct.size(), 20u) << "random settings differ";
    // The best setting is the single run of its spec.
    auto best = make_optimizer<double>(e.best_trial().spec);
    const RunResult one = run(*f, *best, r.starts.front(), c.options);
    EXPECT_EQ(one.metrics.final_loss, e.best_trial().median) << e.best_trial().spec;
    // Tuning never makes an optimizer worse than its defaults.
    EXPECT_LE(e.best_trial().median, e.trials[0].median);
  }
  for (std::size_t k = 1; k < r.ranking.size(); ++k)
    EXPECT_LE(r.entries[r.ranking[k - 1]].best_trial().median,
              r.entries[r.ranking[k]].best_trial().median);
  // On Rosenbrock every tuned method gets well below the start's loss of 24.2.
  for (const TuneEntry& e : r.entries) EXPECT_LT(e.best_trial().median, 1.0) << e.optimizer.spec();
}

// Where no setting reaches the tolerance every score is inf: the best setting is then one whose
// runs did not blow up, not the first (sgd's default rate of 0.1 diverges on Rosenbrock).
TEST(Tune, ASettingThatBlewUpIsNotPreferredToOneThatRan) {
  TuneConfig c;
  c.function = "rosenbrock";
  c.optimizers = {OptimizerConfig::parse("sgd"), OptimizerConfig::parse("momentum")};
  c.budget = 16;
  c.options.steps = 50;
  c.options.tol = 1e-30;
  c.metric = SweepMetric::steps_to_tol;
  const TuneResult r = tune(c);
  for (const TuneEntry& e : r.entries) {
    ASSERT_TRUE(std::isinf(e.best_trial().median)) << "no setting reaches the tolerance";
    ASSERT_EQ(e.trials[0].diverged, 1u) << e.optimizer.spec() << ": the defaults diverge";
    EXPECT_EQ(e.best_trial().diverged, 0u) << e.best_trial().spec;
  }
}

// One optimizer's settings are shared among the threads in batches, and progress is reported as
// each finishes: per setting where runs cannot step together (noise), at least once a thread in
// lanes.
TEST(Tune, ProgressMovesWithinOneOptimizer) {
  TuneConfig c;
  c.optimizers = {OptimizerConfig::parse("adam")};
  c.budget = 8;
  c.options.steps = 20;
  set_threads(2);
  std::vector<std::size_t> seen;
  const auto progress = [&](std::size_t done, std::size_t) { seen.push_back(done); };
  (void)tune(c, progress);
  EXPECT_EQ(seen.size(), 2u) << "a batch a thread";
  seen.clear();
  c.noise = 0.01;
  (void)tune(c, progress);
  set_threads(0);
  std::ranges::sort(seen);
  EXPECT_EQ(seen, (std::vector<std::size_t>{1, 2, 3, 4, 5, 6, 7, 8})) << "a setting at a time";
}

TEST(Tune, ResultsDoNotDependOnTheThreadCount) {
  TuneConfig c = five();
  c.starts = 3;
  c.budget = 10;
  set_threads(1);
  const TuneResult one = tune(c);
  set_threads(2);
  const TuneResult two = tune(c);
  set_threads(0);
  for (std::size_t i = 0; i < one.entries.size(); ++i) {
    ASSERT_EQ(one.entries[i].trials.size(), two.entries[i].trials.size());
    for (std::size_t t = 0; t < one.entries[i].trials.size(); ++t) {
      EXPECT_EQ(one.entries[i].trials[t].spec, two.entries[i].trials[t].spec);
      EXPECT_EQ(one.entries[i].trials[t].median, two.entries[i].trials[t].median);
    }
  }
  EXPECT_EQ(one.ranking, two.ranking);
  c.seed = 1;
  EXPECT_NE(tune(c).entries[0].trials[1].spec, one.entries[0].trials[1].spec)
      << "another seed draws other settings";
}

TEST(Tune, GridSearchSpreadsTheBudgetOverAFullGrid) {
  TuneConfig c = five();
  c.optimizers = {OptimizerConfig::parse("momentum"), OptimizerConfig::parse("sgd")};
  c.search = TuneSearch::grid;
  c.budget = 30;
  const TuneResult r = tune(c);
  EXPECT_EQ(r.entries[0].trials.size(), 25u) << "5 x 5 <= 30 < 6 x 6";
  EXPECT_EQ(r.entries[1].trials.size(), 30u) << "one axis: 30 values";
  EXPECT_EQ(r.entries[0].trials.front().values, (std::vector<double>{1e-5, 0.0}));
  EXPECT_EQ(r.entries[0].trials.back().values, (std::vector<double>{1.0, 0.999}));
  // A budget below 2 values per key would be a grid of one point: refused, naming the keys.
  c.budget = 3;
  try {
    check_tune(c);
    ADD_FAILURE() << "a grid of one point was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a grid over the 2 keys of 'momentum"));
    EXPECT_THAT(e.what(), HasSubstr("(lr, alpha) needs two values of each, a budget of at least "
                                    "4; the budget is 3"));
  }
}

TEST(Tune, BadConfigurationsAreRefusedBeforeRunning) {
  const auto refused = [](const TuneConfig& c, const char* message) {
    try {
      check_tune(c);
      ADD_FAILURE() << "accepted; expected: " << message;
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(message));
    }
  };
  TuneConfig c = five();
  c.optimizers.clear();
  refused(c, "give at least one optimizer");
  c = five();
  c.budget = 0;
  refused(c, "the budget must be in [1, 100000]");
  c = five();
  c.keys = {"speed"};
  refused(c, "no optimizer given has a tunable key 'speed'");
  c = five();
  c.optimizers.push_back(OptimizerConfig::parse("sgd:lr=0.1"));
  refused(c, "leaves nothing to tune");
  c = five();
  c.start = {1, 2, 3};
  refused(c, "the start point has 3 coordinates");
  c = five();
  c.budget = 100000;
  c.options.steps = 100000;
  refused(c, "is above the limit");
  EXPECT_THROW((void)parse_tune_search("bayes"), InputError);
}

}  // namespace
}  // namespace descent
