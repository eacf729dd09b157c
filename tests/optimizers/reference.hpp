// Test helper: compares an optimizer from the registry with a naive reference written in the
// test from the update rule in the optimizer's header (the way optax checks its L-BFGS), over
// random gradients, in double (tight tolerance) and in float (loose tolerance).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "descent/registry.hpp"

namespace descent::test {

/// One step of a reference: updates w in place from g; `t` counts steps from 1. It keeps its own
/// state (captured by the lambda).
using ReferenceStep =
    std::function<void(std::vector<double>& w, const std::vector<double>& g, int t)>;

/// Runs `spec` and a fresh reference from `make_reference` side by side for `steps` steps on n = 7
/// random coordinates with random gradients, starting from the same random w. Relative tolerances:
/// `tol_double` for Optimizer<double>; for Optimizer<float>, float's precision compounded over the
/// steps (1e-4).
inline void expect_matches_reference(const std::string& spec,
                                     const std::function<ReferenceStep()>& make_reference,
                                     double tol_double = 1e-13, int steps = 25) {
  const std::size_t n = 7;
  std::mt19937_64 rng(123);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  std::vector<double> w0(n);
  for (double& x : w0) x = u(rng);
  std::vector<std::vector<double>> grads(steps, std::vector<double>(n));
  for (auto& g : grads)
    for (double& x : g) x = u(rng);
  // A zero component and a repeated gradient exercise sign and equality branches.
  grads[3][0] = 0.0;
  grads[4] = grads[3];

  const auto rel = [](double a, double b) {
    return std::abs(a - b) / std::max({std::abs(a), std::abs(b), 1e-12});
  };
  {
    auto opt = make_optimizer<double>(spec);
    opt->reset(n);
    const ReferenceStep make_ref_step = make_reference();
    std::vector<double> w = w0, r = w0;
    for (int t = 1; t <= steps; ++t) {
      opt->step(w, grads[static_cast<std::size_t>(t - 1)]);
      make_ref_step(r, grads[static_cast<std::size_t>(t - 1)], t);
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_LE(rel(w[i], r[i]), tol_double) << spec << " double, step " << t << ", coordinate "
                                               << i << ": " << w[i] << " vs " << r[i];
    }
  }
  {
    auto opt = make_optimizer<float>(spec);
    opt->reset(n);
    const ReferenceStep ref_for_float = make_reference();
    std::vector<float> w(w0.begin(), w0.end());
    std::vector<double> r(w.begin(), w.end());
    for (int t = 1; t <= steps; ++t) {
      const auto& gd = grads[static_cast<std::size_t>(t - 1)];
      std::vector<float> g(gd.begin(), gd.end());
      std::vector<double> gr(g.begin(), g.end());
      opt->step(w, g);
      ref_for_float(r, gr, t);
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_LE(std::abs(w[i] - r[i]), 1e-4 * std::max(1.0, std::abs(r[i])))
            << spec << " float, step " << t << ", coordinate " << i;
    }
  }
}

/// Runs `spec` and `ref` (anything with step(w, g, t), t from 1) side by side for `steps` steps on
/// `function` from its default start, each at its own point and its own gradient there. Checks
/// that the loss fell, prints the worst relative difference of a coordinate and returns it.
template <class Reference>
double worst_on_function(const std::string& function, const std::string& spec, Reference ref,
                         int steps = 100) {
  auto f = make_function(function);
  auto opt = make_optimizer<double>(spec);
  opt->reset_shapes(f->shapes());
  std::vector<double> w = f->default_start(), wr = w, g(w.size()), gr(w.size());
  double worst = 0;
  for (int t = 1; t <= steps; ++t) {
    f->value_and_gradient(w, g);
    f->value_and_gradient(wr, gr);
    opt->step(w, g);
    ref.step(wr, gr, t);
    for (std::size_t k = 0; k < w.size(); ++k)
      worst = std::max(worst,
                       std::abs(w[k] - wr[k]) / std::max({std::abs(w[k]), std::abs(wr[k]), 1e-12}));
  }
  EXPECT_LT(f->value(w), f->value(f->default_start())) << spec;
  std::printf("%s on %s: worst relative difference %.3g over %d steps\n", spec.c_str(),
              function.c_str(), worst, steps);
  return worst;
}

/// One step of a reference for a method whose answer is not w (Optimizer::solution): it updates
/// w and writes its answer to x (left as it is where the method has none yet).
using ReferenceAnswerStep = std::function<void(std::vector<double>& w, std::vector<double>& x,
                                               const std::vector<double>& g, int t)>;

/// As expect_matches_reference, in double, comparing the answer as well as w after each step.
inline void expect_answer_matches_reference(const std::string& spec,
                                            const std::function<ReferenceAnswerStep()>& make,
                                            double tol = 1e-13, int steps = 25) {
  const std::size_t n = 7;
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-2.0, 2.0);
  std::vector<double> w(n), x(n, NAN), got(n);
  for (double& v : w) v = u(rng);
  std::vector<double> r = w;
  auto opt = make_optimizer<double>(spec);
  opt->reset(n);
  const ReferenceAnswerStep ref = make();
  const auto rel = [](double a, double b) {
    return std::abs(a - b) / std::max({std::abs(a), std::abs(b), 1e-12});
  };
  for (int t = 1; t <= steps; ++t) {
    std::vector<double> g(n);
    for (double& v : g) v = u(rng);
    opt->step(w, g);
    ref(r, x, g, t);
    const bool has = opt->solution(w, got);
    ASSERT_EQ(has, !std::isnan(x[0])) << spec << " step " << t;
    for (std::size_t i = 0; i < n; ++i) {
      ASSERT_LE(rel(w[i], r[i]), tol) << spec << " w, step " << t << ", coordinate " << i;
      if (has) {
        ASSERT_LE(rel(got[i], x[i]), tol) << spec << " x, step " << t << ", coordinate " << i;
      }
    }
  }
}

/// Checks that `spec` converges, in float and in double, on the seed's round bowl and its narrow
/// valley (w1^2 + 8 w2^2) from (1, 1) in 2000 steps: a final loss at most `tol_double` in double
/// and 1e-10 in float. The settings are each method's own: adaptive methods whose step does not
/// shrink with the gradient (Adam's family, RMSProp, Lion, Signum) get a schedule that takes the
/// rate to 0, since with a constant rate they hover around the minimum at a distance ~lr.
///
/// Tolerances: double 1e-20 (a run that converges gets far below it; the loss is a sum of
/// squares, so 1e-20 means |w| ~ 1e-10); float 1e-10 (|w| ~ 1e-5, a few hundred float ulps of the
/// start's scale, which methods that divide by running averages of tiny float gradients cannot
/// beat reliably). A sign method moves every coordinate by exactly +-lr_t, so its precision is its
/// last step, 0.01 * 0.99^2000 ~ 2e-11 under an exponential decay of 0.99: its double tolerance is
/// 1e-15 (|w| ~ 3e-8).
///
/// A method that hovers near the minimum by design (Mechanic's learned scale swings) states its
/// own tolerances, with the reason, in its case.
void expect_converges_on_the_seeds_bowls(const std::string& spec, double tol_double = 1e-20,
                                         double tol_float = 1e-10);

}  // namespace descent::test
