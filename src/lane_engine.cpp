#include "lane_engine.hpp"

#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <utility>

#include "descent/error.hpp"
#include "descent/optimizers/rule_optimizer.hpp"
#include "descent/simd.hpp"
#include "kernels/aligned.hpp"
#include "kernels/map.hpp"
#include "optimizers/lane_kernels.hpp"
#include "run_checks.hpp"

namespace descent::detail {
namespace {

// A method's lane kernel and its check that the lanes can share one state layout.
template <class Rule>
struct LaneKernel;

// A method's lane kernel, its fused loop (or nullptr) and its check that the lanes can share one
// state layout.
#define DESCENT_LANE_KERNEL(RULE, STEP, FUSED, OK)                 \
  template <>                                                      \
  struct LaneKernel<RULE> {                                        \
    static constexpr auto step = &STEP;                            \
    static constexpr auto fused = FUSED;                           \
    static bool ok(std::span<const RULE::Params> p) { return OK; } \
  }

DESCENT_LANE_KERNEL(SgdRule, sgd_lanes, &sgd_fused, !p.empty());
DESCENT_LANE_KERNEL(MomentumRule, momentum_lanes, &momentum_fused, !p.empty());
DESCENT_LANE_KERNEL(NesterovRule, nesterov_lanes, &nesterov_fused, !p.empty());
DESCENT_LANE_KERNEL(RmspropRule, rmsprop_lanes, nullptr, !p.empty() && rmsprop_lanes_ok(p));
DESCENT_LANE_KERNEL(AdamRule, adam_lanes, nullptr, !p.empty() && amsgrad_agrees(p));
DESCENT_LANE_KERNEL(AdamwRule, adamw_lanes, nullptr, !p.empty() && amsgrad_agrees(p));
#undef DESCENT_LANE_KERNEL

// Collects a freshly reset state: its step counter and its arrays, copied to aligned storage.
class CollectState final : public StateVisitor<double> {
 public:
  explicit CollectState(LaneState& s, std::vector<AlignedVector<double>>& storage)
      : s_(s), storage_(storage) {}
  void array(std::string_view, std::vector<double>& values) override {
    storage_.emplace_back(values.begin(), values.end());
    s_.arrays.push_back(values.empty() ? nullptr : storage_.back().data());
  }
  void real(std::string_view, double&) override {}
  void integer(std::string_view, std::int64_t& value) override { s_.step = value; }

 private:
  LaneState& s_;
  std::vector<AlignedVector<double>>& storage_;
};

template <class Rule>
class RuleLanes final : public LaneOptimizer {
 public:
  RuleLanes(std::vector<typename Rule::Params> p, std::size_t dim) : p_(std::move(p)), dim_(dim) {
    typename Rule::template State<double> fresh;
    Rule::reset(p_.front(), fresh, dim_ * p_.size());
    storage_.reserve(8);  // no reallocation while pointers into it are taken
    CollectState collect(s_, storage_);
    Rule::visit(fresh, collect);
  }
  void step(double* w, const double* g) override {
    LaneKernel<Rule>::step(p_, s_, dim_, w, g, scratch_);
  }
  std::optional<std::vector<LaneRun>> run_fused(const Objective& f, std::span<const double> starts,
                                                const RunOptions& options) override {
    if constexpr (std::is_same_v<decltype(LaneKernel<Rule>::fused), const std::nullptr_t>) {
      return std::nullopt;
    } else {
      if (s_.step != 0 || dim_ != 2 || f.dim() != 2) return std::nullopt;
      return LaneKernel<Rule>::fused(p_, f, starts, options);
    }
  }

 private:
  std::vector<typename Rule::Params> p_;
  std::size_t dim_;
  std::vector<AlignedVector<double>> storage_;
  LaneState s_;
  AlignedVector<double> scratch_;
};

template <class Rule>
std::unique_ptr<LaneOptimizer> try_rule(std::span<const Optimizer<double>* const> cells,
                                        std::size_t dim) {
  std::vector<typename Rule::Params> p;
  p.reserve(cells.size());
  for (const Optimizer<double>* c : cells) {
    const auto* r = dynamic_cast<const RuleOptimizer<Rule, double>*>(c);
    if (r == nullptr) return nullptr;
    p.push_back(r->settings());
  }
  if (!LaneKernel<Rule>::ok(p)) return nullptr;
  return std::make_unique<RuleLanes<Rule>>(std::move(p), dim);
}

template <class Rule>
std::unique_ptr<LaneOptimizer> try_rule_values(
    const OptimizerInfo& info, const ParamSet& base, std::size_t lanes, std::size_t dim,
    const std::function<void(std::size_t, ParamSet&)>& fill) {
  // The method's factory must make this rule's plain optimizer (an alias such as gd makes the
  // rule of sgd under another name).
  const std::unique_ptr<Optimizer<double>> probe = info.make_double(base);
  if (dynamic_cast<const RuleOptimizer<Rule, double>*>(probe.get()) == nullptr) return nullptr;
  std::vector<typename Rule::Params> p;
  p.reserve(lanes);
  ParamSet values = base;
  const std::string owner = "optimizer '" + info.name + "'";
  for (std::size_t j = 0; j < lanes; ++j) {
    fill(j, values);
    check_params(owner, info.params, values);
    p.push_back(Rule::from_set(values));
    if constexpr (requires { Rule::validate(p.back()); }) {
      if (const std::string err = Rule::validate(p.back()); !err.empty())
        throw InputError(owner + ": " + err);
    }
  }
  if (!LaneKernel<Rule>::ok(p)) return nullptr;
  return std::make_unique<RuleLanes<Rule>>(std::move(p), dim);
}

}  // namespace

std::unique_ptr<LaneOptimizer> make_lane_optimizer(
    const OptimizerInfo& info, const ParamSet& base, std::size_t lanes, std::size_t dim,
    const std::function<void(std::size_t, ParamSet&)>& fill) {
  if (lanes == 0) return nullptr;
  for (auto* make :
       {&try_rule_values<SgdRule>, &try_rule_values<MomentumRule>, &try_rule_values<NesterovRule>,
        &try_rule_values<RmspropRule>, &try_rule_values<AdamRule>, &try_rule_values<AdamwRule>})
    if (auto out = make(info, base, lanes, dim, fill)) return out;
  return nullptr;
}

std::unique_ptr<LaneOptimizer> make_lane_optimizer(std::span<const Optimizer<double>* const> cells,
                                                   std::size_t dim) {
  if (cells.empty()) return nullptr;
  for (auto* make : {&try_rule<SgdRule>, &try_rule<MomentumRule>, &try_rule<NesterovRule>,
                     &try_rule<RmspropRule>, &try_rule<AdamRule>, &try_rule<AdamwRule>})
    if (auto lanes = make(cells, dim)) return lanes;
  return nullptr;
}

std::vector<LaneRun> run_lanes(const Objective& f, LaneOptimizer& optimizer, std::size_t lanes,
                               std::span<const double> starts, const RunOptions& options) {
  const std::size_t dim = f.dim();
  if (starts.size() != dim * lanes)
    throw std::invalid_argument("run_lanes: the starts are not dim x lanes values");
  if (std::isnan(options.tol)) throw InputError("tol must be a number, got nan");
  if (auto fused = optimizer.run_fused(f, starts, options)) return std::move(*fused);
  std::vector<LaneRun> out(lanes);
  if (lanes == 0) return out;
  AlignedVector<double> w(starts.begin(), starts.end()), g(dim * lanes), loss(lanes);
  // Per lane: 1 while running, 0 once diverged; s - s for s the sum of the point, the loss and
  // the gradient (0 when all are finite), kept 0 once the lane has diverged; the best loss; the
  // first step within tol (-1 before). The last two are kept up to date for every
  // lane and reported only for lanes that did not diverge.
  AlignedVector<double> alive(lanes, 1.0), bad(lanes), best(lanes, INFINITY), tol_step(lanes, -1.0);
  std::size_t running = lanes;
  const Simd level = simd();
  const double tol = options.tol;
  std::vector<double> wj(dim), gj(dim);
  for (std::size_t k = 0;; ++k) {
    f.value_and_gradient_lanes(lanes, std::span<const double>(w), std::span<double>(loss),
                               std::span<double>(g));
    // A cheap test first: the sum of the point, the loss and the gradient is finite when they
    // all are (s - s is 0 exactly then). A finite sum that overflows is caught by the exact
    // check below, which clears the lane again.
    const double kd = static_cast<double>(k);
    const auto track = [tol, kd](double s, double a, double l, double& b, double& bl, double& t) {
      b = a != 0.0 ? s - s : 0.0;
      bl = l < bl ? l : bl;
      t = t < 0 && l <= tol ? kd : t;
    };
    if (dim == 2) {
      simd_map(
          level, lanes,
          [track](const double& x0, const double& x1, const double& g0, const double& g1,
                  const double& a, const double& l, double& b, double& bl,
                  double& t) { track(l + x0 + x1 + g0 + g1, a, l, b, bl, t); },
          w.data(), w.data() + lanes, g.data(), g.data() + lanes, alive.data(), loss.data(),
          bad.data(), best.data(), tol_step.data());
    } else {
      for (std::size_t i = 0; i < dim; ++i)
        simd_map(
            level, lanes,
            [i](const double& x, const double& gx, double& b) { b = (i == 0 ? 0.0 : b) + x + gx; },
            w.data() + i * lanes, g.data() + i * lanes, bad.data());
      simd_map(
          level, lanes,
          [track](const double& a, const double& l, double& b, double& bl, double& t) {
            track(l + b, a, l, b, bl, t);
          },
          alive.data(), loss.data(), bad.data(), best.data(), tol_step.data());
    }
    if (simd_any_nonzero(level, lanes, bad.data())) {
      for (std::size_t j = 0; j < lanes; ++j) {
        if (bad[j] == 0.0) continue;
        for (std::size_t i = 0; i < dim; ++i) {
          wj[i] = w[i * lanes + j];
          gj[i] = g[i * lanes + j];
        }
        const std::optional<std::string> found = non_finite(f, wj, loss[j], gj);
        if (!found) continue;  // all finite: only their sum overflowed
        const std::string& what = *found;
        if (k == 0) throw InputError(not_finite_at_start(f, wj, what));
        out[j].termination = Termination::diverged;
        out[j].stop_step = k;
        out[j].message = "diverged at step " + std::to_string(k) + ": " + what;
        alive[j] = 0.0;
        --running;
      }
    }
    if (running == 0) break;
    if (k >= options.steps) {
      for (std::size_t j = 0; j < lanes; ++j) {
        if (alive[j] == 0.0) continue;
        out[j].termination = Termination::completed;
        out[j].stop_step = k;
        out[j].final_loss = loss[j];
        out[j].best_loss = best[j];
        if (tol_step[j] >= 0) out[j].steps_to_tol = static_cast<std::size_t>(tol_step[j]);
      }
      break;
    }
    optimizer.step(w.data(), g.data());
  }
  for (std::size_t j = 0; j < lanes; ++j) {
    if (alive[j] != 0.0) continue;
    out[j].final_loss = out[j].best_loss = INFINITY;
  }
  return out;
}

}  // namespace descent::detail
