// descent: Muon, momentum orthogonalised by a Newton-Schulz iteration.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

#include "descent/tensorwise.hpp"

namespace descent {

namespace detail {
/// Replaces the rows x cols matrix `x` (row-major) by its Newton-Schulz orthogonalisation:
/// x / (|x|_F + eps), then `steps` times x <- a x + (b A + c A^2) x with A = x x^T, computed on
/// the wide orientation (x^T when rows > cols) and the quintic's coefficients (a, b, c) =
/// (3.4445, -4.7750, 2.0315). Matrix products by Eigen and OpenBLAS (src/optimizers/muon.cpp).
template <class T>
void newton_schulz(std::span<T> x, Shape shape, int steps, double eps);
extern template void newton_schulz<float>(std::span<float>, Shape, int, double);
extern template void newton_schulz<double>(std::span<double>, Shape, int, double);
}  // namespace detail

struct MuonRule {
  static constexpr OptimizerDoc doc = {
      .name = "muon",
      .summary = "Muon: the momentum of a matrix, orthogonalised (U V^T of its SVD, roughly)",
      .rule =
          "m <- beta * m + (1 - beta) * g\n"
          "u = beta * m / (1 - beta^(t+1)) + (1 - beta) * g / (1 - beta^t)   (nesterov; "
          "else m / (1 - beta^t); no divisions without bias_correction)\n"
          "O = newton_schulz(u), ns_steps quintic steps after u / (|u|_F + eps)\n"
          "s = consistent_rms * sqrt(max(rows, cols)) if consistent_rms > 0, else "
          "sqrt(max(1, rows / cols))\n"
          "w <- w - lr * (s * O + weight_decay * w)",
      .source =
          "Jordan et al. 2024 (github.com/KellerJordan/Muon); update-RMS scaling: Liu et al. "
          "2025 (arXiv:2502.16982); optax.contrib.muon",
      .differs =
          "optax.contrib.muon is the same on a matrix stored in x out (descent stores out x in, "
          "torch's layout); optax steps non-matrix tensors with AdamW, descent steps what it is "
          "given (pick groups in `descent train`). torch.optim.Muon (2.9) takes no bias "
          "correction (bias_correction=false), eps 1e-7, lr 1e-3 and multiplies w by "
          "1 - lr*weight_decay first. A vector of n is an n x 1 matrix: its step is the "
          "normalised momentum times about sqrt(n).",
      .family = Family::layerwise,
      .year = 2024};
  struct Params {
    double lr = 0.02, beta = 0.95;
    bool nesterov = true, bias_correction = true;
    int ns_steps = 5;
    double eps = 1e-8, weight_decay = 0.0, consistent_rms = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr),
      rate(&Params::beta, "beta", "decay of the momentum m").shown(),
      flag(&Params::nesterov, "nesterov", "orthogonalise Nesterov's look-ahead of m"),
      flag(&Params::bias_correction, "bias_correction", "divide by 1 - beta^t as optax does"),
      integer(&Params::ns_steps, "ns_steps", 1, 50, "Newton-Schulz steps"),
      epsilon(&Params::eps, "added to |u|_F before the iteration"),
      nonnegative(&Params::weight_decay, "weight_decay", "decoupled, times lr"),
      nonnegative(&Params::consistent_rms, "consistent_rms",
                  "update RMS to match (0.2: AdamW's); 0: sqrt(max(1, rows/cols))")};
  static constexpr TensorArray arrays[] = {{"momentum"}};
  template <class T>
  static void update(const Params& p, const TensorStep<T>& s, std::span<T> m) {
    const auto t = static_cast<double>(s.t);
    const auto bias = [&](double k) { return p.bias_correction ? 1.0 - std::pow(p.beta, k) : 1.0; };
    const auto beta = static_cast<T>(p.beta), c = static_cast<T>(1.0 - p.beta);
    const auto b_now = static_cast<T>(bias(t)), b_next = static_cast<T>(bias(t + 1));
    std::vector<T> u(s.w.size());
    for (std::size_t i = 0; i < u.size(); ++i) {
      m[i] = c * s.g[i] + beta * m[i];
      u[i] = p.nesterov ? beta * (m[i] / b_next) + c * (s.g[i] / b_now) : m[i] / b_now;
    }
    detail::newton_schulz<T>(u, s.shape, p.ns_steps, p.eps);
    const double rows = static_cast<double>(s.shape.rows), cols = static_cast<double>(s.shape.cols);
    const auto scale =
        static_cast<T>(p.consistent_rms > 0 ? p.consistent_rms * std::sqrt(std::max(rows, cols))
                                            : std::sqrt(std::max(1.0, rows / cols)));
    const auto lr = static_cast<T>(p.lr), wd = static_cast<T>(p.weight_decay);
    for (std::size_t i = 0; i < u.size(); ++i) s.w[i] -= lr * (scale * u[i] + wd * s.w[i]);
  }
};

template <std::floating_point T>
using Muon = Tensorwise<MuonRule, T>;

}  // namespace descent
