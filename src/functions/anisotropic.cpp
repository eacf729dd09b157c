#include "descent/functions/anisotropic.hpp"

#include <cmath>
#include <limits>
#include <memory>
#include <numbers>

namespace descent {

Anisotropic::Anisotropic(const AnisotropicParams& params) : p_(params) {
  check_params("function 'anisotropic'", anisotropic_info().params,
               ParamSet({{"ratio", p_.ratio}, {"angle", p_.angle}}));
  const double rad = p_.angle * std::numbers::pi / 180.0;
  c_ = std::cos(rad);
  s_ = std::sin(rad);
}

double Anisotropic::value(std::span<const double> x) const {
  if (p_.angle == 0.0) return x[0] * x[0] + p_.ratio * (x[1] * x[1]);
  const double u = c_ * x[0] + s_ * x[1], v = -s_ * x[0] + c_ * x[1];
  return u * u + p_.ratio * (v * v);
}

double Anisotropic::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  if (p_.angle == 0.0) {
    g[0] = 2 * x[0];
    g[1] = (2 * p_.ratio) * x[1];
    return value(x);
  }
  const double u = c_ * x[0] + s_ * x[1], v = -s_ * x[0] + c_ * x[1];
  g[0] = 2 * (c_ * u - p_.ratio * s_ * v);
  g[1] = 2 * (s_ * u + p_.ratio * c_ * v);
  return u * u + p_.ratio * (v * v);
}

bool Anisotropic::hessian(std::span<const double>, std::span<double> h) const {
  const double r = p_.ratio;
  h[0] = 2 * (c_ * c_ + r * s_ * s_);
  h[1] = h[2] = 2 * (c_ * s_ - r * s_ * c_);
  h[3] = 2 * (s_ * s_ + r * c_ * c_);
  return true;
}

std::string Anisotropic::spec() const {
  return format_spec("anisotropic", anisotropic_info().params,
                     ParamSet({{"ratio", p_.ratio}, {"angle", p_.angle}}));
}

std::string Anisotropic::formula() const {
  const std::string base = "w1^2 + " + format_double(p_.ratio) + "*w2^2";
  return p_.angle == 0.0 ? base : base + ", turned by " + format_double(p_.angle) + " degrees";
}

const FunctionInfo& anisotropic_info() {
  static const FunctionInfo info{
      "anisotropic",
      "the seed's narrow valley w1^2 + ratio*w2^2 (condition number max(ratio, 1/ratio)), "
      "optionally turned by angle",
      {real_param("ratio", AnisotropicParams{}.ratio, 0.0, std::numeric_limits<double>::infinity(),
                  "curvature ratio of w2 to w1", false, false, true),
       real_param("angle", 0.0, -360.0, 360.0, "rotation of the valley off the axes, in degrees")},
      [](const ParamSet& s) -> std::unique_ptr<Objective> {
        return std::make_unique<Anisotropic>(
            AnisotropicParams{.ratio = s.get("ratio"), .angle = s.get("angle")});
      }};
  return info;
}

}  // namespace descent
