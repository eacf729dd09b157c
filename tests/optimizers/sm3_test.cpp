#include "descent/optimizers/sm3.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// SM3-II transcribed from Anil et al. 2019 (algorithm SM3-II, covers = the rows and the columns)
// with optax's momentum, on a rows x cols matrix (row-major).
struct Sm3Reference {
  std::size_t rows, cols;
  double lr, beta, eps;
  std::vector<double> r = std::vector<double>(rows), c = std::vector<double>(cols),
                      m = std::vector<double>(rows * cols);

  void step(std::vector<double>& w, const std::vector<double>& g) {
    std::vector<double> nu(w.size());
    for (std::size_t k = 0; k < w.size(); ++k)
      nu[k] = std::min(r[k / cols], c[k % cols]) + g[k] * g[k];
    std::fill(r.begin(), r.end(), 0.0);
    std::fill(c.begin(), c.end(), 0.0);
    for (std::size_t k = 0; k < w.size(); ++k) {
      r[k / cols] = std::max(r[k / cols], nu[k]);
      c[k % cols] = std::max(c[k % cols], nu[k]);
      const double u = nu[k] > 0 ? g[k] / std::sqrt(nu[k] + eps) : 0.0;
      m[k] = beta * m[k] + (1 - beta) * u;
      w[k] -= lr * m[k];
    }
  }
};

TEST(Sm3, MatchesTheUpdateRule) {
  test::expect_matches_reference("sm3:lr=0.2,momentum=0.5,eps=1e-4", [] {
    return
        [ref = Sm3Reference{7, 1, 0.2, 0.5, 1e-4}](
            std::vector<double>& w, const std::vector<double>& g, int) mutable { ref.step(w, g); };
  });
}

// A matrix keeps rows + cols accumulators, and its steps follow the covers' minima.
TEST(Sm3, KeepsOneAccumulatorPerRowAndColumn) {
  Sm3<double> opt({.lr = 0.1});
  const std::vector<Shape> shapes = {{4, 3}, {2, 1}};
  opt.reset_shapes(shapes);
  Sm3Reference a{4, 3, 0.1, 0.9, 1e-8}, b{2, 1, 0.1, 0.9, 1e-8};
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> w(14);
  for (double& x : w) x = u(rng);
  std::vector<double> wa(w.begin(), w.begin() + 12), wb(w.begin() + 12, w.end());
  for (int t = 1; t <= 30; ++t) {
    std::vector<double> g(14);
    for (double& x : g) x = u(rng);
    if (t == 4) std::fill(g.begin(), g.begin() + 3, 0.0);  // a row of zeros: min(r, c) decides
    opt.step(w, g);
    a.step(wa, std::vector<double>(g.begin(), g.begin() + 12));
    b.step(wb, std::vector<double>(g.begin() + 12, g.end()));
    for (std::size_t k = 0; k < 12; ++k) ASSERT_NEAR(w[k], wa[k], 1e-14) << t << " " << k;
    for (std::size_t k = 0; k < 2; ++k) ASSERT_NEAR(w[12 + k], wb[k], 1e-14) << t << " " << k;
  }
  EXPECT_EQ(opt.state().array("row_acc").size(), 4u + 2u);
  EXPECT_EQ(opt.state().array("col_acc").size(), 3u + 1u);
}

// A NaN gradient makes the step NaN (the runner reports the divergence), not a silent 0, and
// stays in the row and column maxima, from which the next step's min(r_i, c_j) takes it to the
// rest of its row and column.
TEST(Sm3, ANanGradientIsNotHidden) {
  Sm3<double> opt;
  opt.reset_shapes(std::vector<Shape>{{2, 2}});
  std::vector<double> w = {1, 2, 3, 4};
  opt.step(w, std::vector<double>{std::nan(""), 1, 1, 1});
  EXPECT_TRUE(std::isnan(w[0]));
  EXPECT_TRUE(std::isnan(opt.state().array("row_acc")[0]));
  EXPECT_TRUE(std::isnan(opt.state().array("col_acc")[0]));
  w = {1, 2, 3, 4};
  opt.step(w, std::vector<double>{1, 1, 1, 1});
  EXPECT_TRUE(std::isnan(w[1])) << "row 0, through r_0";
  EXPECT_TRUE(std::isnan(w[2])) << "column 0, through c_0";
  EXPECT_FALSE(std::isnan(w[3])) << "neither";
}

TEST(Sm3, Defaults) {
  EXPECT_EQ(make_optimizer("sm3")->spec(), "sm3:lr=0.1,momentum=0.9,eps=1e-08");
  EXPECT_THROW(make_optimizer("sm3:momentum=1"), InputError);
}

TEST(Sm3, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("sm3:lr=0.1"); }

}  // namespace
}  // namespace descent
