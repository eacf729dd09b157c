// The exact Hessian: one forward pass on hyper-dual numbers per entry of its upper triangle.
#include <cstddef>
#include <span>
#include <vector>

#include "descent/expression.hpp"
#include "expression/hyper.hpp"
#include "expression/ops.hpp"
#include "expression/tape.hpp"

namespace descent {

bool Expression::hessian(std::span<const double> x, std::span<double> h) const {
  using namespace detail::expression;
  const Tape& t = *tape_;
  const std::size_t d = t.dim;
  std::vector<Hyper> v(t.nodes.size());
  // Seeded with directions e_i and e_j, the last node's d12 is d2f/dxi dxj.
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i; j < d; ++j) {
      for (std::size_t k = 0; k < t.nodes.size(); ++k) {
        const Node& nd = t.nodes[k];
        if (nd.op == Op::variable) {
          const std::size_t var = var_index(nd);
          v[k] = {x[var], var == i ? 1.0 : 0.0, var == j ? 1.0 : 0.0, 0.0};
        } else {
          v[k] = hyper(nd.op, v[nd.a], binary(nd.op) ? v[nd.b] : Hyper{}, nd.c);
        }
      }
      h[i * d + j] = h[j * d + i] = v.back().d12;
    }
  return true;
}

}  // namespace descent
