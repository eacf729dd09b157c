// descent: the shape of a parameter tensor.
#pragma once

#include <cstddef>

namespace descent {

/// The shape of a parameter tensor: rows x cols, row-major. A vector of n is n x 1; a layer's
/// weight is out x in (torch.nn.Linear's layout). Optimizers that see a tensor whole (Muon's
/// orthogonalisation, LAMB's and LARS's norms; tensorwise.hpp) step each tensor by its shape;
/// the others ignore it.
struct Shape {
  std::size_t rows = 0, cols = 1;
  constexpr std::size_t size() const { return rows * cols; }
  /// Both dimensions above 1.
  constexpr bool matrix() const { return rows > 1 && cols > 1; }
  friend constexpr bool operator==(const Shape&, const Shape&) = default;
};

}  // namespace descent
