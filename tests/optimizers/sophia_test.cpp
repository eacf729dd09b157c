#include "descent/optimizers/sophia.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "descent/objective.hpp"
#include "descent/param_groups.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// An oracle for the tests: a "Hessian diagonal" that varies with w and is negative at some
// points, so that both arms of max(gamma h, eps) are taken.
double curvature(double w) { return 40.0 * std::sin(3.0 * w) + 10.0; }

template <class T>
HessianDiagonal<T> oracle(int* calls) {
  return [calls](std::span<const T> w, std::span<T> h) {
    ++*calls;
    for (std::size_t i = 0; i < w.size(); ++i)
      h[i] = static_cast<T>(curvature(static_cast<double>(w[i])));
  };
}

// Sophia transcribed from optax.contrib.sophia (scale_by_sophia, then add_decayed_weights and
// scale_by_learning_rate), with the diagonal read at t = 1, 1 + k, ... after the step's use of h.
struct SophiaReference {
  double lr, beta1, beta2, gamma, eps, clip, wd;
  int every;
  std::vector<double> m, h;

  void step(std::vector<double>& w, const std::vector<double>& g, int t) {
    const bool read = (t - 1) % every == 0;
    for (std::size_t i = 0; i < w.size(); ++i) {
      m[i] = (1 - beta1) * g[i] + beta1 * m[i];
      const double mhat = m[i] / (1 - std::pow(beta1, t));
      const double u = std::clamp(mhat / std::max(gamma * h[i], eps), -clip, clip);
      if (read) h[i] = (1 - beta2) * curvature(w[i]) + beta2 * h[i];
      w[i] -= lr * (u + wd * w[i]);
    }
  }
};

template <class T>
void expect_matches(const std::string& spec, SophiaReference ref, double tol) {
  const std::size_t n = 7;
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  std::vector<double> r(n);
  for (double& x : r) x = u(rng);
  std::vector<T> w(r.begin(), r.end());
  ref.m.assign(n, 0.0);
  ref.h.assign(n, 0.0);
  auto opt = make_optimizer<T>(spec);
  opt->reset(n);
  int calls = 0;
  opt->set_hessian_diagonal(oracle<T>(&calls));
  for (int t = 1; t <= 25; ++t) {
    std::vector<double> g(n);
    for (double& x : g) x = u(rng);
    std::vector<T> gt(g.begin(), g.end());
    std::vector<double> gr(gt.begin(), gt.end());
    std::vector<double> at(w.begin(), w.end());
    opt->step(w, gt);
    std::copy(at.begin(), at.end(), r.begin());  // both from the same point
    ref.step(r, gr, t);
    for (std::size_t i = 0; i < n; ++i)
      ASSERT_LE(std::abs(static_cast<double>(w[i]) - r[i]), tol * std::max(1.0, std::abs(r[i])))
          << spec << " step " << t << ", coordinate " << i;
  }
  EXPECT_EQ(calls, (25 - 1) / ref.every + 1);  // t = 1, 1 + k, ... <= 25
}

// 25 steps on 7 coordinates with random gradients, the reference taking each step from the
// optimizer's point: relative 1e-13 in double, 1e-5 in float (float's rounding of one step).
TEST(Sophia, MatchesTheUpdateRule) {
  const SophiaReference defaults{0.01, 0.965, 0.99, 0.01, 1e-8, 1.0, 1e-4, 10, {}, {}};
  const SophiaReference other{0.05, 0.9, 0.95, 0.05, 1e-6, 0.5, 0.01, 3, {}, {}};
  const char* other_spec =
      "sophia:lr=0.05,beta1=0.9,beta2=0.95,gamma=0.05,eps=1e-6,clip=0.5,update_every=3,"
      "weight_decay=0.01";
  expect_matches<double>("sophia", defaults, 1e-13);
  expect_matches<double>(other_spec, other, 1e-13);
  expect_matches<float>("sophia", defaults, 1e-5);
  expect_matches<float>(other_spec, other, 1e-5);
}

// Without an oracle a step is refused, and the state is left as it was.
TEST(Sophia, RefusesToStepWithoutTheHessiansDiagonal) {
  auto opt = make_optimizer<double>("sophia");
  EXPECT_TRUE(opt->reads_hessian_diagonal());
  EXPECT_TRUE(find_optimizer("sophia").reads_hessian_diagonal);
  EXPECT_FALSE(find_optimizer("adam").reads_hessian_diagonal);
  opt->reset(2);
  std::vector<double> w = {1, 1}, g = {1, 1};
  try {
    opt->step(w, g);
    FAIL() << "stepped without an oracle";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("reads the Hessian's diagonal"), std::string::npos);
  }
  EXPECT_EQ(w, (std::vector<double>{1, 1}));
  // Wrappers and schedules pass the oracle on.
  auto wrapped = make_optimizer<double>("lookahead/sophia@cosine:t_max=10");
  EXPECT_TRUE(wrapped->reads_hessian_diagonal());
  wrapped->reset(2);
  int calls = 0;
  wrapped->set_hessian_diagonal(oracle<double>(&calls));
  wrapped->step(w, g);
  EXPECT_EQ(calls, 1);
}

// The runner gives the function's exact diagonal. On anisotropic (diagonal 2, 16) from
// (0.001, 0.001), with beta1 = beta2 = 0 and a reading every step: the first step has h = 0, so
// u = g / eps, clipped to 1 (w - lr); the second has h = (2, 16), and with lr = gamma its
// unclipped step is Newton's, to the minimum.
TEST(Sophia, TheRunnerGivesTheExactDiagonal) {
  const auto f = make_function("anisotropic");
  auto opt = make_optimizer<double>("sophia:beta1=0,beta2=0,weight_decay=0,update_every=1");
  RunOptions o;
  o.steps = 2;
  const RunResult r = run(*f, *opt, std::vector<double>{0.001, 0.001}, o);
  ASSERT_EQ(r.termination, Termination::completed);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_DOUBLE_EQ(r.trajectory.point(1)[i], 0.001 - 0.01);
    EXPECT_NEAR(r.trajectory.point(2)[i], 0.0, 1e-17);
  }
  // The oracle was the run's own: taken back at its end.
  std::vector<double> w = {1, 1}, g = {1, 1};
  EXPECT_THROW(opt->step(w, g), InputError);
}

// The runner forms the Hessian once per point: the one it forms at the start, to check that the
// function has one, serves the first step's reading. With a reading every step, a run of 3 steps
// forms it 3 times.
TEST(Sophia, TheRunnerFormsTheHessianOncePerPoint) {
  struct Counting final : Objective {
    std::unique_ptr<Objective> f = make_function("anisotropic");
    mutable int formed = 0;
    std::size_t dim() const override { return f->dim(); }
    double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
      return f->value_and_gradient(x, g);
    }
    bool hessian(std::span<const double> x, std::span<double> h) const override {
      ++formed;
      return f->hessian(x, h);
    }
    std::string spec() const override { return f->spec(); }
    std::string formula() const override { return f->formula(); }
    std::vector<double> default_start() const override { return f->default_start(); }
    Box bounds() const override { return f->bounds(); }
  } f;
  auto opt = make_optimizer<double>("sophia:update_every=1");
  RunOptions o;
  o.steps = 3;
  ASSERT_EQ(run(f, *opt, std::vector<double>{1.0, 1.0}, o).termination, Termination::completed);
  EXPECT_EQ(f.formed, 3);
}

// A grouped spec gives each Sophia group its tensors' pieces of the whole diagonal, computed once
// per step at the point every group steps from: here the diagonal depends on every coordinate, so
// a piece taken after another group had stepped, or from the wrong place, would differ. Each group
// steps as Sophia alone does, given those pieces.
TEST(Sophia, AGroupGetsItsPiecesOfTheWholeDiagonal) {
  const std::vector<Shape> shapes = {{3, 2}, {3, 1}, {2, 3}, {2, 1}};
  const auto whole = [](std::span<const double> w, std::span<double> h) {
    double sum = 0;
    for (double x : w) sum += x;
    for (std::size_t i = 0; i < w.size(); ++i)
      h[i] = curvature(w[i]) + 0.1 * static_cast<double>(i) + sum;
  };
  auto grouped = make_optimizer<double>(
      "matrices=sophia:update_every=1 vectors=sophia:gamma=0.02,update_every=2");
  ASSERT_TRUE(grouped->reads_hessian_diagonal());
  grouped->reset_shapes(shapes);
  std::vector<double> w(17), g(17);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = std::sin(1.0 + static_cast<double>(i));
  // Without an oracle the step is refused before any group steps.
  const std::vector<double> start = w;
  EXPECT_THROW(grouped->step(w, g), InputError);
  EXPECT_EQ(w, start);
  int calls = 0;
  grouped->set_hessian_diagonal([&](std::span<const double> x, std::span<double> h) {
    ++calls;
    whole(x, h);
  });
  // Alone: the matrices (offsets 0 and 9) and the vectors (6 and 15), with pieces of the same
  // diagonal, computed here at the point before the step.
  const std::vector<std::size_t> matrices = {0, 9}, vectors = {6, 15};
  auto alone_m = make_optimizer<double>("sophia:update_every=1");
  auto alone_v = make_optimizer<double>("sophia:gamma=0.02,update_every=2");
  alone_m->reset_shapes(std::vector<Shape>{shapes[0], shapes[2]});
  alone_v->reset_shapes(std::vector<Shape>{shapes[1], shapes[3]});
  std::vector<double> point, diagonal(17);
  const auto pieces = [&](const std::vector<std::size_t>& at, const std::vector<std::size_t>& size,
                          std::span<double> h) {
    whole(point, diagonal);
    std::size_t k = 0;
    for (std::size_t t = 0; t < at.size(); ++t)
      for (std::size_t i = 0; i < size[t]; ++i) h[k++] = diagonal[at[t] + i];
  };
  alone_m->set_hessian_diagonal([&](std::span<const double>, std::span<double> h) {
    pieces(matrices, {6, 6}, h);
  });
  alone_v->set_hessian_diagonal([&](std::span<const double>, std::span<double> h) {
    pieces(vectors, {3, 2}, h);
  });
  std::vector<double> r = w;
  for (int t = 1; t <= 6; ++t) {
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = std::cos(static_cast<double>(t * 20 + i));
    point = r;
    std::vector<double> gm, gv;
    for (std::size_t i = 0; i < 17; ++i) ((i >= 6 && i < 9) || i >= 15 ? gv : gm).push_back(g[i]);
    std::vector<TensorRef<double>> tm = {{std::span(r).subspan(0, 6), std::span(gm).subspan(0, 6)},
                                         {std::span(r).subspan(9, 6), std::span(gm).subspan(6, 6)}};
    std::vector<TensorRef<double>> tv = {
        {std::span(r).subspan(6, 3), std::span(gv).subspan(0, 3)},
        {std::span(r).subspan(15, 2), std::span(gv).subspan(3, 2)}};
    alone_m->step_tensors(tm);
    alone_v->step_tensors(tv);
    grouped->step(w, g);
    EXPECT_EQ(calls, t) << "one diagonal per step";
    for (std::size_t i = 0; i < w.size(); ++i) ASSERT_EQ(w[i], r[i]) << "step " << t << ", " << i;
  }
}

// The diagonal is computed before any group steps, so an oracle that throws leaves every group
// as it was, AdamW's before Sophia's included; the step taken again then matches a run where
// nothing failed. Steps 1 and 3 read the diagonal (update_every = 2), step 2 does not.
TEST(Sophia, AGroupedStepWhoseOracleThrowsChangesNothing) {
  const std::vector<Shape> shapes = {{2, 2}, {2, 1}};
  const auto make = [&] {
    auto o = make_optimizer<double>("vectors=adamw:lr=0.1 matrices=sophia:update_every=2");
    o->reset_shapes(shapes);
    return o;
  };
  auto failing = make(), clean = make();
  int calls = 0;
  bool fail = false;
  failing->set_hessian_diagonal([&](std::span<const double> x, std::span<double> h) {
    ++calls;
    if (fail) throw InputError("no diagonal here");
    for (std::size_t i = 0; i < x.size(); ++i) h[i] = curvature(x[i]);
  });
  clean->set_hessian_diagonal(oracle<double>(&calls));
  std::vector<double> w = {0.5, -0.3, 0.8, 0.1, 0.2, -0.7}, r = w;
  const std::vector<double> g = {0.3, -0.1, 0.2, 0.4, -0.5, 0.6};
  for (int t = 1; t <= 2; ++t) {
    EXPECT_EQ(failing->reads_hessian_diagonal_next(), t == 1) << "step " << t;
    failing->step(w, g);
    clean->step(r, g);
  }
  ASSERT_EQ(w, r);
  EXPECT_TRUE(failing->reads_hessian_diagonal_next());
  fail = true;
  EXPECT_THROW(failing->step(w, g), InputError);
  EXPECT_EQ(w, r) << "a group stepped before the oracle threw";
  fail = false;
  failing->step(w, g);
  clean->step(r, g);
  EXPECT_EQ(w, r) << "a group's state moved in the failed step";
}

// A group that takes no tensor (no hidden matrix in a one-layer model) asks for no diagonal.
// Before its tensors are known, a grouped spec with a Sophia group cannot tell which groups take
// tensors: it says its next step may read the diagonal ("true where unsure").
TEST(Sophia, AGroupedSpecNotYetLaidOutMayReadTheDiagonal) {
  auto o = make_optimizer<double>("hidden=sophia rest=adamw");
  EXPECT_TRUE(o->reads_hessian_diagonal_next());
  EXPECT_FALSE(make_optimizer<double>("hidden=adam rest=adamw")->reads_hessian_diagonal_next());
}

TEST(Sophia, AnEmptyGroupReadsNoDiagonal) {
  auto o = make_optimizer<double>("hidden=sophia rest=adamw");
  o->reset_shapes(std::vector<Shape>{{3, 4}, {3, 1}});
  int calls = 0;
  o->set_hessian_diagonal(oracle<double>(&calls));
  EXPECT_FALSE(o->reads_hessian_diagonal_next());
  std::vector<double> w(15, 0.5), g(15, 0.1);
  o->step(w, g);
  EXPECT_EQ(calls, 0);
}

TEST(Sophia, ReadsTheDiagonalEveryUpdateEverySteps) {
  auto opt = make_optimizer<double>("sophia:update_every=4");
  opt->reset(1);
  int calls = 0;
  opt->set_hessian_diagonal(oracle<double>(&calls));
  std::vector<double> w = {0.5}, g = {1.0};
  for (int t = 1; t <= 9; ++t) {
    opt->step(w, g);
    EXPECT_EQ(calls, (t - 1) / 4 + 1) << "after step " << t;
  }
}

// With lr = gamma, once |m| < gamma h the step is m / h: Newton's on the diagonal (with momentum,
// and h settling from (1 - beta2) diag(H)). No schedule: the clipped steps of lr bring w near the
// minimum, the unclipped ones finish.
TEST(Sophia, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("sophia"); }

}  // namespace
}  // namespace descent
