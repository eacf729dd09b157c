// descent: SM3, Adagrad with one accumulator per row and per column of a matrix.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "descent/tensorwise.hpp"

namespace descent {

struct Sm3Rule {
  static constexpr OptimizerDoc doc = {
      .name = "sm3",
      .summary = "SM3: Adagrad's sum of g^2 covered by a row and a column maximum (sublinear)",
      .rule =
          "per element (i, j): a = g^2 + min(r_i, c_j)\n"
          "u = g / sqrt(a + eps) (0 where a = 0);  m <- momentum * m + (1 - momentum) * u\n"
          "w <- w - lr * m\n"
          "r_i <- max over j of a;  c_j <- max over i of a",
      .source = "Anil et al. 2019 (arXiv:1901.11150), SM3-II with momentum; optax.sm3",
      .differs =
          "optax.sm3 is the same (its learning rate has no default; it keeps one accumulator "
          "per axis of higher-rank tensors as well). The paper's SM3-I adds max g^2 to each "
          "cover's sum instead. A vector is an n x 1 matrix: min(r_i, c) = r_i, so on the "
          "lab's functions SM3 is Adagrad with eps inside the root and a momentum.",
      .family = Family::layerwise,
      .year = 2019};
  struct Params {
    double lr = 0.1, momentum = 0.9, eps = 1e-8;
  };
  static constexpr auto fields =
      std::tuple{learning_rate(&Params::lr),
                 rate(&Params::momentum, "momentum", "decay of the average of the steps m"),
                 epsilon(&Params::eps, "added to a inside the root")};
  static constexpr TensorArray arrays[] = {
      {"row_acc", Extent::rows}, {"col_acc", Extent::cols}, {"momentum"}};
  /// max(x, y) and min(x, y), NaN if either is (std::max and std::min drop a NaN second
  /// argument; jnp.maximum and jnp.minimum keep it); compares and blends, so that the loop below
  /// still vectorizes (written as nan_max is, nan_min measured 1.5x slower). v != v tests for
  /// NaN.
  template <class T>
  static T nan_max(T x, T y) {
    return x > y || x != x ? x : y;  // NOLINT(misc-redundant-expression)
  }
  template <class T>
  static T nan_min(T x, T y) {
    return y != y ? y : std::min(x, y);  // NOLINT(misc-redundant-expression)
  }
  template <class T>
  static void update(const Params& p, const TensorStep<T>& s, std::span<T> r, std::span<T> c,
                     std::span<T> m) {
    const std::size_t rows = s.shape.rows, cols = s.shape.cols;
    const auto beta = static_cast<T>(p.momentum), keep = static_cast<T>(1.0 - p.momentum);
    const auto eps = static_cast<T>(p.eps), lr = static_cast<T>(p.lr);
    std::vector<T> new_c(cols, T(0));
    for (std::size_t i = 0; i < rows; ++i) {
      T new_r = 0;
      for (std::size_t j = 0; j < cols; ++j) {
        const std::size_t k = i * cols + j;
        const T a = s.g[k] * s.g[k] + nan_min(r[i], c[j]);
        const T u = a == 0 ? T(0) : s.g[k] / std::sqrt(a + eps);
        m[k] = keep * u + beta * m[k];
        s.w[k] -= lr * m[k];
        new_r = nan_max(new_r, a);
        new_c[j] = nan_max(new_c[j], a);
      }
      r[i] = new_r;
    }
    std::copy(new_c.begin(), new_c.end(), c.begin());
  }
};

template <std::floating_point T>
using Sm3 = Tensorwise<Sm3Rule, T>;

}  // namespace descent
