// descent: sharpness-aware minimization (SAM) and its adaptive form (ASAM): the inner optimizer
// steps with the gradient taken at a point pushed uphill by rho.
#pragma once

#include <cmath>
#include <span>
#include <vector>

#include "descent/wrapper.hpp"

namespace descent {

struct SamWrapper {
  static constexpr OptimizerDoc doc = {
      .name = "sam",
      .summary =
          "SAM / ASAM: the inner optimizer steps w with the gradient at w + e, e a step "
          "of length rho up the gradient (scaled by |w| + eta with adaptive=true)",
      .rule =
          "T_i = |w_i| + eta if adaptive, else 1\n"
          "e = rho * T^2 g / |T g|      (e = 0 if T g = 0)\n"
          "g' = gradient at w + e (a second evaluation of the objective)\n"
          "the inner optimizer steps w with g' (and the loss at w + e)",
      .source =
          "Foret, Kleiner, Mobahi & Neyshabur 2021 (arXiv:2010.01412), algorithm 1; "
          "ASAM: Kwon, Kim, Park & Choi 2021 (arXiv:2102.11600), algorithm 1; "
          "optax.contrib.sam",
      .differs =
          "optax.contrib.sam with adv_optimizer = chain(normalize(), sgd(rho)) and "
          "opaque_mode=True takes the same steps (its default, opaque_mode=False, spreads one "
          "SAM step over two calls); it has no ASAM. At g = 0 optax divides 0 by 0; here e = "
          "0. The authors' torch code adds 1e-12 (SAM) or 1e-16 (ASAM) to the norm; ASAM's "
          "official code scales only weight matrices, here every parameter. torch.optim and "
          "keras have no SAM. It needs the objective: descent run, sweep, tune and train "
          "give it; step() without one is refused.",
      .family = Family::wrapper,
      .year = 2021};
  static constexpr std::size_t evaluations_per_step = 2;
  static constexpr bool reads_gradient = true;
  struct Params {
    double rho = 0.05;
    bool adaptive = false;
    double eta = 0.01;
  };
  static constexpr auto fields = std::tuple{
      nonnegative(&Params::rho, "rho", "length of the uphill step (its T-weighted norm)").log(),
      flag(&Params::adaptive, "adaptive", "ASAM: scale the step by T = |w| + eta"),
      nonnegative(&Params::eta, "eta", "ASAM's offset in T = |w| + eta")};

  template <std::floating_point T>
  struct State {
    std::vector<T> x, gx;

    void reset(const Params&, std::size_t n) {
      x.assign(n, T(0));
      gx.assign(n, T(0));
    }
    void step(const Params& p, Optimizer<T>& inner, std::span<T> w, std::span<const T> g,
              double loss, const Closure<T>& f) {
      if (!f) detail::needs_closure(doc.name);
      const auto scale = [&](std::size_t i) {
        return p.adaptive ? std::abs(static_cast<double>(w[i])) + p.eta : 1.0;
      };
      double norm = 0;
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double tg = scale(i) * static_cast<double>(g[i]);
        norm += tg * tg;
      }
      norm = std::sqrt(norm);
      if (!(norm > 0) || !std::isfinite(norm)) {
        inner.step_with(w, g, loss, f);
        return;
      }
      // rho (T^2 g / |T g|) in optax's order (normalize, then scale by rho).
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double t = scale(i);
        const double e = p.rho * ((t * t) * static_cast<double>(g[i]) / norm);
        x[i] = static_cast<T>(static_cast<double>(w[i]) + e);
      }
      const double perturbed = f(x, gx);
      inner.step_with(w, gx, perturbed, f);
    }
    void visit(StateVisitor<T>&) {}
  };
};

}  // namespace descent
