// descent: Mechanic, a learned scale for any optimizer's steps.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/wrapper.hpp"

namespace descent {

struct MechanicWrapper {
  static constexpr OptimizerDoc doc = {
      .name = "mechanic",
      .summary =
          "Mechanic: w = x0 + s * (the sum of the inner optimizer's steps), the scale s "
          "learned online by num_betas coin-betting tuners",
      .rule =
          "u = the inner optimizer's step from w (its own state advances as usual)\n"
          "S = sum_j s_j; D = (x0 - w) / (S + eps)   (x0 = w at the first step)\n"
          "h = (g + weight_decay * S |g| / (|w| + eps) * w) . D\n"
          "for each beta_j = 1 - 10^-j, j = 1..num_betas, with the old m_j and s_j:\n"
          "  r_j <- beta_j r_j + clamp(h, -m_j, m_j) s_j\n"
          "  m_j <- max(beta_j m_j, |h| + eps); v_j <- beta_j^2 v_j + h^2\n"
          "  s_j <- (s_init / num_betas * m_j + max(r_j, 0)) / (sqrt(v_j) + eps)\n"
          "w <- x0 - (sum_j s_j) * (D - u)",
      .source =
          "Cutkosky, Defazio & Mehta 2023 (arXiv:2306.00144), algorithm 1 (the "
          "memory-saving form); optax.contrib.mechanize",
      .differs =
          "Same as optax.contrib.mechanize, whose clamp of h by m was added after the paper. "
          "The inner optimizer's rate sets the steps' shape only: 1 is the natural value "
          "(the inner defaults are kept here; `mechanic/sgd:lr=1`). Its weight_decay and eps "
          "are Mechanic's own; 'mechanic.eps' names them where the inner optimizer has the "
          "same key. torch.optim and keras have none.",
      .family = Family::wrapper,
      .year = 2023};
  static constexpr bool reads_gradient = true;
  struct Params {
    double weight_decay = 1e-2, eps = 1e-8, s_init = 1e-6;
    int num_betas = 6;
  };
  static constexpr auto fields =
      std::tuple{nonnegative(&Params::weight_decay, "weight_decay",
                             "Mechanic's own decay in h (not the inner optimizer's)"),
                 real(&Params::eps, "eps", 0.0, kInfinity,
                      "added to the norms and the scale's denominators (> 0: the first step's 0/0)",
                      false, false)
                     .log(),
                 real(&Params::s_init, "s_init", 0.0, kInfinity,
                      "initial scale (the sum of the s_j)", false, false)
                     .log(),
                 integer(&Params::num_betas, "num_betas", 1, 16, "tuners, beta_j = 1 - 10^-j")};

  template <std::floating_point T>
  struct State {
    std::vector<T> x0, stepped;
    std::vector<double> r, m, v, s;
    std::int64_t steps = 0;

    void reset(const Params& p, std::size_t n) {
      const auto k = static_cast<std::size_t>(p.num_betas);
      r.assign(k, 0.0);
      m.assign(k, 0.0);
      v.assign(k, 0.0);
      s.assign(k, p.s_init);
      x0.assign(n, T(0));
      stepped.assign(n, T(0));
    }
    void step(const Params& p, Optimizer<T>& inner, std::span<T> w, std::span<const T> g,
              double loss, const Closure<T>& f) {
      std::copy(w.begin(), w.end(), stepped.begin());
      inner.step_with(stepped, g, loss, f);
      if (steps++ == 0) std::copy(w.begin(), w.end(), x0.begin());
      double s_sum = 0, g_norm = 0, w_norm = 0;
      for (const double sj : s) s_sum += sj;
      for (std::size_t i = 0; i < w.size(); ++i) {
        g_norm += static_cast<double>(g[i]) * static_cast<double>(g[i]);
        w_norm += static_cast<double>(w[i]) * static_cast<double>(w[i]);
      }
      const double decay = p.weight_decay * s_sum * std::sqrt(g_norm) / (std::sqrt(w_norm) + p.eps);
      double h = 0;
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double wi = static_cast<double>(w[i]);
        h += (static_cast<double>(g[i]) + decay * wi) *
             ((static_cast<double>(x0[i]) - wi) / (s_sum + p.eps));
      }
      double scale = 0;
      for (std::size_t j = 0; j < s.size(); ++j) {
        const double beta = 1.0 - std::pow(0.1, static_cast<double>(j + 1));
        const double clipped = std::clamp(h, -m[j], m[j]);
        m[j] = std::max(beta * m[j], std::abs(h) + p.eps);
        v[j] = beta * beta * v[j] + h * h;
        r[j] = beta * r[j] + clipped * s[j];
        const double wealth = p.s_init / static_cast<double>(s.size()) * m[j] + std::max(0.0, r[j]);
        s[j] = wealth / (std::sqrt(v[j]) + p.eps);
        scale += s[j];
      }
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double x = static_cast<double>(x0[i]), wi = static_cast<double>(w[i]);
        const double delta = (x - wi) / (s_sum + p.eps) - (static_cast<double>(stepped[i]) - wi);
        w[i] = static_cast<T>(x - scale * delta);
      }
    }
    void visit(StateVisitor<T>& v_) {
      v_.array("x0", x0);
      v_.integer("step", steps);
      for (std::size_t j = 0; j < s.size(); ++j) {
        const std::string at = "[" + std::to_string(j) + "]";
        v_.real("r" + at, r[j]);
        v_.real("m" + at, m[j]);
        v_.real("v" + at, v[j]);
        v_.real("s" + at, s[j]);
      }
    }
  };
};

}  // namespace descent
