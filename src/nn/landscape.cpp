#include "descent/nn/landscape.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <string>

#include "descent/distributed.hpp"
#include "descent/error.hpp"
#include "descent/noise.hpp"
#include "descent/parallel.hpp"
#include "descent/theory.hpp"
#include "nn/blas.hpp"

namespace descent::nn {

namespace {

using detail::gemm;

template <class T>
void check_size(std::span<const T> v, std::size_t n, const char* what) {
  if (v.size() != n)
    throw std::invalid_argument(std::string("landscape: ") + what + " has " +
                                std::to_string(v.size()) + " values for " + std::to_string(n) +
                                " parameters");
}

void check_examples(std::size_t in, std::size_t xs, std::size_t ys) {
  if (ys == 0 || xs != ys * in)
    throw std::invalid_argument("landscape: " + std::to_string(xs) + " inputs for " +
                                std::to_string(ys) + " labels of " + std::to_string(in) +
                                " features");
}

// Calls `progress` as cells finish, one call at a time.
// distributed_map's progress as a LandscapeProgress of `total` cells.
std::function<void(std::size_t)> ticks(const LandscapeProgress& progress, std::size_t total) {
  if (!progress) return {};
  return [&progress, total](std::size_t done) { progress(done, total); };
}

// A cell's mean loss and correct count, as distributed_map's items carry them.
std::string cell_bytes(double loss, std::size_t correct) {
  return std::move(Bytes().put(loss).put<std::uint64_t>(correct)).release();
}
void read_cell(const std::string& bytes, std::size_t examples, double& loss, double& accuracy) {
  Bytes in(bytes);
  loss = in.take<double>();
  accuracy = static_cast<double>(in.take<std::uint64_t>()) / static_cast<double>(examples);
}

// Adds the mean cross-entropy and the correct count of the logits `z` (n x c, overwritten by
// their log-softmax) for labels y.
template <class T>
void score(T* z, std::size_t n, std::size_t c, const std::uint8_t* y, double& loss,
           std::size_t& correct) {
  for (std::size_t i = 0; i < n; ++i) {
    const T* row = z + i * c;
    correct += static_cast<std::size_t>(std::max_element(row, row + c) - row) == y[i];
  }
  detail::log_softmax(z, n, c);
  for (std::size_t i = 0; i < n; ++i) loss -= static_cast<double>(z[i * c + y[i]]);
}

}  // namespace

template <std::floating_point T>
std::vector<T> filter_normalized_direction(const Mlp<T>& model, std::uint64_t seed) {
  NormalSource normal(seed);
  std::vector<T> d(model.parameter_count());
  for (T& v : d) v = static_cast<T>(normal());
  const std::span<const T> w = model.parameters();
  for (const auto& l : model.layers()) {
    for (std::size_t r = 0; r < l.out; ++r) {
      const std::size_t row = l.weight + r * l.in;
      double wn = 0, dn = 0;
      for (std::size_t i = 0; i < l.in; ++i) {
        wn += static_cast<double>(w[row + i]) * static_cast<double>(w[row + i]);
        dn += static_cast<double>(d[row + i]) * static_cast<double>(d[row + i]);
      }
      const double scale = dn > 0 ? std::sqrt(wn / dn) : 0.0;
      for (std::size_t i = 0; i < l.in; ++i)
        d[row + i] = static_cast<T>(static_cast<double>(d[row + i]) * scale);
    }
    std::fill_n(d.begin() + static_cast<std::ptrdiff_t>(l.bias), l.out, T(0));
  }
  return d;
}

template <std::floating_point T>
SliceValues line_landscape(const Mlp<T>& model, std::span<const T> a, std::span<const T> b,
                           std::span<const double> ts, std::span<const T> x,
                           std::span<const std::uint8_t> y, const LandscapeProgress& progress) {
  const std::size_t n = model.parameter_count();
  check_size(a, n, "the line's start");
  check_size(b, n, "the line's end");
  check_examples(model.sizes().front(), x.size(), y.size());
  SliceValues out{std::vector<double>(ts.size()), std::vector<double>(ts.size())};
  const std::vector<std::string> parts = distributed_map(
      ts.size(),
      [&](std::size_t k) {
        Mlp<T> m(model);
        const std::span<T> p = m.parameters();
        for (std::size_t i = 0; i < n; ++i)
          p[i] = static_cast<T>(a[i] + static_cast<T>(ts[k]) * (b[i] - a[i]));
        const auto e = m.evaluate(x, y);
        return cell_bytes(e.loss, e.correct);
      },
      ticks(progress, ts.size()));
  for (std::size_t k = 0; k < ts.size(); ++k)
    read_cell(parts[k], y.size(), out.loss[k], out.accuracy[k]);
  return out;
}

template <std::floating_point T>
SliceValues plane_landscape(const Mlp<T>& model, std::span<const T> d1, std::span<const T> d2,
                            std::span<const double> ss, std::span<const double> ts,
                            std::span<const T> x, std::span<const std::uint8_t> y,
                            const LandscapeProgress& progress) {
  const std::size_t n = model.parameter_count();
  check_size(d1, n, "the first direction");
  check_size(d2, n, "the second direction");
  const std::size_t in = model.sizes().front(), classes = model.sizes().back();
  check_examples(in, x.size(), y.size());
  const std::size_t rows = y.size();
  const auto& layers = model.layers();
  const std::span<const T> c = model.parameters();
  // The first layer's pre-activations at the centre and along each direction, bias included.
  const auto& first = layers.front();
  std::vector<T> z[3];
  const T* src[3] = {c.data(), d1.data(), d2.data()};
  for (int k = 0; k < 3; ++k) {
    z[k].resize(rows * first.out);
    for (std::size_t i = 0; i < rows; ++i)
      std::copy_n(src[k] + first.bias, first.out, z[k].data() + i * first.out);
  }
  parallel_for(3, [&](std::size_t k) {
    gemm(false, true, rows, first.out, first.in, x.data(), in, src[k] + first.weight, first.in,
         T(1), z[k].data());
  });

  const std::size_t cells = ss.size() * ts.size();
  SliceValues out{std::vector<double>(cells), std::vector<double>(cells)};
  constexpr std::size_t kChunk = 1000;
  const auto compute = [&](std::size_t cell) {
    const T s = static_cast<T>(ss[cell % ss.size()]), t = static_cast<T>(ts[cell / ss.size()]);
    // The upper layers' parameters at this cell.
    std::vector<T> p(n - first.out * (first.in + 1));
    const std::size_t base = first.bias + first.out;
    for (std::size_t i = 0; i < p.size(); ++i)
      p[i] = c[base + i] + s * d1[base + i] + t * d2[base + i];
    std::vector<T> h, next;
    double loss = 0;
    std::size_t correct = 0;
    for (std::size_t r0 = 0; r0 < rows; r0 += kChunk) {
      const std::size_t m = std::min(kChunk, rows - r0);
      h.resize(m * first.out);
      const std::size_t off = r0 * first.out;
      for (std::size_t i = 0; i < h.size(); ++i)
        h[i] = z[0][off + i] + s * z[1][off + i] + t * z[2][off + i];
      for (std::size_t k = 1; k < layers.size(); ++k) {
        for (T& v : h) v = std::max(v, T(0));
        const auto& l = layers[k];
        next.resize(m * l.out);
        for (std::size_t i = 0; i < m; ++i)
          std::copy_n(p.data() + (l.bias - base), l.out, next.data() + i * l.out);
        gemm(false, true, m, l.out, l.in, h.data(), l.in, p.data() + (l.weight - base), l.in, T(1),
             next.data());
        h.swap(next);
      }
      score(h.data(), m, classes, y.data() + r0, loss, correct);
    }
    return cell_bytes(loss / static_cast<double>(rows), correct);
  };
  // The cells, over the ranks of a process group if one is installed (distributed.hpp).
  const std::vector<std::string> parts = distributed_map(cells, compute, ticks(progress, cells));
  for (std::size_t cell = 0; cell < cells; ++cell)
    read_cell(parts[cell], rows, out.loss[cell], out.accuracy[cell]);
  return out;
}

template <std::floating_point T>
PcaPlane pca_plane(std::span<const T> centre, const std::vector<std::vector<T>>& iterates) {
  const std::size_t rows = iterates.size(), n = centre.size();
  if (rows < 3) throw InputError("a PCA plane needs at least 3 iterates");
  for (const auto& it : iterates)
    if (it.size() != n)
      throw InputError("an iterate has " + std::to_string(it.size()) + " values for " +
                       std::to_string(n) + " parameters");
  // The rows iterate - centre, then centred on their mean.
  std::vector<double> mean(n, 0.0);
  for (const auto& it : iterates)
    for (std::size_t i = 0; i < n; ++i)
      mean[i] +=
          (static_cast<double>(it[i]) - static_cast<double>(centre[i])) / static_cast<double>(rows);
  std::vector<std::vector<double>> q(rows, std::vector<double>(n));
  for (std::size_t r = 0; r < rows; ++r)
    for (std::size_t i = 0; i < n; ++i)
      q[r][i] = static_cast<double>(iterates[r][i]) - static_cast<double>(centre[i]) - mean[i];
  std::vector<double> gram(rows * rows);
  parallel_for(rows, [&](std::size_t a) {
    for (std::size_t b = 0; b <= a; ++b) {
      double dot = 0;
      for (std::size_t i = 0; i < n; ++i) dot += q[a][i] * q[b][i];
      gram[a * rows + b] = dot;
    }
  });
  for (std::size_t a = 0; a < rows; ++a)
    for (std::size_t b = a + 1; b < rows; ++b) gram[a * rows + b] = gram[b * rows + a];
  std::vector<double> values;
  std::vector<std::vector<double>> vectors;
  symmetric_eigen(gram, rows, values, vectors);
  double total = 0;
  for (double v : values) total += std::max(v, 0.0);
  const double l1 = values[rows - 1], l2 = values[rows - 2];
  if (!(l1 > 0) || !(l2 > 1e-12 * l1))
    throw InputError("the iterates span fewer than two dimensions: no PCA plane through them");
  PcaPlane plane;
  plane.explained[0] = l1 / total;
  plane.explained[1] = l2 / total;
  std::vector<double>* dirs[2] = {&plane.d1, &plane.d2};
  for (int k = 0; k < 2; ++k) {
    const std::vector<double>& e = vectors[rows - 1 - static_cast<std::size_t>(k)];
    const double lambda = values[rows - 1 - static_cast<std::size_t>(k)];
    std::vector<double>& d = *dirs[k];
    d.assign(n, 0.0);
    for (std::size_t r = 0; r < rows; ++r)
      for (std::size_t i = 0; i < n; ++i) d[i] += e[r] * q[r][i];
    for (double& v : d) v /= std::sqrt(lambda);
    // A fixed sign: the first iterate lies on the negative side of each component.
    double first = 0;
    for (std::size_t i = 0; i < n; ++i)
      first += (static_cast<double>(iterates[0][i]) - static_cast<double>(centre[i])) * d[i];
    if (first > 0)
      for (double& v : d) v = -v;
  }
  for (const auto& it : iterates) {
    double a = 0, b = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const double r = static_cast<double>(it[i]) - static_cast<double>(centre[i]);
      a += r * plane.d1[i];
      b += r * plane.d2[i];
    }
    plane.coordinates.emplace_back(a, b);
  }
  return plane;
}

template <std::floating_point T>
Sharpness top_hessian_eigenvalue(const Mlp<T>& model, std::span<const T> x,
                                 std::span<const std::uint8_t> y, std::vector<T>& vector,
                                 std::size_t max_products, double tolerance, std::uint64_t seed) {
  const std::size_t n = model.parameter_count();
  if (max_products == 0) throw InputError("the power iteration needs at least one product");
  const auto norm = [](std::span<const T> v) {
    double s = 0;
    for (T e : v) s += static_cast<double>(e) * static_cast<double>(e);
    return std::sqrt(s);
  };
  if (vector.size() != n || !(norm(vector) > 0)) {
    NormalSource normal(seed);
    vector.resize(n);
    for (T& v : vector) v = static_cast<T>(normal());
  }
  double len = norm(vector);
  for (T& v : vector) v = static_cast<T>(static_cast<double>(v) / len);
  std::vector<T> hv(n);
  Sharpness s;
  double previous = 0;
  while (s.products < max_products) {
    (void)model.hessian_vector_product(x, y, vector, hv);
    ++s.products;
    double rayleigh = 0;
    for (std::size_t i = 0; i < n; ++i)
      rayleigh += static_cast<double>(vector[i]) * static_cast<double>(hv[i]);
    s.eigenvalue = rayleigh;
    len = norm(hv);
    if (!std::isfinite(len))
      throw InputError("the Hessian-vector product is not finite: no sharpness at this point");
    if (len == 0) {  // v is in the Hessian's null space: its eigenvalue is 0
      s.converged = true;
      break;
    }
    for (std::size_t i = 0; i < n; ++i)
      vector[i] = static_cast<T>(static_cast<double>(hv[i]) / len);
    if (s.products > 1 && std::abs(rayleigh - previous) <= tolerance * std::abs(rayleigh)) {
      s.converged = true;
      break;
    }
    previous = rayleigh;
  }
  return s;
}

#define DESCENT_LANDSCAPE(T)                                                                    \
  template std::vector<T> filter_normalized_direction(const Mlp<T>&, std::uint64_t);            \
  template SliceValues line_landscape(const Mlp<T>&, std::span<const T>, std::span<const T>,    \
                                      std::span<const double>, std::span<const T>,              \
                                      std::span<const std::uint8_t>, const LandscapeProgress&); \
  template SliceValues plane_landscape(const Mlp<T>&, std::span<const T>, std::span<const T>,   \
                                       std::span<const double>, std::span<const double>,        \
                                       std::span<const T>, std::span<const std::uint8_t>,       \
                                       const LandscapeProgress&);                               \
  template PcaPlane pca_plane(std::span<const T>, const std::vector<std::vector<T>>&);          \
  template Sharpness top_hessian_eigenvalue(const Mlp<T>&, std::span<const T>,                  \
                                            std::span<const std::uint8_t>, std::vector<T>&,     \
                                            std::size_t, double, std::uint64_t);
DESCENT_LANDSCAPE(float)
DESCENT_LANDSCAPE(double)
#undef DESCENT_LANDSCAPE

}  // namespace descent::nn
