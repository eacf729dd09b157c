// descent: Lookahead, k steps forward and one step back.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/wrapper.hpp"

namespace descent {

struct LookaheadWrapper {
  static constexpr OptimizerDoc doc = {
      .name = "lookahead",
      .summary =
          "Lookahead: the inner optimizer takes sync_period fast steps, then the slow "
          "weights move slow_step of the way to them and the fast weights restart there",
      .rule =
          "slow <- w before the first step\n"
          "every step: the inner optimizer steps the fast weights w\n"
          "after every sync_period-th step: slow <- slow + slow_step * (w - slow); w <- slow\n"
          "(reset_state: the inner optimizer restarts there too, its schedule included, as "
          "optax's)\n"
          "answer: slow",
      .source =
          "Zhang, Lucas, Hinton & Ba 2019 (arXiv:1907.08610), algorithm 1; "
          "optax.lookahead",
      .differs =
          "optax.lookahead keeps (fast, slow) as the parameters and takes the same steps (it "
          "has no defaults; the paper's k = 5, alpha = 0.5 are these); here the slow weights "
          "are state, reported as the run's answer. torch.optim and keras have no Lookahead.",
      .family = Family::wrapper,
      .year = 2019};
  struct Params {
    int sync_period = 5;
    double slow_step = 0.5;
    bool reset_state = false;
  };
  static constexpr auto fields = std::tuple{
      integer(&Params::sync_period, "sync_period", 1, 1e6, "fast steps between synchronizations"),
      real(&Params::slow_step, "slow_step", 0.0, 1.0,
           "fraction of the way the slow weights move to the fast ones", false, true),
      flag(&Params::reset_state, "reset_state",
           "restart the inner optimizer (state and schedule) at each synchronization")};

  template <std::floating_point T>
  struct State {
    std::vector<T> slow;
    std::int64_t steps = 0, since_sync = 0;

    void reset(const Params&, std::size_t n) { slow.assign(n, T(0)); }
    void step(const Params& p, Optimizer<T>& inner, std::span<T> w, std::span<const T> g,
              double loss, const Closure<T>& f) {
      if (steps++ == 0) std::copy(w.begin(), w.end(), slow.begin());
      inner.step_with(w, g, loss, f);
      if (++since_sync < p.sync_period) return;
      since_sync = 0;
      const T a = static_cast<T>(p.slow_step);
      for (std::size_t i = 0; i < w.size(); ++i) {
        slow[i] += a * (w[i] - slow[i]);
        w[i] = slow[i];
      }
      if (p.reset_state) inner.restart();
    }
    bool solution(const Params&, std::span<const T>, std::span<T> x) const {
      if (steps == 0) return false;
      std::copy(slow.begin(), slow.end(), x.begin());
      return true;
    }
    void visit(StateVisitor<T>& v) {
      v.array("slow", slow);
      v.integer("step", steps);
      v.integer("since_sync", since_sync);
    }
  };
};

}  // namespace descent
