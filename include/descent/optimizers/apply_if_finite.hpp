// descent: skips the steps whose gradient is not finite.
#pragma once

#include <cmath>
#include <cstdint>
#include <span>

#include "descent/wrapper.hpp"

namespace descent {

struct ApplyIfFiniteWrapper {
  static constexpr OptimizerDoc doc = {
      .name = "apply_if_finite",
      .summary =
          "skip non-finite gradients: a step whose gradient has a NaN or an infinity "
          "leaves w and the inner state as they are, up to max_errors times in a row",
      .rule =
          "if every g_i is finite: bad <- 0; the inner optimizer steps w\n"
          "else: bad <- bad + 1, skipped <- skipped + 1; if bad > max_errors the inner "
          "optimizer steps w anyway (and the run diverges), else nothing changes",
      .source =
          "optax.apply_if_finite; the loss-scaling skip of mixed-precision training "
          "(Micikevicius et al. 2018, arXiv:1710.03740)",
      .differs =
          "Same as optax.apply_if_finite (max_consecutive_errors, which has no default there). "
          "torch's GradScaler skips such steps without a limit; keras's "
          "LossScaleOptimizer likewise. Only the gradient is checked, as optax does; a "
          "non-finite loss still ends a run.",
      .family = Family::wrapper,
      .year = 2018};
  struct Params {
    std::int64_t max_errors = 5;
  };
  static constexpr auto fields = std::tuple{integer(&Params::max_errors, "max_errors", 0, 1e15,
                                                    "non-finite steps in a row that are skipped")};

  template <std::floating_point T>
  struct State {
    std::int64_t in_a_row = 0, skipped = 0;

    void reset(const Params&, std::size_t) {}
    void step(const Params& p, Optimizer<T>& inner, std::span<T> w, std::span<const T> g,
              double loss, const Closure<T>& f) {
      bool finite = true;
      for (const T x : g) finite = finite && std::isfinite(x);
      if (finite) {
        in_a_row = 0;
      } else {
        ++in_a_row;
        ++skipped;
        if (in_a_row <= p.max_errors) return;
      }
      inner.step_with(w, g, loss, f);
    }
    void visit(StateVisitor<T>& v) {
      v.integer("in_a_row", in_a_row);
      v.integer("skipped", skipped);
    }
  };
};

}  // namespace descent
