// Private: any elementwise rule stepping a batch of lanes (engine/lanes.hpp), written once.
//
// Each lane has its own settings and counters; its step scalars are computed per lane, in double,
// exactly as one optimizer's step computes them, and laid out as rows of `lanes` values (row q
// holds field q of every lane's Scalars). The per-element pass then runs the rule's preludes and
// update (elementwise.hpp) over each coordinate's row of lanes, with every lane's scalars read
// from the rows: the operations of a single run, so every lane's numbers are its run's, bit for
// bit.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "descent/detail/aggregate.hpp"
#include "descent/detail/simd_map.hpp"
#include "descent/elementwise.hpp"
#include "descent/error.hpp"
#include "engine/fused.hpp"
#include "engine/lanes.hpp"
#include "functions/formulas.hpp"
#include "kernels/aligned.hpp"

namespace descent::detail {

/// The per-element step of one lane, given pointers to its point, gradient, S live state elements,
/// the N fields of its scalars, and (with Mode kDecayOnly) its weight decay.
template <ElementwiseRule R, unsigned V, int Mode, std::size_t S, std::size_t N>
struct LaneUpdate {
  template <class... A>
  [[gnu::always_inline]] void operator()(double& w, const double& g, A&... rest) const {
    auto args = std::tie(rest...);
    [&]<std::size_t... I, std::size_t... J>(std::index_sequence<I...>, std::index_sequence<J...>) {
      const auto k = from_fields<typename R::template Scalars<double>>(std::get<S + J>(args)...);
      PreludeScalars<double> pk{};
      if constexpr (Mode == kDecayOnly) pk.decay = std::get<S + N>(args);
      update_element<R, V>(k, w, prelude<Mode>(g, w, pk), std::get<I>(args)...);
    }
    (std::make_index_sequence<S>{}, std::make_index_sequence<N>{});
  }
};

template <ElementwiseRule R>
class RuleLanes final : public LaneOptimizer {
 public:
  using Params = typename R::Params;
  static constexpr std::size_t kScalars = field_count<R::template Scalars, double>();

  /// Lanes with the settings `p`, which must share the variant `variant`.
  RuleLanes(std::vector<Params> p, unsigned variant, std::size_t dim)
      : p_(std::move(p)), variant_(variant), dim_(dim), lanes_(p_.size()) {
    const unsigned live = live_arrays<R>(variant_);
    for (std::size_t a = 0; a < kArrayCount<R>; ++a) {
      if ((live >> a & 1) == 0) continue;
      arrays_[a].resize(dim_ * lanes_);
      for (std::size_t j = 0; j < lanes_; ++j) {
        const double init = R::arrays[a].init ? R::arrays[a].init(p_[j]) : 0.0;
        for (std::size_t i = 0; i < dim_; ++i) arrays_[a][i * lanes_ + j] = init;
      }
    }
    for (const Params& q : p_) counters_.push_back(initial_counters<R>(q));
    scalars_.resize((kScalars + 1) * lanes_);
    if constexpr (kCoupledDecay<R> != nullptr)
      for (std::size_t j = 0; j < lanes_; ++j) {
        scalars_[kScalars * lanes_ + j] = p_[j].*kCoupledDecay<R>;
        decays_ = decays_ || p_[j].*kCoupledDecay<R> != 0.0;
      }
  }

  void step(double* w, const double* g) override {
    if (step_ <= steady_after<R>()) {
      for (std::size_t j = 0; j < lanes_; ++j) {
        const auto k = fields_of(step_scalars<R>(p_[j], counters_[j]));
        for (std::size_t q = 0; q < kScalars; ++q) scalars_[q * lanes_ + j] = k[q];
      }
    }
    ++step_;
    with_variant<variant_bits<R>()>(variant_, [&]<unsigned V>() {
      if (decays_)
        pass<V, kDecayOnly>(w, g);
      else
        pass<V, kNoPrelude>(w, g);
    });
  }

  std::optional<std::vector<RunResult>> run_fused(const Objective& f,
                                                  std::span<const double> starts,
                                                  const RunOptions& options) override {
    if (step_ != 0 || dim_ != 2 || f.dim() != 2) return std::nullopt;
    const std::optional<Formula2> formula = formula2_of(f);
    if (!formula) return std::nullopt;
    return std::visit(
        [&](const auto& fm) {
          return run_fused_rule<R>(f, fm, std::span<const Params>(p_), variant_, decays_, starts,
                                   options);
        },
        *formula);
  }

 private:
  template <unsigned V, int Mode>
  void pass(double* w, const double* g) {
    constexpr auto live = live_indices<R, V>();
    const Simd level = simd();
    const std::size_t n = lanes_;
    for (std::size_t i = 0; i < dim_; ++i) {
      [&]<std::size_t... I, std::size_t... Q>(std::index_sequence<I...>,
                                              std::index_sequence<Q...>) {
        LaneUpdate<R, V, Mode, live.size(), kScalars> u;
        simd_map(level, n, u, w + i * n, g + i * n, (arrays_[live[I]].data() + i * n)...,
                 (scalars_.data() + Q * n)...);
      }
      (std::make_index_sequence<live.size()>{},
       std::make_index_sequence<kScalars + (Mode == kDecayOnly ? 1 : 0)>{});
    }
  }

  std::vector<Params> p_;
  std::vector<CountersOf<R>> counters_;
  unsigned variant_;
  std::size_t dim_, lanes_;
  std::array<AlignedVector<double>, kArrayCount<R>> arrays_;
  AlignedVector<double> scalars_;  ///< kScalars rows of lanes_ values, then each lane's decay
  bool decays_ = false;
  std::int64_t step_ = 0;
};

/// Lanes of rule R: the base settings with each lane's keys set and checked as
/// OptimizerConfig::set() checks them; nothing when the lanes need different state layouts.
template <ElementwiseRule R>
std::unique_ptr<LaneOptimizer> rule_lanes(const OptimizerConfig& base,
                                          std::span<const std::string> keys,
                                          std::span<const double> values, std::size_t lanes,
                                          std::size_t dim) {
  using Params = typename R::Params;
  const OptimizerInfo& info = base.method();
  const std::string owner = "optimizer '" + info.name + "'";
  std::vector<const ParamInfo*> key_info;
  for (const std::string& key : keys) {
    const auto it = std::ranges::find(info.params, key, &ParamInfo::name);
    if (it == info.params.end()) return nullptr;  // a prelude key: the cells are not plain
    key_info.push_back(&*it);
  }
  std::vector<Params> p(lanes, from_param_set<Params>(base.values(), R::fields));
  for (std::size_t j = 0; j < lanes; ++j) {
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const double v = values[j * keys.size() + k];
      if (auto err = key_info[k]->check(v)) throw InputError(owner + ": " + *err);
      set_field(p[j], R::fields, keys[k], v);
    }
    if (const std::string err = validate_rule<R>(p[j]); !err.empty())
      throw InputError(owner + ": " + err);
  }
  const unsigned variant = variant_of<R>(p.front());
  for (const Params& q : p)
    if (variant_of<R>(q) != variant) return nullptr;
  return std::make_unique<RuleLanes<R>>(std::move(p), variant, dim);
}

}  // namespace descent::detail
