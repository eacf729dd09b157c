#include "descent/noise.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <numbers>
#include <numeric>
#include <optional>
#include <utility>

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

void NormalSource::skip(std::uint64_t count) {
  if (count > 0 && has_spare_) {
    has_spare_ = false;
    --count;
  }
  // Every pair of normal numbers takes two draws of the generator; an odd count ends by drawing
  // a pair and keeping its second number for the next call.
  rng_.discard(count / 2 * 2);
  if (count % 2 == 1) (void)(*this)();
}

namespace {

// Splits a random state's section "name:settings,evaluations=E" into "name:settings" and E.
std::optional<std::pair<std::string_view, std::uint64_t>> split_section(std::string_view s) {
  constexpr std::string_view key = ",evaluations=";
  const std::size_t at = s.rfind(key);
  if (at == std::string_view::npos) return std::nullopt;
  const std::string_view digits = s.substr(at + key.size());
  std::uint64_t e = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), e);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty())
    return std::nullopt;
  return std::pair{s.substr(0, at), e};
}

// The evaluation count of `section`, which must have the settings `mine`; `what` names the
// stream in messages ("gradient noise", "mini-batches"). Refuses a replay longer than
// kMaxRandomReplay draws (`per_evaluation` draws each).
std::uint64_t evaluations_for(std::string_view section, const std::string& mine, const char* what,
                              std::uint64_t per_evaluation) {
  const auto parts = split_section(section);
  if (!parts)
    throw InputError("the checkpoint's random state '" + std::string(section) +
                     "' is not one this version writes");
  if (parts->first != mine)
    throw InputError("the checkpoint was written by a run that drew " + std::string(what) +
                     " with " + std::string(parts->first) + ", and this run draws them with " +
                     mine);
  if (per_evaluation > 0 && parts->second > kMaxRandomReplay / per_evaluation)
    throw InputError("the checkpoint's random state '" + std::string(section) + "' is beyond " +
                     std::to_string(kMaxRandomReplay) + " draws, more than a resume replays");
  return parts->second;
}

}  // namespace

NoisyGradient::NoisyGradient(std::unique_ptr<Objective> inner, double sigma, std::uint64_t seed)
    : inner_(std::move(inner)), sigma_(sigma), seed_(seed), noise_(seed) {
  if (!(sigma >= 0) || !std::isfinite(sigma))
    throw InputError("noise: sigma must be a finite number >= 0, got " + format_double(sigma));
}

double NoisyGradient::value_and_gradient(std::span<const double> x, std::span<double> g) const {
  const double v = inner_->value_and_gradient(x, g);
  for (double& gi : g) gi += sigma_ * noise_();
  ++evaluations_;
  return v;
}

std::string NoisyGradient::settings() const {
  return "noise:sigma=" + format_double(sigma_) + ",seed=" + std::to_string(seed_);
}

std::string NoisyGradient::random_state() const {
  std::string inner = inner_->random_state();
  return (inner.empty() ? "" : inner + ";") + settings() +
         ",evaluations=" + std::to_string(evaluations_);
}

void NoisyGradient::set_random_state(std::string_view state) const {
  const std::size_t cut = state.rfind(';');
  const std::string_view own = cut == std::string_view::npos ? state : state.substr(cut + 1);
  const std::string_view inner = cut == std::string_view::npos ? "" : state.substr(0, cut);
  if (!own.starts_with("noise:"))
    throw InputError("the checkpoint was written by a run " +
                     (state.empty() ? std::string("with exact gradients")
                                    : "without gradient noise (" + std::string(state) + ")") +
                     ", and this run adds gradient noise (" + settings() + ")");
  const std::uint64_t e =
      evaluations_for(own, settings(), "gradient noise", std::max<std::size_t>(dim(), 1));
  inner_->set_random_state(inner);  // checks, then restores; throws before changing anything
  noise_ = NormalSource(seed_);
  noise_.skip(e * dim());
  evaluations_ = e;
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
  if (batching()) {
    draw_batch();
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
  batch_seed_ = seed;
  picker_ = NormalSource(seed);
  order_.resize(n_);
  std::iota(order_.begin(), order_.end(), 0);
  batches_ = 0;
}

void LeastSquares::draw_batch() const {
  // The first `batch_` entries of a partial Fisher-Yates shuffle: rows without replacement.
  for (std::size_t k = 0; k < batch_; ++k)
    std::swap(order_[k], order_[k + picker_.uniform_below(n_ - k)]);
  ++batches_;
}

std::string LeastSquares::batch_settings() const {
  return "batch:size=" + std::to_string(batch_) + ",seed=" + std::to_string(batch_seed_);
}

std::string LeastSquares::random_state() const {
  return batching() ? batch_settings() + ",evaluations=" + std::to_string(batches_) : "";
}

void LeastSquares::set_random_state(std::string_view state) const {
  if (!batching()) return Objective::set_random_state(state);
  if (state.empty())
    throw InputError(
        "the checkpoint was written by a run with exact gradients, and this run draws "
        "mini-batches (" +
        batch_settings() + ")");
  if (!state.starts_with("batch:") || state.find(';') != std::string_view::npos)
    throw InputError("the checkpoint was written by a run with other random gradients (" +
                     std::string(state) + "), and this run draws mini-batches (" +
                     batch_settings() + ")");
  const std::uint64_t e = evaluations_for(state, batch_settings(), "mini-batches", batch_);
  picker_ = NormalSource(batch_seed_);
  std::iota(order_.begin(), order_.end(), 0);
  batches_ = 0;
  while (batches_ < e) draw_batch();
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
