#include "descent/optimizers/shampoo.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "blocks.hpp"
#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "naive_linalg.hpp"
#include "reference.hpp"

namespace descent {
namespace {

using test::Mat;
using test::product;
using test::transpose;
using test::zeros;

// (A + eps I)^(-1/root) of a symmetric A, from its Jacobi eigendecomposition.
Mat inverse_root(const Mat& a, double eps, double root) {
  const auto [values, v] = test::jacobi_eigen(a);
  const std::size_t n = a.size();
  Mat out = zeros(n, n);
  for (std::size_t e = 0; e < n; ++e) {
    const double d = std::pow(std::max(values[e], 0.0) + eps, -1.0 / root);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) out[i][j] += v[i][e] * d * v[j][e];
  }
  return out;
}

// Shampoo transcribed from Gupta et al. 2018, algorithm 1 (L, R, their inverse fourth roots,
// here refreshed every `every` steps and decayed by beta2 < 1 as Distributed Shampoo allows),
// with the momentum of the gradient and Adam grafting of Shi et al. 2023 (arXiv:2309.06497),
// section 3: the direction keeps its own, the length is Adam's.
struct ShampooReference {
  std::size_t rows, cols;
  double lr = 1e-3, beta1 = 0.9, beta2 = 1.0, eps = 1e-12;
  int every = 10;
  bool graft = true;
  double wd = 0.0;
  Mat l = zeros(rows, rows), r = zeros(cols, cols), pl = {}, pr = {};
  std::vector<double> m = std::vector<double>(rows * cols), v = std::vector<double>(rows * cols);

  void step(std::vector<double>& w, const std::vector<double>& g, int t) {
    Mat gm = zeros(rows, cols);
    for (std::size_t k = 0; k < g.size(); ++k) gm[k / cols][k % cols] = g[k];
    const bool left = rows > 1, right = cols > 1;
    const double c = beta2 < 1 ? 1 - beta2 : 1;
    const Mat ggt = product(gm, transpose(gm)), gtg = product(transpose(gm), gm);
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < rows; ++j)
        l[i][j] = (beta2 < 1 ? beta2 : 1) * l[i][j] + c * ggt[i][j];
    for (std::size_t i = 0; i < cols; ++i)
      for (std::size_t j = 0; j < cols; ++j)
        r[i][j] = (beta2 < 1 ? beta2 : 1) * r[i][j] + c * gtg[i][j];
    const double root = 2.0 * (left + right);
    if (t % every == 0) {
      if (left) pl = inverse_root(l, eps, root);
      if (right) pr = inverse_root(r, eps, root);
    }
    Mat mhat = zeros(rows, cols);
    for (std::size_t k = 0; k < g.size(); ++k) {
      m[k] = beta1 * m[k] + (1 - beta1) * g[k];
      mhat[k / cols][k % cols] = m[k] / (1 - std::pow(beta1, t));
    }
    const bool shampoo = t >= every;
    Mat d = mhat;
    if (shampoo && left) d = product(pl, d);
    if (shampoo && right) d = product(d, pr);
    if (graft) {
      double dn = 0, an = 0;
      Mat a = zeros(rows, cols);
      for (std::size_t k = 0; k < g.size(); ++k) {
        v[k] = 0.999 * v[k] + 0.001 * g[k] * g[k];
        a[k / cols][k % cols] =
            mhat[k / cols][k % cols] / (std::sqrt(v[k] / (1 - std::pow(0.999, t))) + 1e-8);
        an += a[k / cols][k % cols] * a[k / cols][k % cols];
        dn += d[k / cols][k % cols] * d[k / cols][k % cols];
      }
      if (shampoo) {
        for (auto& row : d)
          for (double& x : row) x *= dn > 0 ? std::sqrt(an) / std::sqrt(dn) : 0.0;
      } else {
        d = a;
      }
    }
    for (std::size_t k = 0; k < w.size(); ++k) w[k] -= lr * (d[k / cols][k % cols] + wd * w[k]);
  }
};

// 100 steps on matrix_least_squares (W 6 x 4) from W = 1, descent's Shampoo and the reference
// each at its own point.
constexpr const char* kMatrix = "matrix_least_squares:rows=6,cols=4,kappa=100,seed=0";

// Tolerance 1e-9, as against optax: the eigendecompositions (Eigen's and the Jacobi rotations
// above) agree to about 1e-15 of the largest eigenvalue, and the inverse roots of the smallest
// eigenvalues magnify that.
TEST(Shampoo, IsThePapersAlgorithmWithoutGraftingOrMomentum) {
  ShampooReference ref{6, 4};
  ref.lr = 0.05;
  ref.beta1 = 0;
  ref.every = 1;
  ref.graft = false;
  ref.eps = 1e-6;
  EXPECT_LE(test::worst_on_function(
                kMatrix, "shampoo:lr=0.05,beta1=0,update_every=1,graft=none,eps=1e-6", ref),
            1e-9);
}

TEST(Shampoo, MatchesTheGraftedReferenceOnTheMatrixFunction) {
  ShampooReference ref{6, 4};
  ref.lr = 0.02;
  ref.beta2 = 0.99;
  ref.every = 5;
  ref.wd = 0.01;
  EXPECT_LE(test::worst_on_function(
                kMatrix, "shampoo:lr=0.02,beta2=0.99,update_every=5,weight_decay=0.01", ref),
            1e-9);
}

// A vector of 7 (a 7 x 1 matrix): L is 7 x 7 with root 1/2, R is not kept. L = sum of g g^T has
// rank t < 7 at first: its null space's eigenvalues come out as about 1e-15 of the largest
// rather than 0, by either method, and (that + eps)^(-1/2) carries it to w magnified by
// |L| / eps. With eps 1e-4 the two agree to 2.3e-11, with 1e-8 to 3.5e-10: tolerance 1e-9.
TEST(Shampoo, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "shampoo:lr=0.05,update_every=3,eps=1e-4",
      [] {
        return [ref = ShampooReference{7, 1, 0.05, 0.9, 1.0, 1e-4, 3}](
                   std::vector<double>& w, const std::vector<double>& g, int t) mutable {
          ref.step(w, g, t);
        };
      },
      1e-9);
}

// Memory: a side longer than max_dim keeps no factor; graft=none keeps no second moment.
TEST(Shampoo, KeepsFactorsOnlyForTheSidesItPreconditions) {
  const std::vector<Shape> shapes = {{6, 4}, {3, 1}};
  Shampoo<double> a({.max_dim = 5});
  a.reset_shapes(shapes);
  EXPECT_EQ(a.state().array("factor_l").size(), 0u + 9u);
  EXPECT_EQ(a.state().array("factor_r").size(), 16u + 0u);
  EXPECT_EQ(a.state().array("exp_avg_sq").size(), 27u);
  Shampoo<double> b({.graft = ShampooGraft::none});
  b.reset_shapes(shapes);
  EXPECT_EQ(b.state().array("factor_l").size(), 36u + 9u);
  EXPECT_EQ(b.state().array("exp_avg_sq").size(), 0u);
}

// A blocked tensor's pieces of the factors: 6 x 4 with max_dim 5 is cut into 5 x 4 and 1 x 4;
// L is kept for the 5 rows only, R for each block.
TEST(Shampoo, KeepsAFactorForEachBlock) {
  Shampoo<double> a({.max_dim = 5, .blocked = true});
  a.reset_shapes(std::vector<Shape>{{6, 4}, {3, 1}});
  EXPECT_EQ(a.state().array("factor_l").size(), 25u + 9u);
  EXPECT_EQ(a.state().array("factor_r").size(), 2u * 16u);
  EXPECT_EQ(a.state().array("root_r").size(), 2u * 16u);
  EXPECT_EQ(a.state().array("exp_avg").size(), 27u);
}

TEST(Shampoo, ABlockedTensorStepsAsItsBlocksApart) {
  for (const char* settings : {"lr=0.1,update_every=2", "lr=0.1,update_every=3,beta2=0.9",
                               "lr=0.05,update_every=1,graft=none,beta1=0,eps=1e-4"}) {
    test::expect_blocks_step_apart<ShampooRule, double>(settings);
    test::expect_blocks_step_apart<ShampooRule, float>(settings);
  }
}

TEST(Shampoo, BlockedChangesNothingWhereEverySideFitsOrNoSideIsPreconditioned) {
  test::expect_blocked_changes_nothing("shampoo:lr=0.1,update_every=2,max_dim=6", {{6, 4}, {2, 1}});
  test::expect_blocked_changes_nothing("shampoo:lr=0.1,update_every=2,max_dim=1", {{6, 4}, {2, 1}});
}

TEST(Shampoo, ABlockedRunResumesExactly) {
  test::expect_blocked_run_resumes_exactly("shampoo:lr=0.1,update_every=2,max_dim=2,blocked=true");
}

TEST(Shampoo, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("shampoo:lr=0.1@exponential:gamma=0.995");
}

TEST(Shampoo, Defaults) {
  EXPECT_EQ(
      make_optimizer("shampoo")->spec(),
      "shampoo:lr=0.001,beta1=0.9,beta2=1,eps=1e-12,update_every=10,max_dim=1024,blocked=false,"
      "graft=adam,graft_beta2=0.999,graft_eps=1e-08,weight_decay=0");
  EXPECT_THROW(make_optimizer("shampoo:update_every=0"), InputError);
  EXPECT_THROW(make_optimizer("shampoo:graft=sgd"), InputError);
  // eps = 0 would take the inverse root of a singular factor's zero eigenvalues.
  EXPECT_THROW(make_optimizer("shampoo:eps=0"), InputError);
  EXPECT_THROW(make_optimizer("shampoo:graft_eps=0"), InputError);
}

}  // namespace
}  // namespace descent
