// The loss landscape and sharpness of a network: the Hessian-vector product against finite
// differences of the gradient, the power iteration against a dense eigendecomposition, the filter
// normalisation against its definition, the plane and the line against direct evaluations, and
// the PCA plane on iterates of known shape.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "descent/error.hpp"
#include "descent/nn/landscape.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/theory.hpp"

namespace descent::nn {
namespace {

struct Batch {
  std::vector<double> x;
  std::vector<std::uint8_t> y;
};

Batch batch(std::size_t n, std::size_t features, std::size_t classes, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  Batch b;
  b.x.resize(n * features);
  for (double& v : b.x) v = normal(rng);
  for (std::size_t i = 0; i < n; ++i) b.y.push_back(static_cast<std::uint8_t>((i * 7) % classes));
  return b;
}

std::vector<double> random_vector(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> v(n);
  for (double& e : v) e = normal(rng);
  return v;
}

// H v against central differences of the gradient along v, (g(w + h v) - g(w - h v)) / 2h, whose
// error is about h^2 |g'''| + eps |g| / h: about 1e-9 relative with h = 1e-5 here.
void expect_exact_hvp(const std::vector<std::size_t>& sizes) {
  Mlp<double> m(sizes);
  m.initialize(11);
  const Batch b = batch(9, sizes.front(), sizes.back(), 2);
  const std::vector<double> v = random_vector(m.parameter_count(), 4);
  std::vector<double> hv(v.size()), up(v.size()), down(v.size());
  const double loss = m.hessian_vector_product(b.x, b.y, v, hv);
  std::vector<double> g(v.size());
  EXPECT_NEAR(loss, m.loss_and_gradient(b.x, b.y, g), 1e-14);
  const std::vector<double> keep(m.parameters().begin(), m.parameters().end());
  const double h = 1e-5;
  for (std::size_t i = 0; i < v.size(); ++i) m.parameters()[i] = keep[i] + h * v[i];
  (void)m.loss_and_gradient(b.x, b.y, up);
  for (std::size_t i = 0; i < v.size(); ++i) m.parameters()[i] = keep[i] - h * v[i];
  (void)m.loss_and_gradient(b.x, b.y, down);
  double err = 0, size = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double fd = (up[i] - down[i]) / (2 * h);
    err = std::max(err, std::abs(fd - hv[i]));
    size = std::max(size, std::abs(hv[i]));
  }
  EXPECT_GT(size, 1e-3);
  EXPECT_LT(err / size, 1e-6) << "worst difference " << err << " for a largest entry " << size;
}

TEST(Landscape, HessianVectorProductMatchesFiniteDifferences) {
  expect_exact_hvp({5, 4});        // softmax regression: a smooth convex loss
  expect_exact_hvp({5, 6, 4, 3});  // two hidden ReLU layers
}

TEST(Landscape, HessianVectorProductChecksSizes) {
  const Mlp<double> m({3, 2});
  const Batch b = batch(2, 3, 2, 1);
  std::vector<double> v(m.parameter_count()), hv(m.parameter_count() + 1);
  EXPECT_THROW((void)m.hessian_vector_product(b.x, b.y, v, hv), std::invalid_argument);
}

TEST(Landscape, PowerIterationFindsTheDenseHessiansLargestEigenvalue) {
  Mlp<double> m({4, 5, 3});
  m.initialize(7);
  const Batch b = batch(12, 4, 3, 9);
  const std::size_t n = m.parameter_count();
  // The dense Hessian, one column per product with a unit vector; symmetric up to rounding.
  std::vector<double> h(n * n), e(n), col(n);
  for (std::size_t j = 0; j < n; ++j) {
    std::fill(e.begin(), e.end(), 0.0);
    e[j] = 1;
    (void)m.hessian_vector_product(b.x, b.y, e, col);
    for (std::size_t i = 0; i < n; ++i) h[i * n + j] = col[i];
  }
  double asym = 0;
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j)
      asym = std::max(asym, std::abs(h[i * n + j] - h[j * n + i]));
  EXPECT_LT(asym, 1e-12);
  std::vector<double> values;
  std::vector<std::vector<double>> vectors;
  symmetric_eigen(h, n, values, vectors);
  const double dense =
      std::abs(values.front()) > std::abs(values.back()) ? values.front() : values.back();
  std::vector<double> v;
  const Sharpness s = top_hessian_eigenvalue<double>(m, b.x, b.y, v, 2000, 1e-12, 3);
  EXPECT_TRUE(s.converged);
  EXPECT_NEAR(s.eigenvalue, dense, 1e-8 * std::abs(dense));
  // A warm start from the converged vector needs only a few products.
  const Sharpness again = top_hessian_eigenvalue<double>(m, b.x, b.y, v, 2000, 1e-10, 3);
  EXPECT_LE(again.products, 3u);
  EXPECT_NEAR(again.eigenvalue, dense, 1e-8 * std::abs(dense));
}

TEST(Landscape, FilterNormalisationScalesEachRowToTheWeights) {
  Mlp<double> m({6, 4, 3});
  m.initialize(2);
  const std::vector<double> d = filter_normalized_direction(m, 5);
  ASSERT_EQ(d.size(), m.parameter_count());
  for (const auto& l : m.layers()) {
    for (std::size_t r = 0; r < l.out; ++r) {
      double wn = 0, dn = 0;
      for (std::size_t i = 0; i < l.in; ++i) {
        wn += m.parameters()[l.weight + r * l.in + i] * m.parameters()[l.weight + r * l.in + i];
        dn += d[l.weight + r * l.in + i] * d[l.weight + r * l.in + i];
      }
      EXPECT_NEAR(std::sqrt(dn), std::sqrt(wn), 1e-12 * std::sqrt(wn));
    }
    for (std::size_t j = 0; j < l.out; ++j) EXPECT_EQ(d[l.bias + j], 0.0);
  }
  // Another seed, another direction; the same seed, the same one.
  EXPECT_NE(filter_normalized_direction(m, 6), d);
  EXPECT_EQ(filter_normalized_direction(m, 5), d);
}

// Every grid point against Mlp::evaluate at the point's own parameters.
void expect_plane_matches(const std::vector<std::size_t>& sizes) {
  Mlp<double> m(sizes);
  m.initialize(8);
  const Batch b = batch(2300, sizes.front(), sizes.back(), 6);  // more than one chunk of 1000
  const std::vector<double> d1 = filter_normalized_direction(m, 1);
  const std::vector<double> d2 = random_vector(m.parameter_count(), 2);  // biases moved too
  const std::vector<double> ss = {-1, -0.25, 0.5}, ts = {-0.5, 0, 1};
  std::size_t calls = 0;
  const SliceValues p = plane_landscape<double>(m, d1, d2, ss, ts, b.x, b.y,
                                                [&](std::size_t done, std::size_t total) {
                                                  EXPECT_EQ(total, 9u);
                                                  EXPECT_LE(done, total);
                                                  ++calls;
                                                });
  EXPECT_EQ(calls, 9u);
  ASSERT_EQ(p.loss.size(), 9u);
  for (std::size_t j = 0; j < ts.size(); ++j)
    for (std::size_t i = 0; i < ss.size(); ++i) {
      Mlp<double> at(m);
      for (std::size_t k = 0; k < m.parameter_count(); ++k)
        at.parameters()[k] = m.parameters()[k] + ss[i] * d1[k] + ts[j] * d2[k];
      const auto e = at.evaluate(b.x, b.y);
      // The first layer's products are combined rather than recomputed: equal up to rounding.
      EXPECT_NEAR(p.loss[j * 3 + i], e.loss, 1e-12 * e.loss) << ss[i] << ", " << ts[j];
      EXPECT_DOUBLE_EQ(p.accuracy[j * 3 + i], static_cast<double>(e.correct) / 2300.0);
    }
}

TEST(Landscape, PlaneMatchesDirectEvaluations) {
  expect_plane_matches({5, 3});        // softmax regression: one layer
  expect_plane_matches({5, 7, 6, 4});  // the first layer combined, the others evaluated
}

TEST(Landscape, FloatPlaneAgreesWithDouble) {
  Mlp<double> md({8, 6, 3});
  md.initialize(4);
  Mlp<float> mf({8, 6, 3});
  mf.initialize(4);
  const Batch b = batch(50, 8, 3, 1);
  const std::vector<float> xf(b.x.begin(), b.x.end());
  const std::vector<double> dd = filter_normalized_direction(md, 3);
  const std::vector<float> df = filter_normalized_direction(mf, 3);
  const std::vector<double> ss = {-0.5, 0.5}, ts = {0.25};
  const SliceValues pd = plane_landscape<double>(md, dd, dd, ss, ts, b.x, b.y);
  const SliceValues pf = plane_landscape<float>(mf, df, df, ss, ts, xf, b.y);
  for (std::size_t k = 0; k < 2; ++k) EXPECT_NEAR(pf.loss[k], pd.loss[k], 1e-5 * pd.loss[k]);
}

TEST(Landscape, LineMatchesDirectEvaluations) {
  Mlp<double> m({4, 5, 3});
  m.initialize(1);
  const Batch b = batch(40, 4, 3, 2);
  const std::vector<double> a(m.parameters().begin(), m.parameters().end());
  const std::vector<double> e = random_vector(a.size(), 8);
  const std::vector<double> ts = {-0.5, 0, 0.5, 1, 1.5};
  const SliceValues line = line_landscape<double>(m, a, e, ts, b.x, b.y);
  for (std::size_t k = 0; k < ts.size(); ++k) {
    Mlp<double> at(m);
    for (std::size_t i = 0; i < a.size(); ++i) at.parameters()[i] = a[i] + ts[k] * (e[i] - a[i]);
    EXPECT_NEAR(line.loss[k], at.evaluate(b.x, b.y).loss, 1e-15 * line.loss[k]) << ts[k];
  }
  const std::vector<double> short_end(a.size() - 1);
  EXPECT_THROW((void)line_landscape<double>(m, a, short_end, ts, b.x, b.y), std::invalid_argument);
}

TEST(Landscape, PcaPlaneOfIteratesOnAKnownPlane) {
  // Iterates c + u e1 + v e4 (plus a tiny third component along e6): the components are e1 and
  // e4, the first with the larger spread.
  const std::size_t n = 6;
  const std::vector<double> c = {1, 2, 3, 4, 5, 6};
  std::vector<std::vector<double>> its;
  // Three uncorrelated patterns (each of mean 0 after centring): the components are exact.
  const double shorter[8] = {1, -1, -1, 1, 1, -1, -1, 1};
  const double third[8] = {1, -1, -1, 1, -1, 1, 1, -1};
  for (int k = 0; k < 8; ++k) {
    std::vector<double> it = c;
    it[0] += 4.0 * (k - 7);  // the long axis, ending at the centre
    it[3] += shorter[k];
    it[5] += 1e-3 * third[k];
    its.push_back(it);
  }
  const PcaPlane p = pca_plane<double>(c, its);
  EXPECT_NEAR(p.d1[0], 1.0, 1e-12);
  EXPECT_NEAR(std::abs(p.d2[3]), 1.0, 1e-12);
  EXPECT_GT(p.explained[0], 0.9);
  EXPECT_GT(p.explained[0] + p.explained[1], 0.99999);
  EXPECT_LE(p.explained[0] + p.explained[1], 1.0 + 1e-12);
  double dot = 0;
  for (std::size_t i = 0; i < n; ++i) dot += p.d1[i] * p.d2[i];
  EXPECT_NEAR(dot, 0.0, 1e-12);
  // The coordinates are the projections of iterate - centre; the first iterate's are negative.
  EXPECT_NEAR(p.coordinates[0].first, -28.0, 1e-10);
  EXPECT_NEAR(p.coordinates.back().first, 0.0, 1e-10);
  EXPECT_NEAR(std::abs(p.coordinates[0].second), 1.0, 1e-10);
  // A line of iterates spans one dimension: no plane.
  std::vector<std::vector<double>> line = {c, c, c};
  line[1][0] += 1;
  line[2][0] += 2;
  EXPECT_THROW((void)pca_plane<double>(c, line), InputError);
  EXPECT_THROW((void)pca_plane<double>(c, {c, c}), InputError);
}

}  // namespace
}  // namespace descent::nn
