#include "descent/functions/anisotropic.hpp"

#include <cmath>
#include <limits>
#include <memory>
#include <numbers>
#include <tuple>

#include "descent/detail/simd_map.hpp"
#include "functions/formulas.hpp"

namespace descent {

Anisotropic::Anisotropic(const AnisotropicParams& params) : p_(params) {
  check_params("function 'anisotropic'", anisotropic_info().params,
               ParamSet({{"ratio", p_.ratio}, {"angle", p_.angle}}));
  std::tie(c_, s_) = detail::valley_turn(p_.angle);
}

// On the axes (angle 0) the seed's arithmetic, otherwise in the turned coordinates.
double Anisotropic::value(std::span<const double> x) const {
  if (p_.angle == 0.0) return detail::AxisValleyFormula{p_.ratio}.value(x[0], x[1]);
  return detail::TurnedValleyFormula{p_.ratio, c_, s_}.value(x[0], x[1]);
}

double Anisotropic::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  if (p_.angle == 0.0) return detail::AxisValleyFormula{p_.ratio}(x[0], x[1], g[0], g[1]);
  return detail::TurnedValleyFormula{p_.ratio, c_, s_}(x[0], x[1], g[0], g[1]);
}

void Anisotropic::value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                           std::span<double> loss, std::span<double> g) const {
  detail::check_lanes(2, lanes, x.size(), loss.size(), g.size());
  const double* x1 = x.data() + lanes;
  double* g1 = g.data() + lanes;
  const auto lanes_of = [&](const auto formula) {
    detail::simd_map(
        simd(), lanes,
        [formula](const double& a, const double& b, double& f, double& ga, double& gb) {
          f = formula(a, b, ga, gb);
        },
        x.data(), x1, loss.data(), g.data(), g1);
  };
  if (p_.angle == 0.0)
    lanes_of(detail::AxisValleyFormula{p_.ratio});
  else
    lanes_of(detail::TurnedValleyFormula{p_.ratio, c_, s_});
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
