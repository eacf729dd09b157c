#include "descent/optimizers/soap.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
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

// SOAP transcribed from the authors' reference code (github.com/nikhilvyas/SOAP, soap.py: the
// first step sets up the factors and bases only; debiased moving averages; one power step and a
// QR every `every` steps, with v's rows or columns sorted as the basis), with plain loops, the
// Jacobi eigensolver and Gram-Schmidt's QR, weight decay shrinking w (see soap.hpp).
struct SoapReference {
  std::size_t rows, cols;
  double lr = 3e-3, beta1 = 0.95, beta2 = 0.95, eps = 1e-8;
  int every = 10;
  double wd = 0.01;
  bool left = rows > 1 && cols > 1, right = rows > 1 && cols > 1;
  Mat l = zeros(rows, rows), r = zeros(cols, cols), ql = {}, qr = {};
  Mat m = zeros(rows, cols), v = zeros(rows, cols);

  static Mat descending_eigenvectors(const Mat& a) {
    const auto [values, vectors] = test::jacobi_eigen(a);
    std::vector<std::size_t> order(a.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t i, std::size_t j) { return values[i] > values[j]; });
    Mat q = zeros(a.size(), a.size());
    for (std::size_t i = 0; i < a.size(); ++i)
      for (std::size_t j = 0; j < a.size(); ++j) q[i][j] = vectors[i][order[j]];
    return q;
  }

  void refresh(const Mat& f, Mat& q, bool rows_of_v) {
    const std::size_t n = f.size();
    const Mat fq = product(f, q);
    std::vector<double> est(n, 0.0);
    for (std::size_t j = 0; j < n; ++j)
      for (std::size_t i = 0; i < n; ++i) est[j] += q[i][j] * fq[i][j];
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t i, std::size_t j) { return est[i] > est[j]; });
    Mat sorted = zeros(n, n);
    for (std::size_t i = 0; i < n; ++i)
      for (std::size_t j = 0; j < n; ++j) sorted[i][j] = fq[i][order[j]];
    q = test::gram_schmidt_q(sorted);
    const Mat old = v;
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j)
        v[i][j] = rows_of_v ? old[order[i]][j] : old[i][order[j]];
  }

  Mat project(Mat x, bool back) const {
    if (left) x = product(back ? ql : transpose(ql), x);
    if (right) x = product(x, back ? transpose(qr) : qr);
    return x;
  }

  void step(std::vector<double>& w, const std::vector<double>& g, int t) {
    Mat gm = zeros(rows, cols);
    for (std::size_t k = 0; k < g.size(); ++k) gm[k / cols][k % cols] = g[k];
    const Mat ggt = product(gm, transpose(gm)), gtg = product(transpose(gm), gm);
    const auto average = [&](double b) {
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < rows; ++j) l[i][j] = b * l[i][j] + (1 - b) * ggt[i][j];
      for (std::size_t i = 0; i < cols; ++i)
        for (std::size_t j = 0; j < cols; ++j) r[i][j] = b * r[i][j] + (1 - b) * gtg[i][j];
    };
    const int k = t - 1;
    if (k == 0) {
      average(0.0);
      if (left) ql = descending_eigenvectors(l);
      if (right) qr = descending_eigenvectors(r);
      if (left) refresh(l, ql, true);
      if (right) refresh(r, qr, false);
      return;
    }
    const double d1 = 1 - (1 - beta1) / (1 - std::pow(beta1, k));
    const double d2 = 1 - (1 - beta2) / (1 - std::pow(beta2, k));
    const Mat gp = project(gm, false);
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) {
        m[i][j] = d1 * m[i][j] + (1 - d1) * gm[i][j];
        v[i][j] = d2 * v[i][j] + (1 - d2) * gp[i][j] * gp[i][j];
      }
    Mat u = project(m, false);
    for (std::size_t i = 0; i < rows; ++i)
      for (std::size_t j = 0; j < cols; ++j) u[i][j] /= std::max(std::sqrt(v[i][j]), eps);
    u = project(u, true);
    average(d2);
    if (k % every == 0) {
      if (left) refresh(l, ql, true);
      if (right) refresh(r, qr, false);
    }
    for (std::size_t i = 0; i < w.size(); ++i)
      w[i] = w[i] * (1 - lr * wd) - lr * u[i / cols][i % cols];
  }
};

// 100 steps on a 4 x 4 matrix_least_squares from W = 1, each method at its own point. A square
// W of full rank: L and R are of full rank from the first step, with distinct eigenvalues, so
// their eigenbases are defined up to the columns' signs, which SOAP's step does not see (a 6 x 4
// W's L has a null space at first, whose basis is any, and SOAP's v depends on it).
// eps 1e-4 and 1e-3: the first step leaves w as it is, so on a deterministic function the second
// gradient is the first, whose projection on its own bases is diagonal; the off-diagonal entries
// are rounding (1e-16 of the gradient) divided by max(sqrt(v), eps) = eps, and any two
// implementations then differ by 1e-16 / eps (5e-8 of w at eps 1e-8, 5e-12 at 1e-4).
// Tolerance 1e-9, as against optax.
TEST(Soap, MatchesTheAuthorsAlgorithmOnTheMatrixFunction) {
  for (const bool defaults : {true, false}) {
    SoapReference ref{4, 4};
    ref.eps = 1e-4;
    std::string spec = "soap:eps=1e-4";
    if (!defaults) {
      ref.lr = 0.01;
      ref.beta1 = 0.9;
      ref.beta2 = 0.99;
      ref.every = 3;
      ref.wd = 0.1;
      ref.eps = 1e-3;
      spec = "soap:lr=0.01,beta1=0.9,beta2=0.99,eps=1e-3,update_every=3,weight_decay=0.1";
    }
    const double worst =
        test::worst_on_function("matrix_least_squares:rows=4,cols=4,kappa=100,seed=0", spec, ref);
    EXPECT_LE(worst, 1e-9) << spec;
  }
}

// A vector (an n x 1 matrix) has no factor unless precondition_1d: Adam with debiased rates.
TEST(Soap, MatchesTheUpdateRule) {
  test::expect_matches_reference("soap:lr=0.05,beta1=0.8,beta2=0.9,weight_decay=0.1", [] {
    return [ref = SoapReference{7, 1, 0.05, 0.8, 0.9, 1e-8, 10, 0.1}](
               std::vector<double>& w, const std::vector<double>& g, int t) mutable {
      ref.step(w, g, t);
    };
  });
}

// The first step sets up the bases from its gradient and leaves w as it is.
TEST(Soap, TheFirstStepOnlySetsUpTheBases) {
  Soap<double> opt;
  const std::vector<Shape> shapes = {{3, 2}, {4, 1}};
  opt.reset_shapes(shapes);
  std::vector<double> w = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  opt.step(w, std::vector<double>{1, -2, 0.5, 3, -1, 2, 1, 1, 1, 1});
  EXPECT_EQ(w, (std::vector<double>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  EXPECT_EQ(opt.state().array("basis_l").size(), 9u);  // the vector has none
  EXPECT_EQ(opt.state().array("factor_r").size(), 4u);
  Soap<double> one_d({.precondition_1d = true});
  one_d.reset_shapes(shapes);
  EXPECT_EQ(one_d.state().array("basis_l").size(), 9u + 16u);
}

// 6 x 4 with max_dim 5, blocked: 5 x 4 and 1 x 4. The 1 x 4 block is a vector, which keeps no
// factor (precondition_1d is off); the 5 x 4 one keeps both.
TEST(Soap, KeepsAFactorForEachBlock) {
  Soap<double> a({.max_dim = 5, .blocked = true});
  a.reset_shapes(std::vector<Shape>{{6, 4}, {3, 2}});
  EXPECT_EQ(a.state().array("factor_l").size(), 25u + 9u);
  EXPECT_EQ(a.state().array("basis_r").size(), 16u + 4u);
  EXPECT_EQ(a.state().array("exp_avg_sq").size(), 30u);
}

TEST(Soap, ABlockedTensorStepsAsItsBlocksApart) {
  for (const char* settings : {"lr=0.1,update_every=2", "lr=0.05,update_every=3,weight_decay=0",
                               "lr=0.05,update_every=2,precondition_1d=true"}) {
    test::expect_blocks_step_apart<SoapRule, double>(settings);
    test::expect_blocks_step_apart<SoapRule, float>(settings);
  }
}

TEST(Soap, BlockedChangesNothingWhereEverySideFitsOrNoSideIsPreconditioned) {
  test::expect_blocked_changes_nothing("soap:lr=0.1,update_every=2,max_dim=6", {{6, 4}, {2, 3}});
  test::expect_blocked_changes_nothing("soap:lr=0.1,update_every=2,max_dim=1", {{6, 4}, {2, 3}});
}

TEST(Soap, ABlockedRunResumesExactly) {
  test::expect_blocked_run_resumes_exactly("soap:lr=0.1,update_every=2,max_dim=2,blocked=true");
}

TEST(Soap, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("soap:lr=0.05@exponential:gamma=0.99");
}

TEST(Soap, Defaults) {
  EXPECT_EQ(make_optimizer("soap")->spec(),
            "soap:lr=0.003,beta1=0.95,beta2=0.95,eps=1e-08,update_every=10,max_dim=10000,"
            "blocked=false,precondition_1d=false,weight_decay=0.01");
  EXPECT_THROW(make_optimizer("soap:update_every=0"), InputError);
  EXPECT_THROW(make_optimizer("soap:eps=0"), InputError);  // 0 / max(sqrt(0), 0)
}

}  // namespace
}  // namespace descent
