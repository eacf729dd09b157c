#include "descent/nn/train.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <random>
#include <stdexcept>
#include <string>

#include "descent/checkpoint.hpp"
#include "descent/distributed.hpp"
#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "util/atomic_file.hpp"
#include "util/text.hpp"

namespace descent::nn {

ModelKind parse_model(std::string_view name) {
  if (name == "softmax") return ModelKind::softmax;
  if (name == "mlp") return ModelKind::mlp;
  throw InputError("unknown model '" + std::string(name) + "'; valid: mlp, softmax");
}

const char* to_string(ModelKind m) { return m == ModelKind::softmax ? "softmax" : "mlp"; }

std::vector<std::size_t> model_sizes(const TrainConfig& c, const ImageDataset& data) {
  std::vector<std::size_t> sizes = {data.train.features};
  if (c.model == ModelKind::mlp) sizes.insert(sizes.end(), c.hidden.begin(), c.hidden.end());
  sizes.push_back(data.classes);
  return sizes;
}

std::vector<std::size_t> epoch_order(std::uint64_t seed, std::size_t epoch, std::size_t count) {
  std::vector<std::size_t> order(count);
  for (std::size_t i = 0; i < count; ++i) order[i] = i;
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + epoch);
  // Fisher-Yates with the generator's output reduced by hand, so that every standard library
  // draws the same order.
  for (std::size_t i = count; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
  return order;
}

std::vector<double> label_draws(std::uint64_t seed, std::size_t epoch, std::size_t batch,
                                std::size_t count) {
  std::seed_seq seq{static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32),
                    static_cast<std::uint32_t>(epoch), static_cast<std::uint32_t>(batch)};
  std::mt19937_64 rng(seq);
  std::vector<double> u(count);
  for (double& v : u) v = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return u;
}

Trainer::Trainer(const TrainConfig& config, const ImageDataset& data, std::string optimizer)
    : config_(config), data_(data), spec_(std::move(optimizer)), model_(model_sizes(config, data)) {
  if (config_.batch == 0) throw InputError("the batch size must be at least 1");
  if (data_.train.count == 0 || data_.test.count == 0)
    throw InputError("the dataset has no training or no test images");
  optimizer_ = make_optimizer<float>(spec_);
  spec_ = optimizer_->spec();
  model_.initialize(config_.seed);
  optimizer_->reset_shapes(model_.shapes());
  grad_.resize(model_.parameter_count());
  connect_hessian_diagonal();
}

void Trainer::connect_hessian_diagonal() {
  if (optimizer_->reads_hessian_diagonal())
    optimizer_->set_hessian_diagonal(
        [this](std::span<const float> w, std::span<float> h) { gauss_newton_bartlett(w, h); });
}

void Trainer::with_parameters(std::span<const float> w, const std::function<void()>& f) {
  const std::span<float> params = model_.parameters();
  if (w.size() != params.size())
    throw std::logic_error("the model was asked to move to a point of " + std::to_string(w.size()) +
                           " parameters; it has " + std::to_string(params.size()));
  if (!moved_from_.empty()) throw std::logic_error("with_parameters does not nest");
  moved_from_.assign(params.begin(), params.end());
  struct Restore {
    std::vector<float>& kept;
    std::span<float> to;
    ~Restore() {
      std::copy(kept.begin(), kept.end(), to.begin());
      kept.clear();  // its capacity stays, for the next call
    }
  } restore{moved_from_, params};
  std::copy(w.begin(), w.end(), params.begin());
  f();
}

void Trainer::gauss_newton_bartlett(std::span<const float> w, std::span<float> h) {
  if (h.size() != model_.parameter_count())
    throw std::logic_error("the Hessian's diagonal was asked for " + std::to_string(h.size()) +
                           " parameters; the model has " +
                           std::to_string(model_.parameter_count()));
  // The labels of this process's rows (the others are not read); each row's number is the same
  // whatever the number of ranks.
  with_parameters(w, [&] {
    const std::size_t n = yb_.size(), features = data_.train.features;
    const auto [lo, hi] = share_of(n);
    const std::vector<double> u = label_draws(config_.seed, epoch_, batch_, n);
    drawn_.assign(n, 0);
    if (hi > lo)
      model_.sample_labels(std::span<const float>(xb_).subspan(lo * features, (hi - lo) * features),
                           std::span<const double>(u).subspan(lo, hi - lo),
                           std::span<std::uint8_t>(drawn_).subspan(lo, hi - lo));
    (void)batch_gradient(drawn_, h, nullptr);
  });
  const auto b = static_cast<float>(yb_.size());
  for (float& v : h) v = b * v * v;
}

Trainer::~Trainer() = default;

std::size_t Trainer::batches() const {
  return (data_.train.count + config_.batch - 1) / config_.batch;
}

EpochRecord Trainer::run_epoch(
    const std::function<void(std::size_t, std::size_t, double, double)>& progress) {
  EpochRecord r;
  r.epoch = done_ + 1;
  if (diverged_) {
    r.diverged = true;
    return r;
  }
  const std::size_t features = data_.train.features, count = data_.train.count;
  check_ranks_agree();
  const std::vector<std::size_t> order = epoch_order(config_.seed, r.epoch, count);
  const std::size_t total = batches();
  step_losses_.clear();
  double sum = 0;
  std::size_t right = 0, seen = 0;
  epoch_ = r.epoch;
  for (std::size_t b = 0; b < total; ++b) {
    batch_ = b;
    const std::size_t first = b * config_.batch, n = std::min(config_.batch, count - first);
    xb_.resize(n * features);
    yb_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      const std::size_t e = order[first + i];
      std::copy_n(data_.train.x.data() + e * features, features, xb_.data() + i * features);
      yb_[i] = data_.train.y[e];
    }
    std::size_t correct = 0;
    const float loss = batch_gradient(yb_, grad_, &correct);
    if (std::isfinite(loss)) step_losses_.push_back(loss);
    if (!std::isfinite(loss)) {
      diverged_ = r.diverged = true;
      break;
    }
    sum += loss;
    right += correct;
    seen += n;
    // The batch's objective elsewhere, for a method that evaluates it a second time (SAM,
    // L-BFGS's line search).
    const Closure<float> batch = [&](std::span<const float> w, std::span<float> g) -> double {
      float at = 0;
      with_parameters(w, [&] { at = batch_gradient(yb_, g, nullptr); });
      return at;
    };
    optimizer_->step_with(model_.parameters(), grad_, loss, batch);
    if (progress)
      progress(b + 1, total, sum / static_cast<double>(b + 1),
               static_cast<double>(right) / static_cast<double>(seen));
  }
  r.train_loss = r.diverged ? INFINITY : sum / static_cast<double>(total);
  r.train_accuracy = seen ? static_cast<double>(right) / static_cast<double>(seen) : 0;
  if (!r.diverged) {
    // A method whose answer is not the point of its gradients is tested at its answer.
    answer_.resize(model_.parameter_count());
    Mlp<float>::Evaluation e;
    const auto test = [&] { e = model_.evaluate(data_.test.x, data_.test.y); };
    if (optimizer_->solution(model_.parameters(), answer_))
      with_parameters(answer_, test);
    else
      test();
    if (ProcessGroup* group = config_.data_parallel ? shared_group() : nullptr) {
      // Rank 0's numbers decide for every rank (another CPU may round differently), so that all
      // ranks stop together if the test loss is not finite.
      Bytes mine;
      mine.put(e.loss).put<std::uint64_t>(e.correct);
      Bytes first(group->all_gather(mine.str()).front());
      e.loss = first.take<decltype(e.loss)>();
      e.correct = first.take<std::uint64_t>();
    }
    r.test_loss = e.loss;
    r.test_accuracy = static_cast<double>(e.correct) / static_cast<double>(data_.test.count);
    if (!std::isfinite(e.loss)) diverged_ = r.diverged = true;
  }
  if (r.diverged) r.test_loss = INFINITY;
  ++done_;
  return r;
}

void Trainer::check_ranks_agree() {
  ProcessGroup* group = config_.data_parallel ? shared_group() : nullptr;
  // Once after the start or a load: from there every rank takes the same steps.
  if (group == nullptr || ranks_agree_) return;
  ranks_agree_ = true;
  // Each rank's epoch, data and parameters, hashed (FNV-1a over the bytes).
  std::uint64_t hash = 1469598103934665603ULL;
  const auto mix = [&](const void* p, std::size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) hash = (hash ^ b[i]) * 1099511628211ULL;
  };
  const std::span<const float> params = model_.parameters();
  mix(params.data(), params.size_bytes());
  mix(data_.train.x.data(), data_.train.x.size() * sizeof(float));
  mix(data_.train.y.data(), data_.train.y.size());
  Bytes mine;
  mine.put<std::uint64_t>(done_).put(hash);
  const std::vector<std::string> all = group->all_gather(mine.str());
  for (std::size_t k = 1; k < all.size(); ++k)
    if (all[k] != all[0])
      throw InputError(
          "data-parallel training: rank " + std::to_string(k) +
          " holds other parameters, epochs or training images than rank 0; every rank must read "
          "the same dataset and, to resume, the same checkpoint");
}

float Trainer::batch_gradient(std::span<const std::uint8_t> y, std::span<float> grad,
                              std::size_t* correct) {
  ProcessGroup* group = config_.data_parallel ? shared_group() : nullptr;
  if (group == nullptr) return model_.loss_and_gradient(xb_, y, grad, correct);
  // This rank's rows, its mean loss and gradient over them, and its correct count.
  const std::size_t n = y.size(), features = data_.train.features;
  const auto [lo, hi] = share_of(n);
  Bytes mine;
  if (hi > lo) {
    std::size_t right = 0;
    const float loss = model_.loss_and_gradient(
        std::span<const float>(xb_).subspan(lo * features, (hi - lo) * features),
        y.subspan(lo, hi - lo), grad, &right);
    mine.put<std::uint64_t>(hi - lo).put(loss).put<std::uint64_t>(right).put_span(grad.data(),
                                                                                  grad.size());
  } else {
    mine.put<std::uint64_t>(0);
  }
  // Every rank's share, added in rank order, each weighted by its share of the rows.
  const std::vector<std::string> shares = group->all_gather(mine.str());
  sum_.assign(grad.size(), 0.0);
  double loss = 0;
  std::size_t right = 0;
  for (const std::string& s : shares) {
    Bytes in(s);
    const auto rows = in.take<std::uint64_t>();
    if (rows == 0) continue;
    const double weight = static_cast<double>(rows) / static_cast<double>(n);
    loss += weight * static_cast<double>(in.take<float>());
    right += in.take<std::uint64_t>();
    share_.resize(grad.size());
    in.take_span(share_.data(), share_.size());
    for (std::size_t i = 0; i < grad.size(); ++i)
      sum_[i] += weight * static_cast<double>(share_[i]);
  }
  for (std::size_t i = 0; i < grad.size(); ++i) grad[i] = static_cast<float>(sum_[i]);
  if (correct != nullptr) *correct = right;
  return static_cast<float>(loss);
}

std::pair<std::size_t, std::size_t> Trainer::share_of(std::size_t n) const {
  ProcessGroup* group = config_.data_parallel ? shared_group() : nullptr;
  if (group == nullptr) return {0, n};
  const auto k = static_cast<std::size_t>(group->size()),
             r = static_cast<std::size_t>(group->rank());
  return {n * r / k, n * (r + 1) / k};
}

void Trainer::save(const std::filesystem::path& path,
                   const std::map<std::string, std::string>& settings) {
  std::map<std::string, std::string> recorded = settings;
  if (diverged_) recorded[kDivergedSetting] = "at epoch " + std::to_string(done_);
  save_checkpoint<float>(
      path, *optimizer_, model_.parameters(), done_,
      {.random_state = std::nullopt, .settings = recorded, .history = std::nullopt});
}

void Trainer::load(const std::filesystem::path& path) {
  ranks_agree_ = false;
  Checkpoint<float> c = load_checkpoint<float>(path);
  if (c.spec != spec_)
    throw InputError("checkpoint '" + path.string() + "' is for optimizer '" + c.spec + "', not '" +
                     spec_ + "'");
  if (c.w.size() != model_.parameter_count())
    throw InputError("checkpoint '" + path.string() + "' holds " + std::to_string(c.w.size()) +
                     " parameters but the model has " + std::to_string(model_.parameter_count()));
  optimizer_ = std::move(c.optimizer);
  connect_hessian_diagonal();
  std::copy(c.w.begin(), c.w.end(), model_.parameters().begin());
  done_ = static_cast<std::size_t>(c.step);
  diverged_ = c.context.settings.contains(kDivergedSetting);
}

namespace {

constexpr char kIterMagic[8] = {'D', 'S', 'C', 'I', 'T', 'E', 'R', '1'};

void put_u64(std::string& out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xFF));
}

std::uint64_t get_u64(const std::string& in, std::size_t at) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i)
    v |= static_cast<std::uint64_t>(static_cast<unsigned char>(in[at + i])) << (8 * i);
  return v;
}

}  // namespace

void write_iterates(const std::filesystem::path& path,
                    const std::vector<std::vector<float>>& rows) {
  static_assert(std::endian::native == std::endian::little, "iterates are little-endian");
  const std::size_t n = rows.empty() ? 0 : rows.front().size();
  std::string out(kIterMagic, sizeof kIterMagic);
  put_u64(out, rows.size());
  put_u64(out, n);
  out.reserve(out.size() + rows.size() * n * 4);
  for (const std::vector<float>& r : rows) {
    if (r.size() != n) throw InputError("iterates of different sizes cannot share a file");
    out.append(reinterpret_cast<const char*>(r.data()), r.size() * 4);
  }
  write_file_atomically(path, out);
}

std::vector<std::vector<float>> read_iterates(const std::filesystem::path& path,
                                              std::size_t parameters) {
  static_assert(std::endian::native == std::endian::little, "iterates are little-endian");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw InputError("cannot read iterates '" + path.string() + "'");
  const std::string in{std::istreambuf_iterator<char>(f), {}};
  const auto bad = [&](const std::string& why) {
    return InputError("iterates '" + path.string() + "': " + why);
  };
  if (in.size() < 24 || std::memcmp(in.data(), kIterMagic, 8) != 0)
    throw bad("not a file of iterates written by descent train");
  const std::uint64_t count = get_u64(in, 8), n = get_u64(in, 16);
  if (n == 0 || count == 0 || count > (in.size() - 24) / 4 / n || in.size() != 24 + count * n * 4)
    throw bad("truncated or damaged (" + std::to_string(in.size()) + " bytes for " +
              std::to_string(count) + " rows of " + std::to_string(n) + " parameters)");
  if (parameters != 0 && n != parameters)
    throw bad("its rows have " + std::to_string(n) + " parameters but the model has " +
              std::to_string(parameters));
  std::vector<std::vector<float>> rows(count, std::vector<float>(n));
  for (std::size_t r = 0; r < count; ++r)
    std::memcpy(rows[r].data(), in.data() + 24 + r * n * 4, n * 4);
  return rows;
}

std::vector<std::size_t> parse_hidden(std::string_view list) {
  std::vector<std::size_t> sizes;
  for (std::string_view item : split_list(list, ',')) {
    const std::string_view t = trim(item);
    std::size_t v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (t.empty() || ec != std::errc() || end != t.data() + t.size() || v < 1 || v > 65536)
      throw InputError("--hidden: '" + std::string(item) +
                       "' is not a layer size (a whole number from 1 to 65536)");
    sizes.push_back(v);
  }
  if (sizes.empty() || sizes.size() > 16)
    throw InputError("--hidden: give 1 to 16 layer sizes, e.g. 256,128");
  return sizes;
}

}  // namespace descent::nn
