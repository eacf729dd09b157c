// The matrix least-squares function |A W B - C|_F^2 over a rows x cols matrix W.
#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "descent/functions/catalog.hpp"

namespace descent {
namespace {

constexpr std::size_t kMaxSide = 200;

// An n x n matrix D (I + 0.3 M / sqrt(n)), row-major, with M uniform in [-1, 1) and D diagonal,
// log-spaced from 1 to `top`: invertible (the perturbation's norm is about 0.35), with singular
// values spread over about [0.65, 1.35 top].
std::vector<double> spread_matrix(std::size_t n, double top, std::mt19937_64& rng) {
  std::vector<double> a(n * n);
  for (std::size_t i = 0; i < n; ++i) {
    const double d =
        n == 1 ? 1.0 : std::pow(top, static_cast<double>(i) / static_cast<double>(n - 1));
    for (std::size_t j = 0; j < n; ++j) {
      // Uniform in [-1, 1) from the generator's bits, so that every standard library agrees.
      const double m = static_cast<double>(rng() >> 11) * 0x1.0p-52 - 1.0;
      a[i * n + j] = d * ((i == j ? 1.0 : 0.0) + 0.3 * m / std::sqrt(static_cast<double>(n)));
    }
  }
  return a;
}

class MatrixLeastSquares final : public Objective {
 public:
  MatrixLeastSquares(std::size_t rows, std::size_t cols, double kappa, std::uint64_t seed)
      : p_(rows), q_(cols), kappa_(kappa), seed_(seed) {
    std::mt19937_64 rng(seed);
    // The Hessian 2 (A^T A) (x) (B B^T) has condition about kappa: each factor's about sqrt.
    a_ = spread_matrix(p_, std::pow(kappa, 0.25), rng);
    b_ = spread_matrix(q_, std::pow(kappa, 0.25), rng);
    w_star_.resize(p_ * q_);
    for (double& x : w_star_) x = static_cast<double>(rng() >> 11) * 0x1.0p-52 - 1.0;
    c_ = product(w_star_);
  }

  std::size_t dim() const override { return p_ * q_; }
  std::vector<Shape> shapes() const override { return {Shape{p_, q_}}; }

  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    std::vector<double> r = product(x);
    double f = 0;
    for (std::size_t i = 0; i < r.size(); ++i) {
      r[i] -= c_[i];
      f += r[i] * r[i];
    }
    // G = 2 A^T R B^T.
    std::vector<double> rb(p_ * q_, 0.0);  // R B^T
    for (std::size_t i = 0; i < p_; ++i)
      for (std::size_t k = 0; k < q_; ++k)
        for (std::size_t j = 0; j < q_; ++j) rb[i * q_ + j] += r[i * q_ + k] * b_[j * q_ + k];
    std::fill(g.begin(), g.end(), 0.0);
    for (std::size_t k = 0; k < p_; ++k)
      for (std::size_t i = 0; i < p_; ++i)
        for (std::size_t j = 0; j < q_; ++j) g[i * q_ + j] += 2 * a_[k * p_ + i] * rb[k * q_ + j];
    return f;
  }

  // H[(i,j),(k,l)] = 2 (A^T A)[i,k] (B B^T)[j,l].
  bool hessian(std::span<const double>, std::span<double> h) const override {
    std::vector<double> ata(p_ * p_, 0.0), bbt(q_ * q_, 0.0);
    for (std::size_t i = 0; i < p_; ++i)
      for (std::size_t k = 0; k < p_; ++k)
        for (std::size_t m = 0; m < p_; ++m) ata[i * p_ + k] += a_[m * p_ + i] * a_[m * p_ + k];
    for (std::size_t j = 0; j < q_; ++j)
      for (std::size_t l = 0; l < q_; ++l)
        for (std::size_t m = 0; m < q_; ++m) bbt[j * q_ + l] += b_[j * q_ + m] * b_[l * q_ + m];
    const std::size_t n = dim();
    for (std::size_t i = 0; i < p_; ++i)
      for (std::size_t j = 0; j < q_; ++j)
        for (std::size_t k = 0; k < p_; ++k)
          for (std::size_t l = 0; l < q_; ++l)
            h[(i * q_ + j) * n + k * q_ + l] = 2 * ata[i * p_ + k] * bbt[j * q_ + l];
    return true;
  }

  std::string spec() const override {
    return "matrix_least_squares:rows=" + std::to_string(p_) + ",cols=" + std::to_string(q_) +
           ",kappa=" + format_double(kappa_) + ",seed=" + std::to_string(seed_);
  }
  std::string formula() const override {
    return "|A W B - C|_F^2 over W " + std::to_string(p_) + " x " + std::to_string(q_) +
           " (row-major), C = A W* B";
  }
  std::vector<std::vector<double>> minimizers() const override { return {w_star_}; }
  std::optional<double> minimum() const override { return 0.0; }
  std::vector<double> default_start() const override { return std::vector<double>(dim(), 1.0); }
  Box bounds() const override {
    return {std::vector<double>(dim(), -2.0), std::vector<double>(dim(), 2.0)};
  }

 private:
  // A X B for a rows x cols X.
  std::vector<double> product(std::span<const double> x) const {
    std::vector<double> ax(p_ * q_, 0.0), out(p_ * q_, 0.0);
    for (std::size_t i = 0; i < p_; ++i)
      for (std::size_t k = 0; k < p_; ++k)
        for (std::size_t j = 0; j < q_; ++j) ax[i * q_ + j] += a_[i * p_ + k] * x[k * q_ + j];
    for (std::size_t i = 0; i < p_; ++i)
      for (std::size_t k = 0; k < q_; ++k)
        for (std::size_t j = 0; j < q_; ++j) out[i * q_ + j] += ax[i * q_ + k] * b_[k * q_ + j];
    return out;
  }

  std::size_t p_, q_;
  double kappa_;
  std::uint64_t seed_;
  std::vector<double> a_, b_, w_star_, c_;
};

}  // namespace

const FunctionInfo& matrix_least_squares_info() {
  static const FunctionInfo info{
      "matrix_least_squares",
      "|A W B - C|_F^2 over a rows x cols matrix W (one tensor: Muon, LAMB and LARS see it "
      "whole); minimum 0 at a random W*",
      {integer_param("rows", 6, 1, kMaxSide, "rows of W (A is rows x rows)"),
       integer_param("cols", 4, 1, kMaxSide, "columns of W (B is cols x cols)"),
       real_param("kappa", 100.0, 1.0, 1e12, "about the Hessian's condition number", true, true,
                  true),
       integer_param("seed", 0, 0, 1e9, "seed of A, B and W*")},
      [](const ParamSet& s) -> std::unique_ptr<Objective> {
        return std::make_unique<MatrixLeastSquares>(
            static_cast<std::size_t>(s.get("rows")), static_cast<std::size_t>(s.get("cols")),
            s.get("kappa"), static_cast<std::uint64_t>(s.get("seed")));
      },
      [](const ParamSet& s) {
        const double p = s.get("rows"), q = s.get("cols");
        return FunctionCost{.dim = static_cast<std::size_t>(p * q),
                            .build = 2 * (p * p * q + p * q * q),
                            .memory = 8 * (p * p + q * q + 2 * p * q),
                            .evaluation = 4 * (p * p * q + p * q * q) + 100};
      }};
  return info;
}

}  // namespace descent
