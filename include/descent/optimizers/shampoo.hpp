// descent: Shampoo, a matrix's gradient preconditioned on both sides by inverse roots of its
// gradients' outer products, with its step's length grafted from Adam's.
#pragma once

#include <cstddef>

#include "descent/tensorwise.hpp"

namespace descent {

/// Whose step length Shampoo's direction takes: Adam's (per tensor), or none (the paper's step).
enum class ShampooGraft { adam, none };
inline constexpr std::string_view kShampooGraftNames[] = {"adam", "none"};

struct ShampooRule {
  static constexpr OptimizerDoc doc = {
      .name = "shampoo",
      .summary = "Shampoo: L^(-1/4) m R^(-1/4), L and R sums of G G^T and G^T G; Adam's length",
      .rule =
          "L <- beta2 L + G G^T, R <- beta2 R + G^T G   ((1 - beta2) G G^T if beta2 < 1)\n"
          "every update_every steps: PL = (L + eps I)^(-1/2k), PR = (R + eps I)^(-1/2k) by "
          "eigendecomposition; k = the sides preconditioned (a side of 1 or longer than "
          "max_dim is not)\n"
          "blocked: a side longer than max_dim is cut into pieces of max_dim (the last "
          "shorter), and each block of G steps by this rule as a tensor of its own\n"
          "m <- beta1 m + (1 - beta1) G;  M = m / (1 - beta1^t);  P = PL M PR\n"
          "graft=adam: v <- graft_beta2 v + (1 - graft_beta2) G^2, "
          "A = M / (sqrt(v / (1 - graft_beta2^t)) + graft_eps), D = |A| / |P| P "
          "(D = A before the first refresh); graft=none: D = P (D = M before it)\n"
          "k = 0 (no side preconditioned: a side of 1 and one longer than max_dim): D = A, "
          "or M with graft=none\n"
          "w <- w - lr (D + weight_decay w)",
      .source =
          "Gupta et al. 2018 (arXiv:1802.09568), algorithm 1; grafting, momentum of the "
          "gradient and the refresh interval as Distributed Shampoo (Shi et al. 2023, "
          "arXiv:2309.06497); blocking: Anil et al. 2020 (arXiv:2002.09018)",
      .differs =
          "The paper's algorithm is graft=none, beta1=0, beta2=1, update_every=1, with L and R "
          "starting at eps I. Distributed Shampoo (torch) splits tensors into blocks of at most "
          "max_preconditioner_dim, as blocked=true does; by default descent leaves a side "
          "longer than max_dim unpreconditioned (as SOAP does). optax has Shampoo only in "
          "optax's contrib of older releases. A vector of n (the lab's points) is full-matrix "
          "AdaGrad with root 1/2: L is n x n.",
      .family = Family::layerwise,
      .year = 2018};
  struct Params {
    double lr = 1e-3, beta1 = 0.9, beta2 = 1.0, eps = 1e-12;
    int update_every = 10, max_dim = 1024;
    bool blocked = false;
    ShampooGraft graft = ShampooGraft::adam;
    double graft_beta2 = 0.999, graft_eps = 1e-8, weight_decay = 0.0;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr),
      rate(&Params::beta1, "beta1", "decay of the gradient's average m"),
      real(&Params::beta2, "beta2", 0.0, 1.0, "decay of L and R (1: sums)"),
      epsilon(&Params::eps, "added to L and R's eigenvalues before their roots").above_min(),
      integer(&Params::update_every, "update_every", 1, 1 << 30,
              "steps between refreshes of the inverse roots")
          .shown(),
      integer(&Params::max_dim, "max_dim", 1, 1 << 16,
              "longest side preconditioned (memory max_dim^2, time max_dim^3 per side)"),
      flag(&Params::blocked, "blocked",
           "cut a longer side into blocks of max_dim, each a tensor of its own (each factor "
           "array: up to max_dim values per element)"),
      choice(&Params::graft, "graft", kShampooGraftNames, "adam: Adam's step length; none"),
      rate(&Params::graft_beta2, "graft_beta2", "decay of Adam's v for the grafted length"),
      nonnegative(&Params::graft_eps, "graft_eps", "added to sqrt(v) in Adam's step")
          .log()
          .above_min(),
      nonnegative(&Params::weight_decay, "weight_decay", "decoupled, times lr")};
  static constexpr TensorArray arrays[] = {{"factor_l"}, {"factor_r"}, {"root_l"},
                                           {"root_r"},   {"exp_avg"},  {"exp_avg_sq"}};

  /// Whether the side of length n of a block (of any shape) is preconditioned.
  static bool preconditioned(const Params& p, Shape, std::size_t n) {
    return n > 1 && n <= static_cast<std::size_t>(p.max_dim);
  }
  /// A factor for each block's preconditioned sides, blocks in order.
  static std::size_t array_size(const Params& p, std::size_t a, Shape s) {
    if (a >= 4) return a == 4 || p.graft == ShampooGraft::adam ? s.size() : 0;
    return factor_array_size<ShampooRule>(p, s, a % 2 == 0);
  }

  template <class T>
  static void update(const Params& p, const TensorStep<T>& s, std::span<T> l, std::span<T> r,
                     std::span<T> pl, std::span<T> pr, std::span<T> m, std::span<T> v);
};

extern template void ShampooRule::update<float>(const Params&, const TensorStep<float>&,
                                                std::span<float>, std::span<float>,
                                                std::span<float>, std::span<float>,
                                                std::span<float>, std::span<float>);
extern template void ShampooRule::update<double>(const Params&, const TensorStep<double>&,
                                                 std::span<double>, std::span<double>,
                                                 std::span<double>, std::span<double>,
                                                 std::span<double>, std::span<double>);

template <std::floating_point T>
using Shampoo = Tensorwise<ShampooRule, T>;

}  // namespace descent
