// The seed's twelve cases, run through the library, against the reference trajectories.
// Tolerance: none. The acceptance bound is 1e-12, but the seed's arithmetic is plain IEEE double in
// a fixed order, which descent follows, so every w1, w2 and loss must be the same double.
#include <gtest/gtest.h>

#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

class Golden : public ::testing::TestWithParam<test::GoldenCase> {};

TEST_P(Golden, TrajectoryIsBitIdentical) {
  const test::GoldenCase& c = GetParam();
  const test::GoldenTrajectory ref = test::read_golden(c.name);
  ASSERT_EQ(ref.loss.size(), 51u);

  const auto f = make_function(c.function);
  const auto opt = make_optimizer(c.optimizer);
  const std::vector<double> start = {1.0, 1.0};
  const RunResult r = run(*f, *opt, start, {.steps = 50, .tol = 1e-6});

  ASSERT_EQ(r.termination, Termination::completed) << r.message();
  ASSERT_EQ(r.trajectory.size(), ref.loss.size());
  for (std::size_t k = 0; k < ref.loss.size(); ++k) {
    const auto w = r.trajectory.point(k);
    EXPECT_EQ(w[0], ref.w1[k]) << c.name << " w1 at step " << k;
    EXPECT_EQ(w[1], ref.w2[k]) << c.name << " w2 at step " << k;
    EXPECT_EQ(r.trajectory.loss[k], ref.loss[k]) << c.name << " loss at step " << k;
    EXPECT_EQ(r.trajectory.steps[k], k);
  }
}

INSTANTIATE_TEST_SUITE_P(Seed, Golden, ::testing::ValuesIn(test::golden_cases()),
                         [](const auto& test_info) {
                           std::string n = test_info.param.name;
                           for (char& ch : n)
                             if (ch == '.') ch = '_';
                           return n;
                         });

// The golden README's summary table, recomputed from descent's own metrics: first step with
// loss < 1e-6 and the final loss to three digits.
TEST(GoldenSummary, StepsToTolMatchTheSeedTable) {
  const std::vector<std::pair<std::string, std::optional<std::size_t>>> expected = {
      {"iso_sgd", 33},
      {"iso_momentum_alpha0.9", std::nullopt},
      {"iso_momentum_alpha0.1", 28},
      {"iso_rmsprop_beta0.1", std::nullopt},
      {"iso_rmsprop_beta0.9", 18},
      {"aniso_sgd", 31},
      {"aniso_momentum_alpha0.1", 27},
      {"aniso_momentum_alpha0.9", std::nullopt},
      {"aniso_momentum_alpha0.99", std::nullopt},
      {"aniso_rmsprop_beta0.1", std::nullopt},
      {"aniso_rmsprop_beta0.9", 19},
      {"aniso_rmsprop_beta0.99", 1},
  };
  for (const auto& c : test::golden_cases()) {
    const auto f = make_function(c.function);
    const auto opt = make_optimizer(c.optimizer);
    const std::vector<double> start = {1.0, 1.0};
    const RunResult r = run(*f, *opt, start, {.steps = 50, .tol = 1e-6});
    const auto it = std::find_if(expected.begin(), expected.end(),
                                 [&](const auto& e) { return e.first == c.name; });
    ASSERT_NE(it, expected.end()) << c.name;
    EXPECT_EQ(r.metrics.steps_to_tol, it->second) << c.name;
  }
}

}  // namespace
}  // namespace descent
