// descent: stochastic gradients for the lab: Gaussian noise added to any function's gradient,
// and a finite-sum least-squares problem whose mini-batch gradients are true stochastic
// gradients (the seed's "mini-batch SGD").
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "descent/objective.hpp"

namespace descent {

/// Draws standard normal numbers from a seed, the same on every platform (Box-Muller over
/// std::mt19937_64, whose sequence the standard fixes; std::normal_distribution's is not fixed).
class NormalSource {
 public:
  explicit NormalSource(std::uint64_t seed) : rng_(seed) {}
  double operator()();
  std::uint64_t uniform_below(std::uint64_t n);  ///< uniform in [0, n)
  /// Draws `count` normal numbers and drops them: afterwards the source stands where `count`
  /// calls of operator() would have left it (faster than the calls).
  void skip(std::uint64_t count);

 private:
  std::mt19937_64 rng_;
  double spare_ = 0;
  bool has_spare_ = false;
};

/// Restoring a random state replays the draws since the seed; a state that would need more than
/// this many draws is refused (a damaged or hostile checkpoint must not keep a resume busy).
inline constexpr std::uint64_t kMaxRandomReplay = std::uint64_t{1} << 34;

/// `inner` with N(0, sigma^2) noise added to each gradient component on every evaluation. The
/// value stays exact (the trajectory's loss is the true one). Its random state is
/// "noise:sigma=S,seed=N,evaluations=E", after the inner function's state and a ';' if that has
/// one.
class NoisyGradient final : public Objective {
 public:
  NoisyGradient(std::unique_ptr<Objective> inner, double sigma, std::uint64_t seed);
  std::size_t dim() const override { return inner_->dim(); }
  double value(std::span<const double> x) const override { return inner_->value(x); }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override;
  bool hessian(std::span<const double> x, std::span<double> h) const override {
    return inner_->hessian(x, h);
  }
  std::string spec() const override { return inner_->spec(); }
  std::string formula() const override { return inner_->formula(); }
  std::vector<std::vector<double>> minimizers() const override { return inner_->minimizers(); }
  std::optional<double> minimum() const override { return inner_->minimum(); }
  std::vector<double> default_start() const override { return inner_->default_start(); }
  Box bounds() const override { return inner_->bounds(); }
  std::string explain_non_finite(std::span<const double> x) const override {
    return inner_->explain_non_finite(x);
  }
  std::string random_state() const override;
  void set_random_state(std::string_view state) const override;

 private:
  std::string settings() const;  ///< "noise:sigma=S,seed=N"
  std::unique_ptr<Objective> inner_;
  double sigma_;
  std::uint64_t seed_;
  mutable NormalSource noise_;
  mutable std::uint64_t evaluations_ = 0;  ///< gradients drawn since the seed
};

/// f(w) = (1 / 2n) sum_i (a_i . w - b_i)^2 over n rows generated from a seed: a_i ~ N(0, I),
/// b_i = a_i . w_true + noise * N(0, 1), w_true ~ N(0, I). Its minimizer solves the normal
/// equations. With a batch size B (set_batch), each evaluation's gradient is the mean over B rows
/// drawn without replacement, an unbiased estimate of the full gradient; the value stays the full
/// loss. With mini-batches its random state is "batch:size=B,seed=N,evaluations=E".
class LeastSquares final : public Objective {
 public:
  LeastSquares(int n, int d, std::uint64_t seed, double noise);
  std::size_t dim() const override { return d_; }
  double value(std::span<const double> x) const override;
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override;
  bool hessian(std::span<const double> x, std::span<double> h) const override;
  std::string spec() const override;
  std::string formula() const override;
  std::vector<std::vector<double>> minimizers() const override { return {minimizer_}; }
  std::optional<double> minimum() const override { return minimum_; }
  std::vector<double> default_start() const override { return std::vector<double>(d_, 0.0); }
  Box bounds() const override;
  /// Mini-batches of `batch` rows (0 or n: the full gradient), drawn from `seed`.
  void set_batch(std::size_t batch, std::uint64_t seed);
  std::size_t rows() const { return n_; }
  std::string random_state() const override;
  void set_random_state(std::string_view state) const override;

 private:
  bool batching() const { return batch_ > 0 && batch_ < n_; }
  std::string batch_settings() const;  ///< "batch:size=B,seed=N"
  void draw_batch() const;             ///< the next mini-batch: order_[0, batch_)
  std::size_t n_, d_;
  std::uint64_t seed_;
  double noise_;
  std::vector<double> a_, b_;  ///< rows of A (row-major), targets
  std::vector<double> minimizer_;
  double minimum_ = 0;
  std::size_t batch_ = 0;
  std::uint64_t batch_seed_ = 0;
  mutable NormalSource picker_{0};
  mutable std::vector<std::size_t> order_;
  mutable std::uint64_t batches_ = 0;  ///< mini-batches drawn since set_batch
};

/// The registry entry of `least_squares`.
const FunctionInfo& least_squares_info();

}  // namespace descent
