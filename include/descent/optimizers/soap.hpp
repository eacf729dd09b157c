// descent: SOAP, Adam run in the eigenbasis of Shampoo's factors.
#pragma once

#include <cstddef>

#include "descent/tensorwise.hpp"

namespace descent {

struct SoapRule {
  static constexpr OptimizerDoc doc = {
      .name = "soap",
      .summary = "SOAP: Adam in the eigenbasis of Shampoo's L and R, refreshed by a power step",
      .rule =
          "t = 1: L = G G^T, R = G^T G; QL, QR their eigenvectors (eigenvalues descending), "
          "refreshed once as below; w is left as it is\n"
          "then, k = t - 1, b1 = 1 - (1 - beta1) / (1 - beta1^k), b2 likewise from beta2:\n"
          "m <- b1 m + (1 - b1) G;  v <- b2 v + (1 - b2) (QL^T G QR)^2\n"
          "U = QL ((QL^T m QR) / max(sqrt(v), eps)) QR^T\n"
          "L <- b2 L + (1 - b2) G G^T, R likewise; when k is a multiple of update_every: "
          "Q <- qr(L Q), Q's columns first sorted by diag(Q^T L Q), descending, and v's rows "
          "(columns for R) alike\n"
          "w <- w (1 - lr weight_decay) - lr U\n"
          "blocked: a side longer than max_dim is cut into pieces of max_dim (the last "
          "shorter), and each block of G steps by this rule as a tensor of its own",
      .source =
          "Vyas et al. 2024 (arXiv:2409.11321), algorithm 3, as the authors' reference code "
          "(github.com/nikhilvyas/SOAP) computes it",
      .differs =
          "As the reference code: the first step only sets up L, R and their bases, and L and "
          "R are averaged with v's debiased rate (the paper names a separate shampoo_beta). "
          "The reference code's weight decay multiplies w by 1 + lr wd (its rate is negative "
          "there); descent's shrinks w, as AdamW and the paper do. A side longer than max_dim "
          "keeps no factor (its basis is the identity), as in the reference code; blocked=true "
          "cuts it into blocks instead, as Distributed Shampoo (Shi et al. 2023) cuts every "
          "tensor. A tensor with a side of 1 (a vector, every point of the lab's functions, or "
          "a block of one row or column) is Adam with debiased rates unless precondition_1d; "
          "the reference code gives a 1 x n or n x 1 matrix its factor without it. optax and "
          "torch.optim have no SOAP.",
      .family = Family::layerwise,
      .year = 2024};
  struct Params {
    double lr = 3e-3, beta1 = 0.95, beta2 = 0.95, eps = 1e-8;
    int update_every = 10, max_dim = 10000;
    bool blocked = false, precondition_1d = false;
    double weight_decay = 0.01;
  };
  static constexpr auto fields = std::tuple{
      learning_rate(&Params::lr),
      rate(&Params::beta1, "beta1", "decay of the gradient's average m"),
      rate(&Params::beta2, "beta2", "decay of v and of the factors L and R"),
      epsilon(&Params::eps, "floor of sqrt(v)").above_min(),
      integer(&Params::update_every, "update_every", 1, 1 << 30,
              "steps between refreshes of the eigenbases")
          .shown(),
      integer(&Params::max_dim, "max_dim", 1, 1 << 16, "longest side with a factor"),
      flag(&Params::blocked, "blocked",
           "cut a longer side into blocks of max_dim, each a tensor of its own (each factor "
           "array: up to max_dim values per element)"),
      flag(&Params::precondition_1d, "precondition_1d", "give a vector its n x n factor"),
      nonnegative(&Params::weight_decay, "weight_decay", "decoupled, times lr")};
  static constexpr TensorArray arrays[] = {{"factor_l"}, {"factor_r"}, {"basis_l"},
                                           {"basis_r"},  {"exp_avg"},  {"exp_avg_sq"}};

  /// Whether the side of length n of a tensor of shape s has a factor.
  static bool preconditioned(const Params& p, Shape s, std::size_t n) {
    return (s.matrix() || p.precondition_1d) && n > 1 && n <= static_cast<std::size_t>(p.max_dim);
  }
  /// A factor for each block's preconditioned sides, blocks in order.
  static std::size_t array_size(const Params& p, std::size_t a, Shape s) {
    if (a >= 4) return s.size();
    return factor_array_size<SoapRule>(p, s, a % 2 == 0);
  }

  template <class T>
  static void update(const Params& p, const TensorStep<T>& s, std::span<T> l, std::span<T> r,
                     std::span<T> ql, std::span<T> qr, std::span<T> m, std::span<T> v);
};

extern template void SoapRule::update<float>(const Params&, const TensorStep<float>&,
                                             std::span<float>, std::span<float>, std::span<float>,
                                             std::span<float>, std::span<float>, std::span<float>);
extern template void SoapRule::update<double>(const Params&, const TensorStep<double>&,
                                              std::span<double>, std::span<double>,
                                              std::span<double>, std::span<double>,
                                              std::span<double>, std::span<double>);

template <std::floating_point T>
using Soap = Tensorwise<SoapRule, T>;

}  // namespace descent
