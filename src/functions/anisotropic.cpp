#include "descent/functions/anisotropic.hpp"

#include <limits>
#include <memory>

namespace descent {

Anisotropic::Anisotropic(const AnisotropicParams& params) : p_(params) {
  check_params("function 'anisotropic'", anisotropic_info().params,
               ParamSet({{"ratio", p_.ratio}}));
}

double Anisotropic::value(std::span<const double> x) const {
  return x[0] * x[0] + p_.ratio * (x[1] * x[1]);
}

double Anisotropic::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  g[0] = 2 * x[0];
  g[1] = (2 * p_.ratio) * x[1];
  return value(x);
}

std::string Anisotropic::spec() const {
  return format_spec("anisotropic", anisotropic_info().params, ParamSet({{"ratio", p_.ratio}}));
}

std::string Anisotropic::formula() const { return "w1^2 + " + format_double(p_.ratio) + "*w2^2"; }

const FunctionInfo& anisotropic_info() {
  static const FunctionInfo info{
      "anisotropic",
      "the seed's narrow valley w1^2 + ratio*w2^2 (condition number max(ratio, 1/ratio))",
      {real_param("ratio", AnisotropicParams{}.ratio, 0.0, std::numeric_limits<double>::infinity(),
                  "curvature ratio of w2 to w1", false, false, true)},
      [](const ParamSet& s) -> std::unique_ptr<Objective> {
        return std::make_unique<Anisotropic>(AnisotropicParams{.ratio = s.get("ratio")});
      }};
  return info;
}

}  // namespace descent
