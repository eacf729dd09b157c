#include "descent/functions/isotropic.hpp"

#include <memory>

#include "descent/detail/simd_map.hpp"
#include "functions/formulas.hpp"

namespace descent {

double Isotropic::value(std::span<const double> x) const { return x[0] * x[0] + x[1] * x[1]; }

double Isotropic::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  return detail::AxisValleyFormula{1.0}(x[0], x[1], g[0], g[1]);
}

void Isotropic::value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                         std::span<double> loss, std::span<double> g) const {
  detail::check_lanes(2, lanes, x.size(), loss.size(), g.size());
  detail::simd_map(
      simd(), lanes,
      [](const double& a, const double& b, double& f, double& ga, double& gb) {
        f = detail::AxisValleyFormula{1.0}(a, b, ga, gb);
      },
      x.data(), x.data() + lanes, loss.data(), g.data(), g.data() + lanes);
}

bool Isotropic::hessian(std::span<const double>, std::span<double> h) const {
  h[0] = 2;
  h[1] = 0;
  h[2] = 0;
  h[3] = 2;
  return true;
}

const FunctionInfo& isotropic_info() {
  static const FunctionInfo info{
      "isotropic",
      "the seed's round bowl w1^2 + w2^2 (condition number 1)",
      {},
      [](const ParamSet&) -> std::unique_ptr<Objective> { return std::make_unique<Isotropic>(); }};
  return info;
}

}  // namespace descent
