// descent: stochastic weight averaging, the equal-weight mean of the iterates from a step on.
#pragma once

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "descent/wrapper.hpp"

namespace descent {

struct SwaWrapper {
  static constexpr OptimizerDoc doc = {
      .name = "swa",
      .summary =
          "SWA: the inner optimizer steps w; the answer is the mean of the iterates after "
          "step `start`, every `every` steps",
      .rule =
          "the inner optimizer steps w (step t = 1, 2, ...)\n"
          "if t > start and (t - start) % every == 0: n <- n + 1; x <- x + (w - x) / n\n"
          "answer: x (once n > 0)",
      .source =
          "Izmailov, Podoprikhin, Garipov, Vetrov & Wilson 2018 (arXiv:1803.05407); "
          "torch.optim.swa_utils.AveragedModel",
      .differs =
          "torch's AveragedModel takes the same running mean, updated where the training "
          "loop calls update_parameters (usually once an epoch, after a start epoch) and "
          "pairs it with the SWALR schedule (here: any schedule after '@'). optax and keras "
          "have no SWA.",
      .family = Family::wrapper,
      .year = 2018};
  struct Params {
    std::int64_t start = 0;
    std::int64_t every = 1;
  };
  static constexpr auto fields =
      std::tuple{integer(&Params::start, "start", 0, 1e15, "steps before the averaging begins"),
                 integer(&Params::every, "every", 1, 1e15, "steps between averaged iterates")};

  template <std::floating_point T>
  struct State {
    std::vector<T> average;
    std::int64_t step_count = 0, averaged = 0;

    void reset(const Params&, std::size_t n) { average.assign(n, T(0)); }
    void step(const Params& p, Optimizer<T>& inner, std::span<T> w, std::span<const T> g,
              double loss, const Closure<T>& f) {
      inner.step_with(w, g, loss, f);
      ++step_count;
      if (step_count <= p.start || (step_count - p.start) % p.every != 0) return;
      if (++averaged == 1) {
        std::copy(w.begin(), w.end(), average.begin());
        return;
      }
      const T inv = static_cast<T>(1.0 / static_cast<double>(averaged));
      for (std::size_t i = 0; i < w.size(); ++i) average[i] += (w[i] - average[i]) * inv;
    }
    bool solution(const Params&, std::span<const T>, std::span<T> x) const {
      if (averaged == 0) return false;
      std::copy(average.begin(), average.end(), x.begin());
      return true;
    }
    void visit(StateVisitor<T>& v) {
      v.array("average", average);
      v.integer("step", step_count);
      v.integer("averaged", averaged);
    }
  };
};

}  // namespace descent
