#include "descent/optimizer.hpp"

#include <stdexcept>
#include <string>

namespace descent::detail {

void check_step_sizes(std::size_t n, std::size_t w, std::size_t g) {
  if (w != n || g != n)
    throw std::invalid_argument("optimizer step: state has " + std::to_string(n) +
                                " elements but w has " + std::to_string(w) + " and g has " +
                                std::to_string(g) + " (call reset(n) first)");
}

}  // namespace descent::detail
