// Many points at once (value_and_gradient_lanes): the tape walked once for all lanes, each
// operation's loop vectorized across the points, every point getting bit for bit what
// value_and_gradient gives it.
//
// The values, adjoints and stored partials are rows of `lanes` doubles, laid out once after
// parsing (plan_lanes). The forward pass writes each operation's row of values and, for the
// operations whose partials are not cheap, its rows of partials; the backward pass adds the
// adjoints through the partials in value_and_gradient's order.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "descent/detail/simd_map.hpp"
#include "descent/expression.hpp"
#include "descent/simd.hpp"
#include "expression/ops.hpp"
#include "expression/tape.hpp"

namespace descent::detail::expression {

namespace {

// The operations whose partials are cheap to get again from their operands (Def<O>::
// cheap_partials: arithmetic, comparisons, abs) store only their values: the backward pass
// computes their partials again with the same evaluate<O, true>, which gives the same numbers.
// The others (powers and transcendental functions) store their partials in the forward pass.
template <Op O>
void forward_lanes(Simd level, std::size_t lanes, const double* a, const double* b, double c,
                   double* r, double* pa, double* pb) {
  if constexpr (Def<O>::cheap_partials) {
    (void)pa;
    (void)pb;
    detail::simd_map(
        level, lanes,
        [c](const double& x, const double& y, double& out) { out = apply<O>(x, y, c); }, a, b, r);
  } else {
    detail::simd_map(
        level, lanes,
        [c](const double& x, const double& y, double& out, double& da, double& db) {
          double ta = 0, tb = 0;
          out = evaluate<O, true>(x, y, c, ta, tb);
          da = ta;
          db = tb;
        },
        a, b, r, pa, pb);
  }
}

// to += w * partial where the one-point pass adds it (w != 0 and partial != 0), else unchanged:
// adding a zero would turn -0 into +0, and 0 * inf would add a NaN. `Which` is 0 for operand a,
// 1 for operand b. With `first`, `to` has not been written yet and stands for the one-point
// pass's zero: it becomes 0 + w*partial or 0.
template <Op O, int Which, bool First>
void backward_lanes(Simd level, std::size_t lanes, const double* w, const double* a,
                    const double* b, double c, const double* stored, double* to) {
  if constexpr (Def<O>::cheap_partials) {
    (void)stored;
    detail::simd_map(
        level, lanes,
        [c](const double& wj, const double& x, const double& y, double& t) {
          double da = 0, db = 0;
          (void)evaluate<O, true>(x, y, c, da, db);
          const double p = Which == 0 ? da : db;
          const double old = First ? 0.0 : t;
          t = (wj != 0.0 && p != 0.0) ? old + wj * p : old;
        },
        w, a, b, to);
  } else {
    (void)a;
    (void)b;
    (void)c;
    detail::simd_map(
        level, lanes,
        [](const double& wj, const double& p, double& t) {
          const double old = First ? 0.0 : t;
          t = (wj != 0.0 && p != 0.0) ? old + wj * p : old;
        },
        w, stored, to);
  }
}

using ForwardLanes = void (*)(Simd, std::size_t, const double*, const double*, double, double*,
                              double*, double*);
using BackwardLanes = void (*)(Simd, std::size_t, const double*, const double*, const double*,
                               double, const double*, double*);

template <std::size_t... I>
constexpr std::array<ForwardLanes, sizeof...(I)> forward_table(std::index_sequence<I...>) {
  return {&forward_lanes<static_cast<Op>(I)>...};
}
template <int Which, bool First, std::size_t... I>
constexpr std::array<BackwardLanes, sizeof...(I)> backward_table(std::index_sequence<I...>) {
  return {&backward_lanes<static_cast<Op>(I), Which, First>...};
}

constexpr auto kOps = std::make_index_sequence<kOpCount>();
constexpr auto kForwardLanes = forward_table(kOps);
// Indexed by [first][op].
constexpr std::array<std::array<BackwardLanes, kOpCount>, 2> kBackwardA = {
    backward_table<0, false>(kOps), backward_table<0, true>(kOps)};
constexpr std::array<std::array<BackwardLanes, kOpCount>, 2> kBackwardB = {
    backward_table<1, false>(kOps), backward_table<1, true>(kOps)};

void value_and_gradient_lanes(const Tape& t, std::size_t lanes, std::span<const double> x,
                              std::span<double> loss, std::span<double> g) {
  detail::check_lanes(t.dim, lanes, x.size(), loss.size(), g.size());
  const std::size_t n = t.nodes.size();
  if (n == 0 || lanes == 0) return;
  const LanePlan& plan = t.lanes;
  // The rows, shared by the tapes run on this thread. The rows of constants and the output's
  // seed (1) are never written by the passes, so they stay filled until another tape, or another
  // number of lanes, uses the rows.
  struct Rows {
    std::vector<double> values;
    std::uint64_t filled_for = 0;
    std::size_t lanes = 0;
  };
  thread_local Rows storage;
  if (storage.values.size() < plan.rows * lanes) {
    storage.values.resize(plan.rows * lanes);
    storage.filled_for = 0;
  }
  const auto row = [&](std::int32_t r) {
    return storage.values.data() + static_cast<std::size_t>(r) * lanes;
  };
  const auto value = [&](std::uint32_t slot) -> const double* {
    const LaneSlot& s = plan.slots[slot];
    return s.value >= 0 ? row(s.value) : x.data() + var_index(t.nodes[slot]) * lanes;
  };
  // A slot's adjoints: its row, or g's row for a variable whose adjoint is its gradient.
  const auto adjoint = [&](std::uint32_t slot) -> double* {
    const LaneSlot& s = plan.slots[slot];
    return s.gradient >= 0 ? g.data() + static_cast<std::size_t>(s.gradient) * lanes
                           : row(s.adjoint);
  };
  if (storage.filled_for != plan.id || storage.lanes != lanes) {
    for (const auto& [slot, c] : t.constants) std::fill_n(row(plan.slots[slot].value), lanes, c);
    for (const auto& [r, c] : plan.fixed_adjoints) std::fill_n(row(r), lanes, c);
    storage.filled_for = plan.id;
    storage.lanes = lanes;
  }
  const Simd level = simd();
  // The last operation is the output, which no other reads: it writes the loss directly.
  for (const std::uint32_t i : t.operations) {
    const Node& nd = t.nodes[i];
    const LaneSlot& s = plan.slots[i];
    double* pa = s.partials >= 0 ? row(s.partials) : nullptr;
    double* pb = s.partials >= 0 ? row(s.partials + 1) : nullptr;
    kForwardLanes[static_cast<std::size_t>(nd.op)](level, lanes, value(nd.a), value(nd.b), nd.c,
                                                   i == n - 1 ? loss.data() : row(s.value), pa, pb);
  }
  if (t.nodes[n - 1].op == Op::constant || t.nodes[n - 1].op == Op::variable)
    std::copy_n(value(static_cast<std::uint32_t>(n - 1)), lanes, loss.data());
  for (const std::uint32_t v : plan.unused_variables) std::fill_n(g.data() + v * lanes, lanes, 0.0);
  // The whole tape is one constant: it uses no variable, so every row of g was zeroed above.
  if (plan.slots[n - 1].adjoint < 0) return;
  for (std::size_t k = t.operations.size(); k-- > 0;) {
    const std::uint32_t i = t.operations[k];
    const Node& nd = t.nodes[i];
    const LaneSlot& s = plan.slots[i];
    const auto op = static_cast<std::size_t>(nd.op);
    const double* pa = s.partials >= 0 ? row(s.partials) : nullptr;
    const double* pb = s.partials >= 0 ? row(s.partials + 1) : nullptr;
    // Constants' adjoints are never read: their contributions are skipped, as are those folded
    // into a fixed adjoint.
    if (plan.slots[nd.a].adjoint >= 0 && !s.folded_a)
      kBackwardA[s.first_a][op](level, lanes, row(s.adjoint), value(nd.a), value(nd.b), nd.c, pa,
                                adjoint(nd.a));
    if (binary(nd.op) && plan.slots[nd.b].adjoint >= 0 && !s.folded_b)
      kBackwardB[s.first_b][op](level, lanes, row(s.adjoint), value(nd.a), value(nd.b), nd.c, pb,
                                adjoint(nd.b));
  }
  // g = 0 + the variable's adjoints, added in value_and_gradient()'s order, for the variables
  // whose adjoint is not already their gradient.
  for (std::size_t k = t.variables.size(); k-- > 0;) {
    if (plan.slots[t.variables[k].first].gradient >= 0) continue;
    const double* from = row(plan.slots[t.variables[k].first].adjoint);
    double* to = g.data() + t.variables[k].second * lanes;
    if (plan.gradient_first[k])
      detail::simd_map(
          level, lanes, [](const double& a, double& r) { r = 0.0 + a; }, from, to);
    else
      detail::simd_map(
          level, lanes, [](const double& a, double& r) { r += a; }, from, to);
  }
}

}  // namespace

LanePlan plan_lanes(const Tape& t) {
  static std::atomic<std::uint64_t> next_id{1};
  LanePlan plan;
  plan.id = next_id.fetch_add(1);
  const std::size_t n = t.nodes.size();
  plan.slots.assign(n, LaneSlot{});
  std::int32_t rows = 0;
  for (std::size_t i = 0; i < n; ++i) {
    LaneSlot& s = plan.slots[i];
    const Op op = t.nodes[i].op;
    if (op != Op::variable) s.value = rows++;
    if (op != Op::constant) s.adjoint = rows++;
    if (op != Op::constant && op != Op::variable && !info(op).cheap_partials) {
      s.partials = rows;
      rows += 2;
    }
  }
  plan.rows = static_cast<std::size_t>(rows);
  const auto is_constant = [&](std::uint32_t i) { return t.nodes[i].op == Op::constant; };
  // Which adjoints are fixed, going backward as value_and_gradient() does: the output's is 1; a
  // contribution is fixed when its weight (the operation's adjoint) is 0, or fixed and times a
  // fixed partial; an adjoint is fixed when every contribution to it is, and then its value is
  // theirs added in the same order (each contribution is final before its node is read going
  // backward, since only later operations read a node).
  std::vector<double> folded(n, 0.0);
  std::vector<bool> fixed(n, true);
  folded[n - 1] = 1.0;
  for (std::size_t k = t.operations.size(); k-- > 0;) {
    const std::uint32_t i = t.operations[k];
    const Node& nd = t.nodes[i];
    const double w = folded[i];
    double pa = 0, pb = 0;
    if (fixed[i] && w != 0.0) {
      // The fixed partials do not depend on the operands that are not constants: 0 stands in.
      (void)evaluate(nd.op, is_constant(nd.a) ? t.nodes[nd.a].c : 0.0,
                     is_constant(nd.b) ? t.nodes[nd.b].c : 0.0, nd.c, pa, pb);
    }
    const auto contribute = [&](int which, std::uint32_t to, double p) {
      if (plan.slots[to].adjoint < 0) return;
      const bool known = fixed[i] && (w == 0.0 || info(nd.op).fixed_partial(
                                                      which, is_constant(nd.a), is_constant(nd.b)));
      if (!known) fixed[to] = false;
      if (known && w != 0.0 && p != 0.0) folded[to] += w * p;
    };
    contribute(0, nd.a, pa);
    if (binary(nd.op)) contribute(1, nd.b, pb);
  }
  // Folded contributions are skipped; the others are made, the first to reach each target
  // initializing it.
  std::vector<bool> written(n, false);
  for (std::size_t k = t.operations.size(); k-- > 0;) {
    const std::uint32_t i = t.operations[k];
    const Node& nd = t.nodes[i];
    LaneSlot& s = plan.slots[i];
    if (plan.slots[nd.a].adjoint >= 0) {
      s.folded_a = fixed[nd.a];
      s.first_a = !s.folded_a && !written[nd.a];
      written[nd.a] = written[nd.a] || !s.folded_a;
    }
    if (binary(nd.op) && plan.slots[nd.b].adjoint >= 0) {
      s.folded_b = fixed[nd.b];
      s.first_b = !s.folded_b && !written[nd.b];
      written[nd.b] = written[nd.b] || !s.folded_b;
    }
  }
  for (std::size_t i = 0; i < n; ++i)
    if (plan.slots[i].adjoint >= 0 && fixed[i])
      plan.fixed_adjoints.emplace_back(plan.slots[i].adjoint, folded[i]);
  // The gradient adds the variables' adjoints in reverse order, as value_and_gradient() does. A
  // variable that occurs once, with an adjoint that is not fixed, has its adjoint written straight
  // into g: 0 + a is a, since an adjoint row is never -0 (it starts as 0 + w*p or 0).
  std::vector<int> occurs(t.dim, 0);
  for (const auto& [slot, v] : t.variables) ++occurs[v];
  std::vector<bool> used(t.dim, false);
  plan.gradient_first.assign(t.variables.size(), false);
  for (std::size_t k = t.variables.size(); k-- > 0;) {
    const auto [slot, v] = t.variables[k];
    plan.gradient_first[k] = !used[v];
    used[v] = true;
    if (occurs[v] == 1 && !fixed[slot]) plan.slots[slot].gradient = static_cast<std::int32_t>(v);
  }
  for (std::uint32_t v = 0; v < t.dim; ++v)
    if (!used[v]) plan.unused_variables.push_back(v);
  return plan;
}

}  // namespace descent::detail::expression

namespace descent {

void Expression::value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                          std::span<double> loss, std::span<double> g) const {
  detail::expression::value_and_gradient_lanes(*tape_, lanes, x, loss, g);
}

}  // namespace descent
