// Private: a parsed expression. Its tape lists the nodes in the order they are computed, each
// operation after its operands; the last node is the expression's value. The tape never changes
// after parsing, so the copies of an Expression share it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "expression/ops.hpp"

namespace descent::detail::expression {

// A slot's rows in the lane passes (lanes.cpp): the row of its values (constants and
// operations), of its adjoints (variables and operations) and of its stored partials (a, then b
// at +1), or -1. For each contribution the backward pass makes: whether it is folded (its target's
// adjoint is the same number at every point, filled once) and otherwise whether it is the first
// to reach its target (then it initializes the row). A variable whose adjoint is its gradient
// (it occurs once and its adjoint is not fixed) has the backward pass write g's row `gradient`.
struct LaneSlot {
  std::int32_t value = -1, adjoint = -1, partials = -1, gradient = -1;
  bool first_a = false, first_b = false, folded_a = false, folded_b = false;
};

// The layout of the lane passes' rows, planned once after parsing.
struct LanePlan {
  std::vector<LaneSlot> slots;  ///< per node
  std::size_t rows = 0;
  // The adjoints that are the same number at every point (the output's seed, 1, and those whose
  // every contribution is a fixed weight times a fixed partial): (row, value), filled once.
  std::vector<std::pair<std::int32_t, double>> fixed_adjoints;
  // Per entry of Tape::variables: whether it is the first, in the backward order, to add to its
  // variable's gradient (then it sets it). And the variables the text does not use (gradient 0).
  std::vector<bool> gradient_first;
  std::vector<std::uint32_t> unused_variables;
  // Names this tape for the rows of constants and fixed adjoints, which stay filled between
  // calls on one thread.
  std::uint64_t id = 0;
};

struct Tape {
  std::string text;  ///< as written, less surrounding blanks
  std::vector<Node> nodes;
  std::vector<std::uint32_t> operations;  ///< the nodes that are neither constants nor variables
  std::vector<std::pair<std::uint32_t, double>> constants;         ///< (slot, value)
  std::vector<std::pair<std::uint32_t, std::uint32_t>> variables;  ///< (slot, variable index)
  std::size_t dim = 1;  ///< the highest variable index used, plus 1
  LanePlan lanes;
};

/// The tape of `text` (parser.cpp): its nodes with constants folded, its slots sorted by kind,
/// its dimension; not its lane plan. Throws InputError with the column of the problem.
Tape parse(std::string_view text);

/// The rows of the lane passes for `tape` (lanes.cpp).
LanePlan plan_lanes(const Tape& tape);

}  // namespace descent::detail::expression
