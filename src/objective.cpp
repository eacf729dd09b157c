#include "descent/objective.hpp"

#include <vector>

namespace descent {

double Objective::value(std::span<const double> x) const {
  std::vector<double> g(dim());
  return value_and_gradient(x, g);
}

}  // namespace descent
