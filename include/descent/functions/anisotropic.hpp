// descent: the seed's anisotropic bowl, a narrow valley along w1.
//
//     f(w) = w1^2 + r * w2^2,   grad f = (2 w1, 2 r w2),   Hessian = diag(2, 2 r)
//
// Parameter r = `ratio` (default 8, the seed's), > 0. Minimizer (0, 0), minimum 0. The condition
// number is max(r, 1/r): the larger it is, the more gradient descent zig-zags across the valley.
// Default start (1, 1), plotted on [-2, 2]^2.
//
// Evaluated as w1*w1 + r*(w2*w2) with gradient (2*w1, (2*r)*w2), the seed's own arithmetic, so that
// runs reproduce the seed's numbers bit for bit.
#pragma once

#include "descent/objective.hpp"

namespace descent {

struct AnisotropicParams {
  double ratio = 8.0;  ///< curvature ratio r of w2 to w1, > 0
};

class Anisotropic final : public Objective {
 public:
  /// Throws InputError if ratio is not > 0.
  explicit Anisotropic(const AnisotropicParams& params = {});
  std::size_t dim() const override { return 2; }
  double value(std::span<const double> x) const override;
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override;
  std::string spec() const override;
  std::string formula() const override;
  std::vector<std::vector<double>> minimizers() const override { return {{0.0, 0.0}}; }
  std::optional<double> minimum() const override { return 0.0; }
  std::vector<double> default_start() const override { return {1.0, 1.0}; }
  Box bounds() const override { return {{-2.0, -2.0}, {2.0, 2.0}}; }
  const AnisotropicParams& params() const { return p_; }

 private:
  AnisotropicParams p_;
};

/// The registry entry of `anisotropic`.
const FunctionInfo& anisotropic_info();

}  // namespace descent
