#include "functions/formulas.hpp"

#include "descent/functions/anisotropic.hpp"
#include "descent/functions/isotropic.hpp"

namespace descent::detail {

std::optional<Formula2> formula2_of(const Objective& f) {
  if (dynamic_cast<const Isotropic*>(&f) != nullptr) return AxisValleyFormula{1.0};
  if (const auto* a = dynamic_cast<const Anisotropic*>(&f)) {
    const AnisotropicParams& p = a->params();
    if (p.angle == 0.0) return AxisValleyFormula{p.ratio};
    const auto [c, s] = valley_turn(p.angle);
    return TurnedValleyFormula{p.ratio, c, s};
  }
  return std::nullopt;
}

}  // namespace descent::detail
