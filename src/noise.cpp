#include "descent/noise.hpp"

#include <cmath>
#include <numbers>
#include <numeric>

#include "descent/error.hpp"
#include "descent/functions/catalog.hpp"
#include "descent/params.hpp"

namespace descent {

double NormalSource::operator()() {
  if (has_spare_) {
    has_spare_ = false;
    return spare_;
  }
  // Box-Muller: two uniforms in (0, 1] from 53 random bits each.
  const auto u = [&] { return (static_cast<double>(rng_() >> 11) + 1.0) * 0x1.0p-53; };
  const double u1 = u(), u2 = u();
  const double r = std::sqrt(-2.0 * std::log(u1)), t = 2.0 * std::numbers::pi * u2;
  spare_ = r * std::sin(t);
  has_spare_ = true;
  return r * std::cos(t);
}

std::uint64_t NormalSource::uniform_below(std::uint64_t n) {
  // Rejection sampling: no modulo bias.
  const std::uint64_t limit =
      std::numeric_limits<std::uint64_t>::max() - std::numeric_limits<std::uint64_t>::max() % n;
  std::uint64_t x;
  do x = rng_();
  while (x >= limit);
  return x % n;
}

NoisyGradient::NoisyGradient(std::unique_ptr<Objective> inner, double sigma, std::uint64_t seed)
    : inner_(std::move(inner)), sigma_(sigma), noise_(seed) {
  if (!(sigma >= 0) || !std::isfinite(sigma))
    throw InputError("noise: sigma must be a finite number >= 0, got " + format_double(sigma));
}

double NoisyGradient::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  const double v = inner_->value_and_gradient(x, g);
  for (double& gi : g) gi += sigma_ * noise_();
  return v;
}

LeastSquares::LeastSquares(int n, int d, std::uint64_t seed, double noise)
    : n_(static_cast<std::size_t>(n)), d_(static_cast<std::size_t>(d)), seed_(seed), noise_(noise) {
  NormalSource z(seed);
  std::vector<double> w_true(d_);
  for (double& w : w_true) w = z();
  a_.resize(n_ * d_);
  b_.resize(n_);
  for (std::size_t i = 0; i < n_; ++i) {
    double dot = 0;
    for (std::size_t j = 0; j < d_; ++j) {
      a_[i * d_ + j] = z();
      dot += a_[i * d_ + j] * w_true[j];
    }
    b_[i] = dot + noise_ * z();
  }
  // The minimizer: Newton's method from 0 is one exact step on a quadratic; refine polishes it.
  std::vector<double> w(d_, 0.0);
  minimizer_ = refine_minimizer(*this, w, /*stay_near=*/false);
  minimum_ = value(minimizer_);
}

double LeastSquares::value(std::span<const double> x) const {
  double s = 0;
  for (std::size_t i = 0; i < n_; ++i) {
    double r = -b_[i];
    for (std::size_t j = 0; j < d_; ++j) r += a_[i * d_ + j] * x[j];
    s += r * r;
  }
  return s / (2.0 * static_cast<double>(n_));
}

double LeastSquares::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  std::fill(g.begin(), g.end(), 0.0);
  std::size_t m = n_;
  if (batch_ > 0 && batch_ < n_) {
    // The first `batch_` entries of a partial Fisher-Yates shuffle: rows without replacement.
    for (std::size_t k = 0; k < batch_; ++k)
      std::swap(order_[k], order_[k + picker_.uniform_below(n_ - k)]);
    m = batch_;
  }
  for (std::size_t k = 0; k < m; ++k) {
    const std::size_t i = m == n_ ? k : order_[k];
    double r = -b_[i];
    for (std::size_t j = 0; j < d_; ++j) r += a_[i * d_ + j] * x[j];
    for (std::size_t j = 0; j < d_; ++j) g[j] += r * a_[i * d_ + j];
  }
  for (double& gj : g) gj /= static_cast<double>(m);
  return value(x);
}

bool LeastSquares::hessian(std::span<const double>, std::span<double> h) const {
  std::fill(h.begin(), h.end(), 0.0);
  for (std::size_t i = 0; i < n_; ++i)
    for (std::size_t j = 0; j < d_; ++j)
      for (std::size_t k = 0; k < d_; ++k) h[j * d_ + k] += a_[i * d_ + j] * a_[i * d_ + k];
  for (double& v : h) v /= static_cast<double>(n_);
  return true;
}

std::string LeastSquares::spec() const {
  return "least_squares:n=" + std::to_string(n_) + ",d=" + std::to_string(d_) +
         ",seed=" + std::to_string(seed_) + ",noise=" + format_double(noise_);
}

std::string LeastSquares::formula() const {
  return "(1/2n) sum_i (a_i.w - b_i)^2, n = " + std::to_string(n_) + " random rows";
}

Box LeastSquares::bounds() const {
  Box b{std::vector<double>(d_), std::vector<double>(d_)};
  for (std::size_t j = 0; j < d_; ++j) {
    b.lower[j] = std::min(minimizer_[j], 0.0) - 2.0;
    b.upper[j] = std::max(minimizer_[j], 0.0) + 2.0;
  }
  return b;
}

void LeastSquares::set_batch(std::size_t batch, std::uint64_t seed) {
  if (batch > n_)
    throw InputError("--batch " + std::to_string(batch) + " is larger than the " +
                     std::to_string(n_) + " rows of " + spec());
  batch_ = batch;
  picker_ = NormalSource(seed);
  order_.resize(n_);
  std::iota(order_.begin(), order_.end(), 0);
}

const FunctionInfo& least_squares_info() {
  static const FunctionInfo info = [] {
    return FunctionInfo{
        "least_squares",
        "linear least squares over n random rows: a finite sum whose mini-batches (--batch) give "
        "stochastic gradients",
        {integer_param("n", 200, 1, 1000000, "rows"), integer_param("d", 2, 1, 1000, "dimension"),
         integer_param("seed", 0, 0, 1e15, "seed of the generated data"),
         real_param("noise", 0.5, 0.0, 1e6, "standard deviation of the noise in the targets")},
        [](const ParamSet& s) -> std::unique_ptr<Objective> {
          return std::make_unique<LeastSquares>(
              static_cast<int>(s.get("n")), static_cast<int>(s.get("d")),
              static_cast<std::uint64_t>(s.get("seed")), s.get("noise"));
        },
        [](const ParamSet& s) {
          // Its data is n x d; its minimizer takes Newton steps, each n d^2 + d^3 (measured:
          // n = 10000, d = 100 builds in about 2 s).
          const double n = s.get("n"), d = s.get("d");
          return FunctionCost{.dim = static_cast<std::size_t>(d),
                              .build = 40 * (n * d * d + d * d * d),
                              .memory = 8 * n * (d + 2),
                              .evaluation = 4 * n * d};
        }};
  }();
  return info;
}

}  // namespace descent
