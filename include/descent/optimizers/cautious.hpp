// descent: the Cautious mask, which keeps only the coordinates whose step goes downhill.
#pragma once

#include <algorithm>
#include <span>
#include <vector>

#include "descent/wrapper.hpp"

namespace descent {

struct CautiousWrapper {
  static constexpr OptimizerDoc doc = {
      .name = "cautious",
      .summary =
          "Cautious: the inner optimizer's step u is kept only where it goes against the "
          "gradient (u_i g_i < 0), rescaled by n / (kept + 1)",
      .rule =
          "u <- (the inner optimizer's step from w) - w\n"
          "keep_i = (u_i * g_i < 0); k = the number kept\n"
          "w_i <- w_i + u_i * n / (k + 1) where kept (rescale), w_i + u_i (no rescale), "
          "else w_i",
      .source = "Liang, Chen, Liu & Liu 2024 (arXiv:2411.16085), algorithm 1 (C-AdamW, C-Lion)",
      .differs =
          "The authors mask the Adam or Lion direction inside the optimizer, before the "
          "decoupled weight decay, which they apply to every coordinate; here the whole "
          "step is masked, decay included (equal without weight decay). Their mask is "
          "exp_avg * g > 0, which has the same sign as -u_i g_i for Adam and Lion. "
          "pytorch_optimizer's cautious=True flags follow the authors; torch.optim, optax "
          "and keras have none.",
      .family = Family::wrapper,
      .year = 2024};
  static constexpr bool reads_gradient = true;
  struct Params {
    bool rescale = true;
  };
  static constexpr auto fields =
      std::tuple{flag(&Params::rescale, "rescale", "scale the kept coordinates by n / (kept + 1)")};

  template <std::floating_point T>
  struct State {
    std::vector<T> before;

    void reset(const Params&, std::size_t n) { before.assign(n, T(0)); }
    void step(const Params& p, Optimizer<T>& inner, std::span<T> w, std::span<const T> g,
              double loss, const Closure<T>& f) {
      std::copy(w.begin(), w.end(), before.begin());
      inner.step_with(w, g, loss, f);
      std::size_t kept = 0;
      for (std::size_t i = 0; i < w.size(); ++i) kept += (w[i] - before[i]) * g[i] < 0;
      const T scale =
          p.rescale ? static_cast<T>(static_cast<double>(w.size()) / static_cast<double>(kept + 1))
                    : T(1);
      for (std::size_t i = 0; i < w.size(); ++i) {
        const T u = w[i] - before[i];
        w[i] = u * g[i] < 0 ? before[i] + u * scale : before[i];
      }
    }
    void visit(StateVisitor<T>&) {}
  };
};

}  // namespace descent
