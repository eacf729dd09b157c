#include "descent/functions/isotropic.hpp"

#include <memory>

namespace descent {

double Isotropic::value(std::span<const double> x) const { return x[0] * x[0] + x[1] * x[1]; }

double Isotropic::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  g[0] = 2 * x[0];
  g[1] = 2 * x[1];
  return value(x);
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
