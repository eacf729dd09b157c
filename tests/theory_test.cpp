// Theory: the numbers the acceptance names for the seed's valley, and a run at the predicted
// optimum measuring the predicted rate.
#include "descent/theory.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "descent/error.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"

namespace descent {
namespace {

TEST(Theory, TheSeedsValley) {
  const auto f = make_function("anisotropic");
  const Analysis a = analyze(*f);
  ASSERT_TRUE(a.not_applicable.empty()) << a.not_applicable;
  EXPECT_TRUE(a.at_minimizer);
  EXPECT_TRUE(a.quadratic);
  EXPECT_EQ(a.eigenvalues, (std::vector<double>{2, 16}));
  EXPECT_DOUBLE_EQ(*a.kappa, 8);
  EXPECT_DOUBLE_EQ(a.gd->best_lr, 1.0 / 9);
  EXPECT_DOUBLE_EQ(a.gd->rate, 7.0 / 9);
  EXPECT_DOUBLE_EQ(a.gd->lr_max, 0.125);
  // lr* = (2/(sqrt 2 + 4))^2, alpha* = ((sqrt 8 - 1)/(sqrt 8 + 1))^2, rate = sqrt(alpha*).
  EXPECT_NEAR(a.momentum->lr_star, 0.13645, 5e-6);
  EXPECT_NEAR(a.momentum->alpha_star, 0.22809, 5e-6);
  EXPECT_NEAR(a.momentum->rate, 0.47759, 5e-6);
  EXPECT_DOUBLE_EQ(a.momentum->lr_max(0.9), 3.8 / 16);
}

// Runs at the predicted settings measure the predicted rates (within 2%).
TEST(Theory, MeasuredRatesMatchThePredictions) {
  const auto f = make_function("anisotropic");
  const Analysis a = analyze(*f);
  const std::vector<double> start = {1.0, 1.0};
  auto gd = make_optimizer("sgd:lr=" + format_double(a.gd->best_lr));
  const RunResult rg = run(*f, *gd, start, {.steps = 1000});
  const auto mg = measured_rate(rg.trajectory, f->minimizers().front());
  ASSERT_TRUE(mg.has_value());
  EXPECT_NEAR(*mg / a.gd->rate, 1.0, 0.02);
  auto hb = make_optimizer("momentum:lr=" + format_double(a.momentum->lr_star) +
                           ",alpha=" + format_double(a.momentum->alpha_star));
  const RunResult rh = run(*f, *hb, start, {.steps = 1000});
  const auto mh = measured_rate(rh.trajectory, f->minimizers().front());
  ASSERT_TRUE(mh.has_value());
  EXPECT_NEAR(*mh / a.momentum->rate, 1.0, 0.02);
}

// The rate is per step whatever is recorded: every 10th step, or only the steps from a resumed
// run's first. Gradient descent's rate on the valley is 0.8 at lr 0.1 (max(|1 - 0.2|, |1 - 1.6|)).
TEST(Theory, MeasuredRatesArePerStepWhateverIsRecorded) {
  const auto f = make_function("anisotropic");
  const std::vector<double> start = {1.0, 1.0}, minimizer = f->minimizers().front();
  auto every = make_optimizer("sgd:lr=0.1");
  const RunResult all = run(*f, *every, start, {.steps = 100});
  const auto rate = measured_rate(all.trajectory, minimizer);
  ASSERT_TRUE(rate.has_value());
  EXPECT_NEAR(*rate, 0.8, 1e-9);
  auto tenth = make_optimizer("sgd:lr=0.1");
  const RunResult sparse = run(*f, *tenth, start, {.steps = 100, .record_every = 10});
  ASSERT_EQ(sparse.trajectory.size(), 11u);
  const auto sparse_rate = measured_rate(sparse.trajectory, minimizer);
  ASSERT_TRUE(sparse_rate.has_value());
  EXPECT_EQ(*sparse_rate, *rate);
  // Rows 50.. alone, as a run resumed at step 50 records them: the same second half.
  Trajectory late = all.trajectory;
  late.steps.erase(late.steps.begin(), late.steps.begin() + 50);
  late.loss.erase(late.loss.begin(), late.loss.begin() + 50);
  late.grad_norm.erase(late.grad_norm.begin(), late.grad_norm.begin() + 50);
  late.points.erase(late.points.begin(), late.points.begin() + 100);
  EXPECT_EQ(measured_rate(late, minimizer), rate);
  // Rows without their step numbers, or numbered backwards, measure nothing.
  Trajectory unnumbered = all.trajectory;
  unnumbered.steps.clear();
  EXPECT_FALSE(measured_rate(unnumbered, minimizer).has_value());
  Trajectory backwards = all.trajectory;
  std::reverse(backwards.steps.begin(), backwards.steps.end());
  EXPECT_FALSE(measured_rate(backwards, minimizer).has_value());
}

// Past the stability limit lr * lambda_max < 2 + 2 alpha the run grows without bound; just
// inside, it converges.
TEST(Theory, StabilityLimitHolds) {
  const auto f = make_function("anisotropic");
  const Analysis a = analyze(*f);
  const std::vector<double> start = {1.0, 1.0};
  for (double alpha : {0.0, 0.5, 0.9}) {
    const double limit = a.momentum->lr_max(alpha);
    auto inside = make_optimizer("momentum:lr=" + format_double(0.97 * limit) +
                                 ",alpha=" + format_double(alpha));
    auto outside = make_optimizer("momentum:lr=" + format_double(1.03 * limit) +
                                  ",alpha=" + format_double(alpha));
    EXPECT_LT(run(*f, *inside, start, {.steps = 3000}).metrics.final_loss, 1e-6) << alpha;
    const RunResult out = run(*f, *outside, start, {.steps = 3000});
    EXPECT_TRUE(out.termination == Termination::diverged || out.metrics.final_loss > 1e20)
        << alpha << ": " << out.metrics.final_loss;
  }
}

// Nesterov momentum (torch's form): lr * lambda_max < (2 + 2 alpha) / (1 + 2 alpha); inside it
// the run converges, past it the run ends diverged or diverging.
TEST(Theory, NesterovStabilityLimitHolds) {
  const auto f = make_function("anisotropic");
  const Analysis a = analyze(*f);
  ASSERT_TRUE(a.nesterov.has_value());
  EXPECT_EQ(a.nesterov->lr_max(0.9), 3.8 / (2.8 * 16));
  const std::vector<double> start = {1.0, 1.0};
  for (double alpha : {0.0, 0.5, 0.9, 0.99}) {
    const double limit = a.nesterov->lr_max(alpha);
    auto inside = make_optimizer("nesterov:lr=" + format_double(0.97 * limit) +
                                 ",alpha=" + format_double(alpha));
    auto outside = make_optimizer("nesterov:lr=" + format_double(1.03 * limit) +
                                  ",alpha=" + format_double(alpha));
    EXPECT_LT(run(*f, *inside, start, {.steps = 5000}).metrics.final_loss, 1e-6) << alpha;
    const RunResult out = run(*f, *outside, start, {.steps = 5000});
    EXPECT_TRUE(out.termination == Termination::diverged ||
                out.termination == Termination::diverging)
        << alpha << ": " << out.message();
  }
}

TEST(Theory, SaysWhenItDoesNotApply) {
  EXPECT_THAT(analyze(*make_function("saddle"), std::vector<double>{0, 0}).not_applicable,
              ::testing::HasSubstr("saddle"));
  EXPECT_THAT(analyze(*make_function("ackley")).not_applicable, ::testing::HasSubstr("no Hessian"));
  const Analysis r = analyze(*make_function("rosenbrock"));
  EXPECT_FALSE(r.quadratic);
  EXPECT_NEAR(*r.kappa, 2508.0, 1.0);
  EXPECT_THROW(analyze(*make_function("saddle")), InputError);  // no minimizer and no point
  EXPECT_THROW(analyze(*make_function("anisotropic"), std::vector<double>{1, 2, 3}), InputError);
  // A point where the function is not a number: refused with the reason.
  try {
    analyze(*make_function("x^0.5"), std::vector<double>{-1});
    ADD_FAILURE() << "x^0.5 was analyzed at -1";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("function 'x^0.5' is not finite at (-1): a "
                                               "negative number to a fractional power"));
  }
  // A finite value with an infinite slope: no Hessian there, an answer rather than an error.
  EXPECT_THAT(analyze(*make_function("sqrt(x)"), std::vector<double>{0}).not_applicable,
              ::testing::HasSubstr("no Hessian"));
}

TEST(Theory, EigenOfATurnedValley) {
  const Analysis a = analyze(*make_function("anisotropic:ratio=4,angle=30"));
  EXPECT_NEAR(a.eigenvalues[0], 2, 1e-12);
  EXPECT_NEAR(a.eigenvalues[1], 8, 1e-12);
  // The flat direction is the valley's axis, turned by 30 degrees.
  EXPECT_NEAR(std::abs(a.eigenvectors[0][0]), std::cos(M_PI / 6), 1e-12);
  EXPECT_NEAR(std::abs(a.eigenvectors[0][1]), std::sin(M_PI / 6), 1e-12);
}

TEST(Theory, PredictedSteps) {
  EXPECT_EQ(predicted_steps(0.5, 1.0 / 1024), 10u);
  EXPECT_FALSE(predicted_steps(1.0, 0.5).has_value());
}

}  // namespace
}  // namespace descent
