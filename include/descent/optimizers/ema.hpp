// descent: an exponential moving average of the weights, reported beside the raw iterate.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/wrapper.hpp"

namespace descent {

struct EmaWrapper {
  static constexpr OptimizerDoc doc = {
      .name = "ema",
      .summary =
          "weight EMA: the inner optimizer steps w; the answer is an exponential moving "
          "average of the iterates",
      .rule =
          "the inner optimizer steps w\n"
          "x <- w after the first step; x <- decay * x + (1 - decay) * w after each later one\n"
          "answer: x",
      .source =
          "Polyak & Juditsky 1992 (averaging); keras Optimizer(use_ema=True); "
          "torch.optim.swa_utils.get_ema_multi_avg_fn",
      .differs =
          "keras (use_ema, ema_momentum = 0.99) and torch's AveragedModel with "
          "get_ema_multi_avg_fn also start the average at the weights after the first step; "
          "torch's default decay is 0.999. keras can copy the average into the model every "
          "ema_overwrite_frequency steps; here the model is never changed, and the average is "
          "the run's answer. optax.ema averages updates, not weights (a momentum).",
      .family = Family::wrapper,
      .year = 1992};
  struct Params {
    double decay = 0.99;
  };
  static constexpr auto fields =
      std::tuple{rate(&Params::decay, "decay", "weight of the old average at each step")};

  template <std::floating_point T>
  struct State {
    std::vector<T> average;
    std::int64_t steps = 0;

    void reset(const Params&, std::size_t n) { average.assign(n, T(0)); }
    void step(const Params& p, Optimizer<T>& inner, std::span<T> w, std::span<const T> g,
              double loss, const Closure<T>& f) {
      inner.step_with(w, g, loss, f);
      if (steps++ == 0) {
        std::copy(w.begin(), w.end(), average.begin());
        return;
      }
      const T d = static_cast<T>(p.decay), e = static_cast<T>(1.0 - p.decay);
      for (std::size_t i = 0; i < w.size(); ++i) average[i] = d * average[i] + e * w[i];
    }
    bool solution(const Params&, std::span<const T>, std::span<T> x) const {
      if (steps == 0) return false;
      std::copy(average.begin(), average.end(), x.begin());
      return true;
    }
    void visit(StateVisitor<T>& v) {
      v.array("average", average);
      v.integer("step", steps);
    }
  };
};

}  // namespace descent
