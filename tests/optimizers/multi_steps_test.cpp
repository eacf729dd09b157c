#include "descent/optimizers/multi_steps.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Adam steps once every 3 steps with the mean of their gradients; w stays put between.
TEST(Multi_steps, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "multi_steps:every=3/adam:lr=0.1",
      [] {
        return [sum = std::vector<double>(7), m = std::vector<double>(7),
                v = std::vector<double>(7), k = 0,
                s = 0](std::vector<double>& w, const std::vector<double>& g, int) mutable {
          for (std::size_t i = 0; i < w.size(); ++i) sum[i] += g[i];
          if (++k < 3) return;
          k = 0;
          ++s;
          for (std::size_t i = 0; i < w.size(); ++i) {
            const double a = sum[i] / 3;
            m[i] = 0.9 * m[i] + 0.1 * a;
            v[i] = 0.999 * v[i] + 0.001 * a * a;
            const double mh = m[i] / (1 - std::pow(0.9, s)), vh = v[i] / (1 - std::pow(0.999, s));
            w[i] -= 0.1 * mh / (std::sqrt(vh) + 1e-8);
            sum[i] = 0;
          }
        };
      },
      1e-12);
}

// An inner step that throws (here Sophia's oracle) leaves the mean and the count as they were:
// the step taken again matches a run where nothing failed.
TEST(Multi_steps, AnInnerStepThatThrowsChangesNothing) {
  auto failing = make_optimizer<double>("multi_steps:every=2/sophia:lr=0.1");
  auto clean = make_optimizer<double>("multi_steps:every=2/sophia:lr=0.1");
  bool fail = true;
  const auto diagonal = [&](std::span<const double> x, std::span<double> h) {
    for (std::size_t i = 0; i < x.size(); ++i) h[i] = 2.0 + x[i] * x[i];
  };
  failing->set_hessian_diagonal([&](std::span<const double> x, std::span<double> h) {
    if (fail) throw InputError("no diagonal yet");
    diagonal(x, h);
  });
  clean->set_hessian_diagonal(diagonal);
  failing->reset(2);
  clean->reset(2);
  std::vector<double> w = {1.0, -2.0}, r = w;
  const std::vector<std::vector<double>> g = {{0.5, -1.0}, {0.3, 0.2}, {-0.4, 0.1}, {0.2, 0.6}};
  failing->step(w, g[0]);
  clean->step(r, g[0]);
  EXPECT_THROW(failing->step(w, g[1]), InputError);
  fail = false;
  for (std::size_t k = 1; k < g.size(); ++k) {
    failing->step(w, g[k]);
    clean->step(r, g[k]);
    EXPECT_EQ(w, r) << "step " << k + 1;
  }
  EXPECT_NE(r, (std::vector<double>{1.0, -2.0}));
}

// A grouped step asks whether the next step reads the Hessian's diagonal: only the mini-step that
// steps the inner optimizer can.
TEST(Multi_steps, ReadsTheDiagonalOnlyWhenItStepsTheInnerOptimizer) {
  auto o = make_optimizer<double>("multi_steps:every=3/sophia");
  o->reset(2);
  o->set_hessian_diagonal([](std::span<const double>, std::span<double> h) {
    for (double& v : h) v = 1.0;
  });
  std::vector<double> w = {1.0, 2.0};
  const std::vector<double> g = {0.1, 0.2};
  for (int t = 1; t <= 6; ++t) {
    EXPECT_EQ(o->reads_hessian_diagonal_next(), t == 3) << "step " << t;
    o->step(w, g);
  }
}

TEST(Multi_steps, Defaults) {
  EXPECT_EQ(make_optimizer("multi_steps/sgd")->spec(),
            "multi_steps:every=4/sgd:lr=0.1,weight_decay=0");
  EXPECT_THROW(make_optimizer("multi_steps:every=0/sgd"), InputError);
  // every=1 is the inner optimizer itself.
  auto a = make_optimizer("multi_steps:every=1/sgd:lr=0.1");
  a->reset(1);
  std::vector<double> w = {1};
  a->step(w, std::vector<double>{2});
  EXPECT_DOUBLE_EQ(w[0], 0.8);
}

TEST(Multi_steps, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("multi_steps:every=2/sgd:lr=0.05");
}

}  // namespace
}  // namespace descent
