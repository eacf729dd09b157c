// descent: gradient accumulation, one inner step every k steps with their mean gradient.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "descent/wrapper.hpp"

namespace descent {

struct MultiStepsWrapper {
  static constexpr OptimizerDoc doc = {
      .name = "multi_steps",
      .summary =
          "gradient accumulation: the inner optimizer steps once every `every` steps, "
          "with the mean of their gradients; w stays put between",
      .rule =
          "a <- a + (g - a) / (j + 1)     (j = 0, 1, ..., every - 1: the running mean)\n"
          "if j == every - 1: the inner optimizer steps w with a; a <- 0, j <- 0\n"
          "else j <- j + 1",
      .source =
          "optax.MultiSteps (use_grad_mean=True); as in Goyal et al. 2017 "
          "(arXiv:1706.02677), large batches from small ones",
      .differs =
          "Same as optax.MultiSteps with an integer every_k_schedule and its running mean "
          "(Welford's update). In torch and keras this is a loop that calls step() every k "
          "backward passes, which sums the gradients (a k times larger step for SGD unless "
          "the loss is divided by k). The inner optimizer's step count counts its own steps.",
      .family = Family::wrapper,
      .year = 2017};
  struct Params {
    std::int64_t every = 4;
  };
  static constexpr auto fields =
      std::tuple{integer(&Params::every, "every", 1, 1e6, "steps whose gradients are averaged")};

  template <std::floating_point T>
  struct State {
    std::vector<T> mean;
    std::int64_t mini_step = 0;
    std::vector<T> last;  // scratch: the mean with the last mini-step's gradient

    bool steps_inner_next(const Params& p) const { return mini_step + 1 >= p.every; }

    void reset(const Params&, std::size_t n) { mean.assign(n, T(0)); }
    void step(const Params& p, Optimizer<T>& inner, std::span<T> w, std::span<const T> g,
              double loss, const Closure<T>& f) {
      const T inv = static_cast<T>(1.0 / static_cast<double>(mini_step + 1));
      if (mini_step + 1 < p.every) {
        for (std::size_t i = 0; i < w.size(); ++i) mean[i] += (g[i] - mean[i]) * inv;
        ++mini_step;
        return;
      }
      // An inner step that throws leaves the mean and the count as they were.
      last.resize(w.size());
      for (std::size_t i = 0; i < w.size(); ++i) last[i] = mean[i] + (g[i] - mean[i]) * inv;
      inner.step_with(w, last, loss, f);
      std::fill(mean.begin(), mean.end(), T(0));
      mini_step = 0;
    }
    void visit(StateVisitor<T>& v) {
      v.array("mean", mean);
      v.integer("mini_step", mini_step);
    }
  };
};

}  // namespace descent
