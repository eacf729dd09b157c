#include "descent/optimizers/adafactor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Adafactor transcribed from the rule in adafactor.hpp, on a rows x cols matrix (row-major),
// factored when `factor` is set. State: r (rows), c (cols), v (rows * cols).
struct AdafactorReference {
  std::size_t rows, cols;
  bool factor, torch;
  double lr, wd;
  std::vector<double> r = std::vector<double>(rows), c = std::vector<double>(cols),
                      v = std::vector<double>(rows * cols);

  void step(std::vector<double>& w, const std::vector<double>& g, int t) {
    const double beta = 1 - std::pow(t, -0.8), n = static_cast<double>(w.size());
    std::vector<double> u(w.size());
    if (factor) {
      for (std::size_t i = 0; i < rows; ++i) {
        double s = 0;
        for (std::size_t j = 0; j < cols; ++j) s += g[i * cols + j] * g[i * cols + j] + 1e-30;
        r[i] = beta * r[i] + (1 - beta) * s / static_cast<double>(cols);
      }
      for (std::size_t j = 0; j < cols; ++j) {
        double s = 0;
        for (std::size_t i = 0; i < rows; ++i) s += g[i * cols + j] * g[i * cols + j] + 1e-30;
        c[j] = beta * c[j] + (1 - beta) * s / static_cast<double>(rows);
      }
      double mean = 0;
      for (double x : r) mean += x / static_cast<double>(rows);
      for (std::size_t k = 0; k < w.size(); ++k)
        u[k] = g[k] / std::sqrt(r[k / cols] * c[k % cols] / mean);
    } else {
      for (std::size_t k = 0; k < w.size(); ++k) {
        v[k] = beta * v[k] + (1 - beta) * (g[k] * g[k] + 1e-30);
        u[k] = g[k] / std::sqrt(v[k]);
      }
    }
    double u2 = 0, w2 = 0;
    for (std::size_t k = 0; k < w.size(); ++k) {
      u2 += u[k] * u[k];
      w2 += w[k] * w[k];
    }
    const double denom = std::max(1.0, std::sqrt(u2 / n) / 1.0);
    const double wrms = std::sqrt(w2 / n);
    const double a =
        torch ? std::max(1e-3, wrms) * std::min(lr, 1 / std::sqrt(t)) : lr * std::max(wrms, 1e-3);
    for (std::size_t k = 0; k < w.size(); ++k) {
      if (torch)
        w[k] = w[k] * (1 - lr * wd) - a / denom * u[k];
      else
        w[k] = w[k] - a / denom * u[k] - wd * w[k];
    }
  }
};

TEST(Adafactor, MatchesTheUpdateRule) {
  for (const bool torch : {true, false}) {
    const std::string spec =
        std::string("adafactor:lr=0.05,weight_decay=0.1,step_size=") + (torch ? "torch" : "optax");
    test::expect_matches_reference(spec, [torch] {
      return [ref = AdafactorReference{7, 1, false, torch, 0.05, 0.1}](
                 std::vector<double>& w, const std::vector<double>& g, int t) mutable {
        ref.step(w, g, t);
      };
    });
  }
}

// A 6 x 5 matrix is factored (min side 5 >= 2), a 6 x 5 with factor_min_dim=6 is not: each
// against the transcription, with the state sizes that make Adafactor's memory sublinear.
TEST(Adafactor, FactorsAMatrixWhoseSidesAreLongEnough) {
  for (const int min_dim : {2, 6}) {
    for (const bool torch : {true, false}) {
      const std::string spec =
          "adafactor:lr=0.02,weight_decay=0.01,factor_min_dim=" + std::to_string(min_dim) +
          ",step_size=" + (torch ? "torch" : "optax");
      auto opt = make_optimizer<double>(spec);
      const std::vector<Shape> shapes = {{6, 5}};
      opt->reset_shapes(shapes);
      AdafactorReference ref{6, 5, min_dim == 2, torch, 0.02, 0.01};
      std::mt19937_64 rng(11);
      std::uniform_real_distribution<double> u(-1, 1);
      std::vector<double> w(30);
      for (double& x : w) x = u(rng);
      std::vector<double> r = w;
      for (int t = 1; t <= 30; ++t) {
        std::vector<double> g(30);
        for (double& x : g) x = u(rng);
        opt->step(w, g);
        ref.step(r, g, t);
        for (std::size_t k = 0; k < w.size(); ++k)
          ASSERT_NEAR(w[k], r[k], 1e-13 * std::max(1.0, std::abs(r[k]))) << spec << " " << t;
      }
      const auto& state = dynamic_cast<Adafactor<double>&>(*opt).state();
      EXPECT_EQ(state.array("row_var").size(), min_dim == 2 ? 6u : 0u) << spec;
      EXPECT_EQ(state.array("col_var").size(), min_dim == 2 ? 5u : 0u) << spec;
      EXPECT_EQ(state.array("var").size(), min_dim == 2 ? 0u : 30u) << spec;
    }
  }
}

// Where every gradient so far is 0 and eps = 0, the second moment is 0: the step is 0, not NaN.
TEST(Adafactor, AZeroSecondMomentGivesNoStep) {
  for (const char* spec : {"adafactor:eps=0", "adafactor:eps=0,step_size=optax"}) {
    auto opt = make_optimizer<double>(spec);
    const std::vector<Shape> shapes = {{3, 2}, {2, 1}};
    opt->reset_shapes(shapes);
    std::vector<double> w = {1, 2, 3, 4, 5, 6, 7, 8};
    opt->step(w, std::vector<double>(8, 0.0));
    EXPECT_EQ(w, (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8})) << spec;
  }
}

// Adafactor's step is rms(w) g / sqrt(v) times the rate, and beta_t -> 1 freezes v: near the
// minimum the step shrinks with w squared, and the distance falls like 1/t, not geometrically.
// After 2000 steps the loss is 2e-10 on the round bowl and 1e-9 on the narrow valley: tolerance
// 1e-8 in double and in float.
TEST(Adafactor, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("adafactor:lr=0.5,eps_scale=0", 1e-8, 1e-8);
}

// A NaN gradient makes the step NaN, factored or not, not a silent 0.
TEST(Adafactor, ANanGradientIsNotHidden) {
  auto opt = make_optimizer<double>("adafactor");
  opt->reset_shapes(std::vector<Shape>{{2, 2}, {2, 1}});
  std::vector<double> w = {1, 2, 3, 4, 5, 6};
  opt->step(w, std::vector<double>{std::nan(""), 1, 1, 1, std::nan(""), 1});
  EXPECT_TRUE(std::isnan(w[0]));
  EXPECT_TRUE(std::isnan(w[4]));
}

TEST(Adafactor, Defaults) {
  EXPECT_EQ(make_optimizer("adafactor")->spec(),
            "adafactor:lr=0.01,step_size=torch,decay=0.8,eps=1e-30,eps_scale=0.001,clip=1,"
            "factor_min_dim=2,weight_decay=0");
  EXPECT_THROW(make_optimizer("adafactor:step_size=adam"), InputError);
  EXPECT_THROW(make_optimizer("adafactor:factor_min_dim=1"), InputError);
  EXPECT_THROW(make_optimizer("adafactor:decay=1.5"), InputError);
}

}  // namespace
}  // namespace descent
