#include "descent/optimizers/lbfgs.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "descent/error.hpp"
#include "descent/functions/rosenbrock.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "descent/simd.hpp"
#include "reference.hpp"

namespace descent {
namespace {

double distance_to_ones(std::span<const double> x) {
  double s = 0;
  for (double v : x) s += (v - 1) * (v - 1);
  return std::sqrt(s);
}

// Without a line search, one step is the two-loop recursion written out plainly (Nocedal & Wright,
// algorithm 7.4) and a step of lr (scaled by min(1, 1/|g|_1) the first time).
TEST(Lbfgs, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "lbfgs:lr=0.5,history=3,line_search=none",
      [] {
        struct Reference {
          std::vector<std::vector<double>> s, y;
          std::vector<double> prev_w, prev_g;
        };
        return
            [r = Reference{}](std::vector<double>& w, const std::vector<double>& g, int t) mutable {
              const std::size_t n = w.size();
              const auto dot = [](const std::vector<double>& a, const std::vector<double>& b) {
                return std::inner_product(a.begin(), a.end(), b.begin(), 0.0);
              };
              if (t > 1) {
                std::vector<double> sk(n), yk(n);
                for (std::size_t i = 0; i < n; ++i) {
                  sk[i] = w[i] - r.prev_w[i];
                  yk[i] = g[i] - r.prev_g[i];
                }
                if (dot(yk, sk) > 2.220446049250313e-16 * std::sqrt(dot(sk, sk) * dot(yk, yk))) {
                  if (r.s.size() == 3) {
                    r.s.erase(r.s.begin());
                    r.y.erase(r.y.begin());
                  }
                  r.s.push_back(sk);
                  r.y.push_back(yk);
                }
              }
              std::vector<double> d(n), alpha(r.s.size());
              for (std::size_t i = 0; i < n; ++i) d[i] = -g[i];
              for (std::size_t j = r.s.size(); j-- > 0;) {
                alpha[j] = dot(r.s[j], d) / dot(r.y[j], r.s[j]);
                for (std::size_t i = 0; i < n; ++i) d[i] -= alpha[j] * r.y[j][i];
              }
              if (!r.s.empty()) {
                const double gamma = dot(r.s.back(), r.y.back()) / dot(r.y.back(), r.y.back());
                for (double& x : d) x *= gamma;
              }
              for (std::size_t j = 0; j < r.s.size(); ++j) {
                const double beta = dot(r.y[j], d) / dot(r.y[j], r.s[j]);
                for (std::size_t i = 0; i < n; ++i) d[i] += (alpha[j] - beta) * r.s[j][i];
              }
              double l1 = 0;
              for (double x : g) l1 += std::abs(x);
              const double step = t == 1 ? std::min(1.0, 1.0 / l1) * 0.5 : 0.5;
              r.prev_w = w;
              r.prev_g = g;
              for (std::size_t i = 0; i < n; ++i) w[i] += step * d[i];
            };
      },
      1e-9);
}

// The acceptance bound: ||x - (1,1)|| <= 1e-8 within 40 iterations from (-1.2, 1).
TEST(Lbfgs, SolvesRosenbrockIn40Iterations) {
  const Rosenbrock f;
  Lbfgs<double> opt;
  const std::vector<double> start = {-1.2, 1.0};
  const RunResult r = run(f, opt, start, {.steps = 40});
  const auto last = r.trajectory.point(r.trajectory.size() - 1);
  EXPECT_LE(distance_to_ones(last), 1e-8) << r.message();
  EXPECT_LE(r.stop_step, 40u);
  EXPECT_EQ(r.termination, Termination::converged) << r.message();
  // The start's evaluation plus the line search's: the runner takes the loss and gradient of the
  // point the line search accepted from its last evaluation instead of evaluating it again.
  EXPECT_EQ(r.evaluations, 1 + static_cast<std::uint64_t>(opt.state().evaluations));
  // The line search keeps the loss non-increasing.
  for (std::size_t k = 1; k < r.trajectory.size(); ++k)
    EXPECT_LE(r.trajectory.loss[k], r.trajectory.loss[k - 1]) << "step " << k;
}

// RunResult::evaluations counts the function's calls; the runner evaluates a step's point only
// when the line search's last evaluation was elsewhere, and the trajectory is the one it gives
// when it evaluates every step's point itself (as a step without a closure makes it do).
TEST(Lbfgs, RunnerReusesTheLineSearchsLastEvaluation) {
  const Rosenbrock rosenbrock({.n = 50});
  std::uint64_t calls = 0;
  const auto f = objective(
      [&](std::span<const double> x, std::span<double> g) {
        ++calls;
        return rosenbrock.value_and_gradient(x, g);
      },
      50);
  Lbfgs<double> opt;
  const std::vector<double> start = rosenbrock.default_start();
  const RunResult r = run(f, opt, start, {.steps = 200});
  EXPECT_EQ(r.evaluations, calls);
  const auto line_search = static_cast<std::uint64_t>(opt.state().evaluations);
  EXPECT_LT(r.evaluations, r.trajectory.size() + line_search);
  EXPECT_GE(r.evaluations, 1 + line_search);
  // Each row, evaluated afresh, is what the run recorded.
  std::vector<double> g(50);
  for (std::size_t k = 0; k < r.trajectory.size(); ++k) {
    const double loss = rosenbrock.value_and_gradient(r.trajectory.point(k), g);
    double norm = 0;
    for (double v : g) norm += v * v;
    ASSERT_EQ(loss, r.trajectory.loss[k]) << "step " << k;
    ASSERT_EQ(std::sqrt(norm), r.trajectory.grad_norm[k]) << "step " << k;
  }
}

TEST(Lbfgs, SolvesChainedRosenbrockN1000) {
  const Rosenbrock f({.n = 1000});
  Lbfgs<double> opt;
  const RunResult r = run(f, opt, f.default_start(), {.steps = 5000});
  const auto last = r.trajectory.point(r.trajectory.size() - 1);
  double worst = 0;
  for (double v : last) worst = std::max(worst, std::abs(v - 1));
  EXPECT_LE(worst, 1e-6) << r.message() << " after " << r.stop_step << " iterations";
}

// A 10-D diagonal quadratic, curvatures 1 to 100: with the default history of 10 pairs it
// converges (max|g| <= 1e-7) as fast as with 20.
TEST(Lbfgs, SolvesTheIllConditionedQuadraticIn30Iterations) {
  auto f = make_function("ill_conditioned:n=10,kappa=100");
  for (const char* spec : {"lbfgs", "lbfgs:history=20"}) {
    auto opt = make_optimizer(spec);
    const RunResult r = run(*f, *opt, f->default_start(), {.steps = 200});
    EXPECT_EQ(r.termination, Termination::converged) << spec << ": " << r.message();
    EXPECT_NE(r.reason.find("tolerance_grad"), std::string::npos) << spec << ": " << r.reason;
    EXPECT_LE(r.stop_step, 30u) << spec;
  }
}

// `c2` is the line search's curvature constant: torch's 0.9 accepts looser steps, and on the same
// quadratic takes more iterations than the default 0.4.
TEST(Lbfgs, C2IsTheLineSearchsCurvatureConstant) {
  auto f = make_function("ill_conditioned:n=10,kappa=100");
  std::size_t iterations[2] = {};
  for (int i = 0; i < 2; ++i) {
    auto opt = make_optimizer(i == 0 ? "lbfgs" : "lbfgs:c2=0.9");
    iterations[i] = run(*f, *opt, f->default_start(), {.steps = 200}).stop_step;
  }
  EXPECT_LT(iterations[0], iterations[1]);
  EXPECT_GT(iterations[1], 30u);
  EXPECT_THROW(make_optimizer("lbfgs:c2=1"), InputError);
  EXPECT_THROW(make_optimizer("lbfgs:c2=1e-5"), InputError);
}

// `f` times `c`, gradient included.
class Scaled final : public Objective {
 public:
  Scaled(std::unique_ptr<Objective> f, double c) : f_(std::move(f)), c_(c) {}
  std::size_t dim() const override { return f_->dim(); }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    const double v = f_->value_and_gradient(x, g);
    for (double& e : g) e *= c_;
    return c_ * v;
  }
  std::string spec() const override { return "scaled"; }
  std::string formula() const override { return "c f(x)"; }
  std::vector<double> default_start() const override { return f_->default_start(); }
  Box bounds() const override { return f_->bounds(); }

 private:
  std::unique_ptr<Objective> f_;
  double c_;
};

// Which pairs are kept does not depend on the scale of f: multiplied by 1e-12 (and
// tolerance_grad with it), the quadratic above and Rosenbrock are solved in as many iterations,
// at the same points.
TEST(Lbfgs, CurvatureTestIsScaleAware) {
  for (const char* spec : {"ill_conditioned:n=10,kappa=100", "rosenbrock"}) {
    const Scaled plain(make_function(spec), 1.0), tiny(make_function(spec), 1e-12);
    Lbfgs<double> a({.tolerance_grad = 1e-7}), b({.tolerance_grad = 1e-19});
    const RunResult ra = run(plain, a, plain.default_start(), {.steps = 200});
    const RunResult rb = run(tiny, b, tiny.default_start(), {.steps = 200});
    EXPECT_EQ(ra.termination, Termination::converged) << spec << ": " << ra.message();
    EXPECT_EQ(rb.termination, Termination::converged) << spec << ": " << rb.message();
    EXPECT_LE(rb.stop_step, ra.stop_step + 2) << spec;
    const auto last = rb.trajectory.point(rb.trajectory.size() - 1);
    const auto want = ra.trajectory.point(ra.trajectory.size() - 1);
    for (std::size_t i = 0; i < last.size(); ++i) EXPECT_NEAR(last[i], want[i], 1e-6) << spec;
  }
}

// The two-loop recursion runs vectorized for the CPU; its sums are fixed in order, so every SIMD
// level gives the same iterates, bit for bit.
TEST(Lbfgs, SameIteratesAtEverySimdLevel) {
  const Rosenbrock f({.n = 101});
  const Simd saved = simd();
  std::vector<RunResult> runs;
  for (const Simd level : simd_supported()) {
    set_simd(level);
    Lbfgs<double> opt;
    runs.push_back(run(f, opt, f.default_start(), {.steps = 60}));
  }
  set_simd(saved);
  for (const RunResult& r : runs) EXPECT_EQ(r.trajectory.points, runs[0].trajectory.points);
}

TEST(Lbfgs, FloatConvergesToo) {
  const Rosenbrock f;
  Lbfgs<float> opt({.tolerance_grad = 1e-4});
  opt.reset(2);
  std::vector<float> w = {-1.2f, 1.0f}, g(2);
  const Closure<float> closure = [&](std::span<const float> x, std::span<float> gx) {
    const std::vector<double> xd(x.begin(), x.end());
    std::vector<double> gd(2);
    const double v = f.value_and_gradient(xd, gd);
    for (int i = 0; i < 2; ++i) gx[i] = static_cast<float>(gd[i]);
    return v;
  };
  for (int k = 0; k < 100 && opt.converged().empty(); ++k) {
    const double loss = closure(w, g);
    opt.step_with(w, g, loss, closure);
  }
  EXPECT_NEAR(w[0], 1.0f, 1e-3);
  EXPECT_NEAR(w[1], 1.0f, 1e-3);
}

// With no line search L-BFGS takes the full quasi-Newton step (lr = 1); on a 2-D quadratic two
// curvature pairs determine the Hessian, so it converges in a handful of steps.
TEST(Lbfgs, WithoutLineSearchSolvesABowl) {
  auto f = make_function("anisotropic:ratio=4");
  auto opt = make_optimizer("lbfgs:line_search=none");
  const std::vector<double> start = {1.0, 1.0};
  const RunResult r = run(*f, *opt, start, {.steps = 100});
  EXPECT_LT(r.metrics.final_loss, 1e-14) << r.message();
  EXPECT_LE(r.stop_step, 10u) << r.message();
  EXPECT_EQ(r.evaluations, r.trajectory.size());  // no extra evaluations
}

TEST(Lbfgs, StopsAtTheMinimumWithoutMoving) {
  auto f = make_function("isotropic");
  auto opt = make_optimizer("lbfgs");
  const std::vector<double> start = {0.0, 0.0};
  const RunResult r = run(*f, *opt, start, {.steps = 10});
  EXPECT_EQ(r.termination, Termination::converged);
  EXPECT_EQ(r.trajectory.size(), 1u);
  EXPECT_NE(r.message().find("tolerance_grad"), std::string::npos);
}

TEST(Lbfgs, Defaults) {
  EXPECT_EQ(make_optimizer("lbfgs")->spec(),
            "lbfgs:lr=1,history=10,line_search=strong_wolfe,tolerance_grad=1e-07,"
            "tolerance_change=1e-09,c2=0.4");
  EXPECT_THROW(make_optimizer("lbfgs:history=0"), InputError);
  EXPECT_THROW(make_optimizer("lbfgs:history=2.5"), InputError);
  EXPECT_THROW(make_optimizer("lbfgs:line_search=armijo"), InputError);
}

TEST(Lbfgs, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("lbfgs"); }

}  // namespace
}  // namespace descent
