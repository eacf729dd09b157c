#include "descent/functions/anisotropic.hpp"

#include <cmath>
#include <limits>
#include <memory>
#include <numbers>

#include "kernels/map.hpp"

namespace descent {

Anisotropic::Anisotropic(const AnisotropicParams& params) : p_(params) {
  check_params("function 'anisotropic'", anisotropic_info().params,
               ParamSet({{"ratio", p_.ratio}, {"angle", p_.angle}}));
  const double rad = p_.angle * std::numbers::pi / 180.0;
  c_ = std::cos(rad);
  s_ = std::sin(rad);
}

namespace {

// The formula, written once for value_and_gradient and its lanes: on the axes (angle 0) the
// seed's arithmetic, otherwise in the turned coordinates (u, v).
inline double axis_value(double r, double x0, double x1) { return x0 * x0 + r * (x1 * x1); }
inline double axis_gradient(double r, double x0, double x1, double& g0, double& g1) {
  g0 = 2 * x0;
  g1 = (2 * r) * x1;
  return axis_value(r, x0, x1);
}
inline double turned_value(double r, double c, double s, double x0, double x1) {
  const double u = c * x0 + s * x1, v = -s * x0 + c * x1;
  return u * u + r * (v * v);
}
inline double turned_gradient(double r, double c, double s, double x0, double x1, double& g0,
                              double& g1) {
  const double u = c * x0 + s * x1, v = -s * x0 + c * x1;
  g0 = 2 * (c * u - r * s * v);
  g1 = 2 * (s * u + r * c * v);
  return u * u + r * (v * v);
}

}  // namespace

double Anisotropic::value(std::span<const double> x) const {
  if (p_.angle == 0.0) return axis_value(p_.ratio, x[0], x[1]);
  return turned_value(p_.ratio, c_, s_, x[0], x[1]);
}

double Anisotropic::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  if (p_.angle == 0.0) return axis_gradient(p_.ratio, x[0], x[1], g[0], g[1]);
  return turned_gradient(p_.ratio, c_, s_, x[0], x[1], g[0], g[1]);
}

void Anisotropic::value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                           std::span<double> loss, std::span<double> g) const {
  detail::check_lanes(2, lanes, x.size(), loss.size(), g.size());
  const double r = p_.ratio, c = c_, s = s_;
  const double* x1 = x.data() + lanes;
  double* g1 = g.data() + lanes;
  if (p_.angle == 0.0) {
    detail::simd_map(
        simd(), lanes,
        [r](const double& a, const double& b, double& f, double& ga, double& gb) {
          f = axis_gradient(r, a, b, ga, gb);
        },
        x.data(), x1, loss.data(), g.data(), g1);
  } else {
    detail::simd_map(
        simd(), lanes,
        [r, c, s](const double& a, const double& b, double& f, double& ga, double& gb) {
          f = turned_gradient(r, c, s, a, b, ga, gb);
        },
        x.data(), x1, loss.data(), g.data(), g1);
  }
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
