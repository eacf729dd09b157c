#include "descent/optimizers/sam.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// f(w) = sum_i (i + 1) w_i^2 / 2 + w_i^4 / 4, whose gradient is not linear in w.
double f(std::span<const double> w, std::span<double> g) {
  double loss = 0;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double c = static_cast<double>(i + 1);
    loss += c * w[i] * w[i] / 2 + w[i] * w[i] * w[i] * w[i] / 4;
    g[i] = c * w[i] + w[i] * w[i] * w[i];
  }
  return loss;
}

// Foret et al. 2021, algorithm 1, and ASAM (Kwon et al. 2021): e = rho T^2 g / |T g| with
// T = |w| + eta (ASAM) or 1, the gradient taken at w + e, then heavy-ball momentum steps w with
// it.
TEST(Sam, MatchesTheUpdateRule) {
  for (const bool adaptive : {false, true}) {
    const std::string spec = std::string("sam:rho=0.1,eta=0.05,adaptive=") +
                             (adaptive ? "true" : "false") + "/momentum:lr=0.05,alpha=0.5";
    auto opt = make_optimizer<double>(spec);
    const std::size_t n = 5;
    opt->reset(n);
    std::vector<double> w = {1.0, -0.5, 0.25, 2.0, -1.5}, r = w, g(n), v(n, 0.0), x(n), gx(n);
    const Closure<double> closure = f;
    for (int t = 1; t <= 25; ++t) {
      const double loss = f(w, g);
      opt->step_with(w, g, loss, closure);
      f(r, g);
      double norm = 0;
      for (std::size_t i = 0; i < n; ++i) {
        const double s = adaptive ? std::abs(r[i]) + 0.05 : 1.0;
        norm += (s * g[i]) * (s * g[i]);
      }
      norm = std::sqrt(norm);
      for (std::size_t i = 0; i < n; ++i) {
        const double s = adaptive ? std::abs(r[i]) + 0.05 : 1.0;
        x[i] = r[i] + 0.1 * s * s * g[i] / norm;
      }
      f(x, gx);
      for (std::size_t i = 0; i < n; ++i) {
        v[i] = 0.5 * v[i] + 0.05 * gx[i];
        r[i] -= v[i];
      }
      for (std::size_t i = 0; i < n; ++i)
        ASSERT_NEAR(w[i], r[i], 1e-13 * std::max(1.0, std::abs(r[i]))) << spec << " step " << t;
    }
  }
}

TEST(Sam, NeedsASecondEvaluation) {
  auto opt = make_optimizer("sam/sgd");
  opt->reset(1);
  std::vector<double> w = {1};
  EXPECT_THROW(opt->step(w, std::vector<double>{1}), InputError);
  // A zero gradient needs no second look: the inner optimizer steps with it.
  const Closure<double> never = [](std::span<const double>, std::span<double>) -> double {
    ADD_FAILURE() << "evaluated";
    return 0;
  };
  opt->step_with(w, std::vector<double>{0}, 0.0, never);
  EXPECT_EQ(w[0], 1.0);
}

TEST(Sam, Defaults) {
  EXPECT_EQ(make_optimizer("sam/sgd")->spec(),
            "sam:rho=0.05,adaptive=false,eta=0.01/sgd:lr=0.1,weight_decay=0");
  EXPECT_EQ(find_optimizer("sam").evaluations_per_step, 2u);
  EXPECT_THROW(make_optimizer("sam:rho=-1/sgd"), InputError);
}

// A constant rate leaves SAM in a two-cycle of amplitude ~ lr rho around the minimum: the
// cosine schedule takes it in.
TEST(Sam, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("sam/sgd:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
