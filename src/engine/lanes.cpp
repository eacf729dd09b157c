#include "engine/lanes.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

#include "descent/detail/simd_map.hpp"
#include "descent/error.hpp"
#include "descent/optimizers/catalog.hpp"
#include "descent/simd.hpp"
#include "engine/run.hpp"
#include "kernels/aligned.hpp"
#include "optimizers/builtin.hpp"

namespace descent::detail {
namespace {

template <std::size_t... I>
std::unique_ptr<LaneOptimizer> lanes_of_builtin(const OptimizerConfig& base,
                                                std::span<const std::string> keys,
                                                std::span<const double> values, std::size_t lanes,
                                                std::size_t dim, std::index_sequence<I...>) {
  std::unique_ptr<LaneOptimizer> out;
  ((&base.method() == &builtin_rule_info<I>()
        ? (out = builtin_rule_lanes<I>(base, keys, values, lanes, dim), 0)
        : 0),
   ...);
  return out;
}

}  // namespace

std::unique_ptr<LaneOptimizer> make_lane_optimizer(const OptimizerConfig& base,
                                                   std::span<const std::string> keys,
                                                   std::span<const double> values,
                                                   std::size_t lanes, std::size_t dim) {
  if (lanes == 0 || !base.plain()) return nullptr;
  if (values.size() != lanes * keys.size())
    throw std::invalid_argument("make_lane_optimizer: not one value per lane and key");
  return lanes_of_builtin(base, keys, values, lanes, dim,
                          std::make_index_sequence<BuiltinRules::size>{});
}

std::vector<RunResult> run_lanes(const Objective& f, LaneOptimizer& optimizer, std::size_t lanes,
                                 std::span<const double> starts, const RunOptions& options) {
  const std::size_t dim = f.dim();
  if (starts.size() != dim * lanes)
    throw std::invalid_argument("run_lanes: the starts are not dim x lanes values");
  if (std::isnan(options.tol)) throw InputError("tol must be a number, got nan");
  if (auto fused = optimizer.run_fused(f, starts, options)) return std::move(*fused);
  std::vector<RunResult> out(lanes);
  if (lanes == 0) return out;
  AlignedVector<double> w(starts.begin(), starts.end()), g(dim * lanes), loss(lanes);
  // Per lane: 1 while running, 0 once diverged; s - s for s the sum of the point, the loss and
  // the gradient (0 when all are finite), kept 0 once the lane has diverged; its progress (kept
  // up to date for every lane, reported only for lanes that did not diverge).
  AlignedVector<double> alive(lanes, 1.0), bad(lanes), best(lanes, INFINITY), above(lanes, 0.0);
  std::vector<double> start_loss;  // per lane: its loss at step 0
  std::size_t running = lanes;
  const Simd level = simd();
  const double tol = options.tol;
  std::vector<double> wj(dim), gj(dim);
  for (std::size_t k = 0;; ++k) {
    if (options.cancelled && k % kCancelCheckSteps == 0 && options.cancelled()) throw Cancelled();
    f.value_and_gradient_lanes(lanes, std::span<const double>(w), std::span<double>(loss),
                               std::span<double>(g));
    // A cheap test first: the sum of the point, the loss and the gradient is finite when they
    // all are (s - s is 0 exactly then). A finite sum that overflows is caught by the exact
    // check below, which clears the lane again.
    const auto track = [tol](double s, double a, double l, double& b, double& bl, double& ab) {
      b = a != 0.0 ? s - s : 0.0;
      Progress<double> p{bl, ab};
      p.observe(l, tol);
      bl = p.best;
      ab = p.above;
    };
    if (dim == 2) {
      simd_map(
          level, lanes,
          [track](const double& x0, const double& x1, const double& g0, const double& g1,
                  const double& a, const double& l, double& b, double& bl,
                  double& t) { track(l + x0 + x1 + g0 + g1, a, l, b, bl, t); },
          w.data(), w.data() + lanes, g.data(), g.data() + lanes, alive.data(), loss.data(),
          bad.data(), best.data(), above.data());
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
          alive.data(), loss.data(), bad.data(), best.data(), above.data());
    }
    if (simd_any_nonzero(level, lanes, bad.data())) {
      for (std::size_t j = 0; j < lanes; ++j) {
        if (bad[j] == 0.0) continue;
        for (std::size_t i = 0; i < dim; ++i) {
          wj[i] = w[i * lanes + j];
          gj[i] = g[i * lanes + j];
        }
        std::optional<std::string> found = non_finite(f, wj, loss[j], gj);
        if (!found) continue;  // all finite: only their sum overflowed
        if (k == 0) throw InputError(not_finite_at_start(f, wj, *found));
        out[j] = diverged_run(k, std::move(*found));
        alive[j] = 0.0;
        --running;
      }
    }
    if (k == 0) start_loss.assign(loss.begin(), loss.end());
    if (running == 0) break;
    if (k >= options.steps) {
      for (std::size_t j = 0; j < lanes; ++j)
        if (alive[j] != 0.0)
          out[j] = completed_run(k, start_loss[j], loss[j], best[j], above[j], tol);
      break;
    }
    optimizer.step(w.data(), g.data());
  }
  return out;
}

}  // namespace descent::detail
