#include "descent/optimizers/muon.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

using Mat = std::vector<std::vector<double>>;

Mat multiply(const Mat& a, const Mat& b) {
  Mat c(a.size(), std::vector<double>(b[0].size()));
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < b[0].size(); ++j)
      for (std::size_t k = 0; k < b.size(); ++k) c[i][j] += a[i][k] * b[k][j];
  return c;
}

Mat transpose(const Mat& a) {
  Mat t(a[0].size(), std::vector<double>(a.size()));
  for (std::size_t i = 0; i < a.size(); ++i)
    for (std::size_t j = 0; j < a[0].size(); ++j) t[j][i] = a[i][j];
  return t;
}

// Newton-Schulz as Jordan et al. write it: on the wide orientation, after dividing by the
// Frobenius norm plus eps, X <- a X + (b A + c A^2) X with A = X X^T.
Mat newton_schulz(Mat x, int steps, double eps) {
  const bool tall = x.size() > x[0].size();
  if (tall) x = transpose(x);
  double f = 0;
  for (const auto& row : x)
    for (double e : row) f += e * e;
  for (auto& row : x)
    for (double& e : row) e /= std::sqrt(f) + eps;
  for (int s = 0; s < steps; ++s) {
    const Mat a = multiply(x, transpose(x)), a2 = multiply(a, a);
    Mat b = a;
    for (std::size_t i = 0; i < a.size(); ++i)
      for (std::size_t j = 0; j < a.size(); ++j) b[i][j] = -4.7750 * a[i][j] + 2.0315 * a2[i][j];
    const Mat bx = multiply(b, x);
    for (std::size_t i = 0; i < x.size(); ++i)
      for (std::size_t j = 0; j < x[0].size(); ++j) x[i][j] = 3.4445 * x[i][j] + bx[i][j];
  }
  return tall ? transpose(x) : x;
}

// One Muon step on a rows x cols matrix stored row-major in w, as the doc block writes it.
void muon_reference(std::vector<double>& w, const std::vector<double>& g, std::vector<double>& m,
                    std::size_t rows, std::size_t cols, int t, double lr, double beta,
                    bool nesterov, double wd, double rms) {
  Mat u(rows, std::vector<double>(cols));
  for (std::size_t i = 0; i < w.size(); ++i) {
    m[i] = beta * m[i] + (1 - beta) * g[i];
    u[i / cols][i % cols] = nesterov ? beta * m[i] / (1 - std::pow(beta, t + 1)) +
                                           (1 - beta) * g[i] / (1 - std::pow(beta, t))
                                     : m[i] / (1 - std::pow(beta, t));
  }
  const Mat o = newton_schulz(u, 5, 1e-8);
  const double r = static_cast<double>(rows), c = static_cast<double>(cols);
  const double scale = rms > 0 ? rms * std::sqrt(std::max(r, c)) : std::sqrt(std::max(1.0, r / c));
  for (std::size_t i = 0; i < w.size(); ++i)
    w[i] -= lr * (scale * o[i / cols][i % cols] + wd * w[i]);
}

// On the reference's vector of 7: a 7 x 1 matrix. Tolerance 1e-11: Eigen sums the products in
// another order than these loops, and w - lr * (...) cancels to about 1e-3 of w's size.
TEST(Muon, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "muon:lr=0.1,beta=0.8,weight_decay=0.1",
      [] {
        return [m = std::vector<double>(7)](std::vector<double>& w, const std::vector<double>& g,
                                            int t) mutable {
          muon_reference(w, g, m, 7, 1, t, 0.1, 0.8, true, 0.1, 0);
        };
      },
      1e-11);
  test::expect_matches_reference(
      "muon:lr=0.1,nesterov=false,consistent_rms=0.2",
      [] {
        return [m = std::vector<double>(7)](std::vector<double>& w, const std::vector<double>& g,
                                            int t) mutable {
          muon_reference(w, g, m, 7, 1, t, 0.1, 0.95, false, 0, 0.2);
        };
      },
      1e-11);
}

// A wide and a tall matrix in one step: each orthogonalised on its own, by its shape.
TEST(Muon, StepsEachMatrixByItsShape) {
  const std::vector<Shape> shapes = {{3, 5}, {5, 3}};
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> w(30), r, m(30);
  for (double& x : w) x = u(rng);
  r = w;
  Muon<double> opt({.lr = 0.05, .weight_decay = 0.01});
  opt.reset_shapes(shapes);
  for (int t = 1; t <= 20; ++t) {
    std::vector<double> g(30);
    for (double& x : g) x = u(rng);
    const std::vector<TensorRef<double>> tensors = {
        {std::span(w).first(15), std::span<const double>(g).first(15)},
        {std::span(w).last(15), std::span<const double>(g).last(15)}};
    opt.step_tensors(tensors);
    std::size_t at = 0;
    for (const Shape& s : shapes) {
      std::vector<double> wk(r.begin() + at, r.begin() + at + 15),
          gk(g.begin() + at, g.begin() + at + 15), mk(m.begin() + at, m.begin() + at + 15);
      muon_reference(wk, gk, mk, s.rows, s.cols, t, 0.05, 0.95, true, 0.01, 0);
      std::copy(wk.begin(), wk.end(), r.begin() + at);
      std::copy(mk.begin(), mk.end(), m.begin() + at);
      at += 15;
    }
    for (std::size_t i = 0; i < w.size(); ++i) ASSERT_NEAR(w[i], r[i], 1e-13) << t << " " << i;
  }
}

// The quintic leaves the singular values of a well-spread matrix between about 0.68 and 1.2
// (Jordan et al.): the orthogonalised step is close to U V^T, so O O^T is close to I.
TEST(Muon, TheIterationNearlyOrthogonalises) {
  std::vector<double> x = {4, 1, 0, 2, 0.5, 3, 1, 0, 0, 0.2, 2, 1};  // 3 x 4
  detail::newton_schulz<double>(x, {3, 4}, 5, 1e-8);
  for (std::size_t i = 0; i < 3; ++i)
    for (std::size_t j = 0; j < 3; ++j) {
      double d = 0;
      for (std::size_t k = 0; k < 4; ++k) d += x[i * 4 + k] * x[j * 4 + k];
      EXPECT_NEAR(d, i == j ? 1.0 : 0.0, 0.45) << i << " " << j;
    }
}

TEST(Muon, Defaults) {
  EXPECT_EQ(make_optimizer("muon")->spec(),
            "muon:lr=0.02,beta=0.95,nesterov=true,bias_correction=true,ns_steps=5,eps=1e-08,"
            "weight_decay=0,consistent_rms=0");
  EXPECT_THROW(make_optimizer("muon:ns_steps=0"), InputError);
}

// Its step does not shrink with the gradient (a sign method's precision, reference.hpp).
TEST(Muon, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("muon:lr=0.05@exponential:gamma=0.99", 1e-15);
}

}  // namespace
}  // namespace descent
