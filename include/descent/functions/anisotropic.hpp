// descent: the seed's anisotropic bowl, a narrow valley along w1, optionally turned.
//
//     f(w) = u^2 + r * v^2,   (u, v) = (c w1 + s w2, -s w1 + c w2),   c = cos(angle), s =
//     sin(angle) grad f = 2 (c u - r s v, s u + r c v),   Hessian = 2 R^T diag(1, r) R
//
// Parameters: r = `ratio` (default 8, the seed's), > 0; `angle` in degrees (default 0) turns the
// valley's long axis from w1 towards w2. Minimizer (0, 0), minimum 0. The condition number is
// max(r, 1/r): the larger it is, the more gradient descent zig-zags across the valley. Turning the
// valley off the axes takes away what per-coordinate methods (RMSProp, Adagrad, Adam) exploit,
// while momentum does not care. Default start (1, 1), plotted on [-2, 2]^2.
//
// With angle 0 it is evaluated as w1*w1 + r*(w2*w2) with gradient (2*w1, (2*r)*w2), the seed's own
// arithmetic, so that runs reproduce the seed's numbers bit for bit.
#pragma once

#include "descent/objective.hpp"

namespace descent {

struct AnisotropicParams {
  double ratio = 8.0;  ///< curvature ratio r of w2 to w1, > 0
  double angle = 0.0;  ///< rotation of the valley in degrees
};

class Anisotropic final : public Objective {
 public:
  /// Throws InputError if ratio is not > 0.
  explicit Anisotropic(const AnisotropicParams& params = {});
  std::size_t dim() const override { return 2; }
  double value(std::span<const double> x) const override;
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override;
  void value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                std::span<double> loss, std::span<double> g) const override;
  std::string spec() const override;
  std::string formula() const override;
  std::vector<std::vector<double>> minimizers() const override { return {{0.0, 0.0}}; }
  std::optional<double> minimum() const override { return 0.0; }
  std::vector<double> default_start() const override { return {1.0, 1.0}; }
  Box bounds() const override { return {{-2.0, -2.0}, {2.0, 2.0}}; }
  bool hessian(std::span<const double> x, std::span<double> h) const override;
  const AnisotropicParams& params() const { return p_; }

 private:
  AnisotropicParams p_;
  double c_ = 1.0, s_ = 0.0;
};

/// The registry entry of `anisotropic`.
const FunctionInfo& anisotropic_info();

}  // namespace descent
