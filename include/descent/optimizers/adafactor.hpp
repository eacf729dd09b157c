// descent: Adafactor, a second moment factored into a row and a column vector per matrix.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "descent/tensorwise.hpp"

namespace descent {

/// Adafactor's step-size rules: torch.optim.Adafactor's (relative, with the 1/sqrt(t) cap) or
/// optax.adafactor's (lr times the parameters' scale).
enum class AdafactorStepSize { torch, optax };
inline constexpr std::string_view kAdafactorStepSizeNames[] = {"torch", "optax"};

struct AdafactorRule {
  static constexpr OptimizerDoc doc = {
      .name = "adafactor",
      .summary = "Adafactor: Adam's second moment as a row times a column vector, clipped steps",
      .rule =
          "beta_t = 1 - t^-decay;  q = g^2 + eps\n"
          "a matrix with min(rows, cols) >= factor_min_dim: r <- beta_t r + (1 - beta_t) "
          "row means of q;\n"
          "  c <- beta_t c + (1 - beta_t) column means of q;  v = r c^T / mean(r)\n"
          "otherwise v <- beta_t v + (1 - beta_t) q\n"
          "u = g / sqrt(v);  u <- u / max(1, rms(u) / clip)            (clip = 0: none)\n"
          "step_size=torch: a = max(eps_scale, rms(w)) * min(lr, 1/sqrt(t)); "
          "w <- w (1 - lr wd) - a u\n"
          "step_size=optax: a = lr * max(rms(w), eps_scale);  w <- w - a u - wd w",
      .source =
          "Shazeer & Stern 2018 (arXiv:1804.04235), algorithms 4 and 5 with update clipping "
          "and relative step size; torch.optim.Adafactor (2.5); optax.adafactor",
      .differs =
          "torch.optim.Adafactor is step_size=torch, except that it floors v at eps1^2 and "
          "mean(r) at eps1 (eps1: the dtype's machine epsilon) where descent adds eps to g^2: "
          "the two differ where rms(g) of a factored matrix is below about 3.5e-4 in float "
          "(1.5e-8 in double), or a gradient of a vector below 1.2e-7 in float. "
          "optax.adafactor is "
          "step_size=optax with factor_min_dim=128 (its default) and computes beta_t in float32; "
          "its momentum option is not offered. The paper's relative step is torch's with lr "
          "0.01. A vector (every point of the lab's functions) is never factored: Adafactor is "
          "then RMSProp with the decay schedule and clipped, scaled steps.",
      .family = Family::layerwise,
      .year = 2018};
  struct Params {
    double lr = 1e-2;
    AdafactorStepSize step_size = AdafactorStepSize::torch;
    double decay = 0.8, eps = 1e-30, eps_scale = 1e-3, clip = 1.0;
    int factor_min_dim = 2;
    double weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr, "learning rate (torch: the cap of the relative step)"),
      choice(&Params::step_size, "step_size", kAdafactorStepSizeNames,
             "torch: max(eps_scale, rms(w)) min(lr, 1/sqrt(t)); optax: lr max(rms(w), eps_scale)")
          .shown(),
      real(&Params::decay, "decay", 0.0, 1.0, "beta_t = 1 - t^-decay"),
      epsilon(&Params::eps, "added to g^2"),
      nonnegative(&Params::eps_scale, "eps_scale", "floor of rms(w) in the step size"),
      nonnegative(&Params::clip, "clip", "bound on rms(u) (0: no clipping)"),
      integer(&Params::factor_min_dim, "factor_min_dim", 2, 1 << 30,
              "factor a matrix whose smaller side is at least this"),
      nonnegative(&Params::weight_decay, "weight_decay", "decoupled (see step_size)")};
  static constexpr TensorArray arrays[] = {
      {"row_var", Extent::rows}, {"col_var", Extent::cols}, {"var"}};

  static bool factored(const Params& p, Shape s) {
    return s.matrix() && std::min(s.rows, s.cols) >= static_cast<std::size_t>(p.factor_min_dim);
  }
  /// Factored: the row and column vectors only; otherwise the full second moment only.
  static std::size_t array_size(const Params& p, std::size_t a, Shape s) {
    const bool f = factored(p, s);
    return a == 0 ? (f ? s.rows : 0) : a == 1 ? (f ? s.cols : 0) : (f ? 0 : s.size());
  }

  /// g / sqrt(v), and 0 where v is 0 (with eps = 0 and gradients of 0); NaN stays NaN.
  template <class T>
  static T scaled(T g, T v) {
    return v == 0 ? T(0) : g / std::sqrt(v);
  }

  template <class T>
  static void update(const Params& p, const TensorStep<T>& s, std::span<T> r, std::span<T> c,
                     std::span<T> v) {
    const auto t = static_cast<double>(s.t);
    const auto beta = static_cast<T>(1.0 - std::pow(t, -p.decay));
    const auto one_minus = static_cast<T>(std::pow(t, -p.decay));
    const auto eps = static_cast<T>(p.eps);
    const std::size_t rows = s.shape.rows, cols = s.shape.cols;
    std::vector<T> u(s.w.size());
    if (factored(p, s.shape)) {
      std::vector<double> col_sum(cols, 0.0);
      for (std::size_t i = 0; i < rows; ++i) {
        double row_sum = 0.0;
        for (std::size_t j = 0; j < cols; ++j) {
          const T q = s.g[i * cols + j] * s.g[i * cols + j] + eps;
          row_sum += q;
          col_sum[j] += q;
        }
        r[i] = beta * r[i] + one_minus * static_cast<T>(row_sum / static_cast<double>(cols));
      }
      double r_sum = 0.0;
      for (std::size_t j = 0; j < cols; ++j)
        c[j] = beta * c[j] + one_minus * static_cast<T>(col_sum[j] / static_cast<double>(rows));
      for (std::size_t i = 0; i < rows; ++i) r_sum += r[i];
      const auto r_mean = static_cast<T>(r_sum / static_cast<double>(rows));
      for (std::size_t i = 0; i < rows; ++i)
        for (std::size_t j = 0; j < cols; ++j)
          u[i * cols + j] = scaled(s.g[i * cols + j], r_mean == 0 ? T(0) : r[i] / r_mean * c[j]);
    } else {
      for (std::size_t i = 0; i < u.size(); ++i) {
        v[i] = beta * v[i] + one_minus * (s.g[i] * s.g[i] + eps);
        u[i] = scaled(s.g[i], v[i]);
      }
    }
    const double n = static_cast<double>(u.size());
    const double u_rms = norm<T>(u) / std::sqrt(n), w_rms = norm<T>(s.w) / std::sqrt(n);
    const double clipped = p.clip > 0 ? std::max(1.0, u_rms / p.clip) : 1.0;
    const bool torch = p.step_size == AdafactorStepSize::torch;
    const double a = torch ? std::max(p.eps_scale, w_rms) * std::min(p.lr, 1.0 / std::sqrt(t))
                           : p.lr * std::max(w_rms, p.eps_scale);
    const auto step = static_cast<T>(a / clipped);
    const auto keep = static_cast<T>(torch ? 1.0 - p.lr * p.weight_decay : 1.0);
    const auto wd = static_cast<T>(torch ? 0.0 : p.weight_decay);
    for (std::size_t i = 0; i < u.size(); ++i) s.w[i] = keep * s.w[i] - step * u[i] - wd * s.w[i];
  }
};

template <std::floating_point T>
using Adafactor = Tensorwise<AdafactorRule, T>;

}  // namespace descent
