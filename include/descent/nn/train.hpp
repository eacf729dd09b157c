// descent: mini-batch training of a classifier on an image dataset with any descent optimizer.
//
// One Trainer trains one model with one optimizer: every epoch visits the training images in a
// fresh order (a permutation drawn from the seed and the epoch number alone), in batches, takes an
// optimizer step per batch on the float32 parameters, and then evaluates the test set. The model
// starts from the same initialization (Mlp::initialize(seed)) whatever the optimizer, so that
// optimizers race from one start. save() writes the model, the optimizer's state and the epoch
// count atomically (a descent checkpoint); a Trainer that load()s it continues exactly: the next
// epochs give the numbers an uninterrupted run gives. With the same seed and the same number of
// BLAS threads two runs give the same numbers bit for bit.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/nn/idx.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/optimizer.hpp"
#include "descent/study.hpp"

namespace descent::nn {

enum class ModelKind {
  softmax,  ///< softmax regression: features -> classes
  mlp,      ///< features -> hidden... -> classes with ReLU
};
/// "softmax" or "mlp"; InputError otherwise.
ModelKind parse_model(std::string_view name);
const char* to_string(ModelKind m);

struct TrainConfig {
  ModelKind model = ModelKind::mlp;
  std::vector<std::size_t> hidden = {256, 128};  ///< hidden sizes of the mlp
  std::size_t epochs = 10;
  std::size_t batch = 128;  ///< the last batch of an epoch may be smaller
  std::uint64_t seed = 0;   ///< initialization and shuffling
  /// Data parallelism over the installed process group (descent/distributed.hpp), if it has more
  /// than one rank: each rank computes the gradient of its share of every batch (rank r of K
  /// takes rows [n r / K, n (r + 1) / K)), and every rank adds the shares' gradients, weighted by
  /// their rows, in rank order in double, so that all ranks take the same step. The result
  /// equals the single-process one up to the rounding of the matrix products over fewer rows
  /// (docs/distributed.md states the measured difference). Off, or without a group: one process.
  bool data_parallel = false;
};

/// The layer sizes of the configured model for a dataset.
std::vector<std::size_t> model_sizes(const TrainConfig& config, const ImageDataset& data);

struct EpochRecord {
  std::size_t epoch = 0;      ///< counted from 1
  double train_loss = 0;      ///< the mean of the epoch's batch losses
  double train_accuracy = 0;  ///< share of training images classified right as the epoch went
  /// Mean cross-entropy on the test set after the epoch, at the optimizer's answer (its average x
  /// for Schedule-Free, see Optimizer::solution; else the parameters themselves).
  double test_loss = 0;
  double test_accuracy = 0;  ///< share of test images classified right, in [0, 1]
  bool diverged = false;     ///< a loss or a parameter became non-finite; training stopped
};

class Trainer {
 public:
  /// Throws InputError for a bad optimizer spec, a batch of 0, or an empty dataset. A method that
  /// reads the Hessian's diagonal (Sophia) is given, on the steps where it reads it, the
  /// Gauss-Newton-Bartlett estimate of the current batch (Liu et al. 2024, arXiv:2305.14342,
  /// algorithm 2): labels drawn from the model's softmax at the point it steps from
  /// (Mlp::sample_labels with label_draws(seed, epoch, batch)), the gradient g of the batch's mean
  /// loss against them, and B g * g for a batch of B. With data parallelism each rank draws the
  /// labels of its share of the rows, and the gradient is shared as the training gradient is.
  Trainer(const TrainConfig& config, const ImageDataset& data, std::string optimizer);
  ~Trainer();
  // The optimizer's oracle refers to this object.
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  const std::string& optimizer_spec() const { return spec_; }
  /// Epochs done (also after load()).
  std::size_t epochs_done() const { return done_; }
  /// True once an epoch has diverged: further epochs do nothing.
  bool diverged() const { return diverged_; }
  /// Batches per epoch.
  std::size_t batches() const;
  /// The loss of each batch of the last epoch run_epoch() trained, in order, taken before its
  /// step (the per-iteration training curve; fewer than batches() if the epoch diverged).
  const std::vector<float>& step_losses() const { return step_losses_; }

  /// Trains one more epoch and evaluates it. `progress(batch, batches, mean loss so far,
  /// training accuracy so far)` is called after every batch.
  EpochRecord run_epoch(
      const std::function<void(std::size_t, std::size_t, double, double)>& progress = {});

  /// Writes the model, the optimizer's state, the epoch count and `settings` (the settings a
  /// resumed run must keep, by name: CheckpointContext::settings) to `path`, atomically. Once an
  /// epoch has diverged, the settings also record it, as kDivergedSetting.
  void save(const std::filesystem::path& path,
            const std::map<std::string, std::string>& settings = {});
  /// Continues from a file save() wrote for the same model and optimizer spec; a run that had
  /// diverged stays diverged. Throws InputError (and changes nothing) for a missing or corrupted
  /// file or one that does not fit.
  void load(const std::filesystem::path& path);
  /// The name under which save() records that the run diverged (reserved in `settings`).
  static constexpr const char* kDivergedSetting = "diverged";

  const Mlp<float>& model() const { return model_; }
  /// The optimizer, for inspection.
  const Optimizer<float>& optimizer() const { return *optimizer_; }

 private:
  TrainConfig config_;
  const ImageDataset& data_;
  std::string spec_;
  Mlp<float> model_;
  std::unique_ptr<Optimizer<float>> optimizer_;
  std::vector<float> grad_, xb_;
  std::vector<float> answer_;  // the optimizer's answer where it is not the parameters
  std::vector<std::uint8_t> yb_;
  std::vector<float> step_losses_;
  std::vector<double> sum_;   // data parallelism: the gradient being added up
  std::vector<float> share_;  // one rank's share
  std::size_t done_ = 0;
  bool diverged_ = false;
  // The loss and gradient of the batch in xb_ with labels y at the model's parameters, into `grad`
  // (and the correct count, if asked): on this process, or shared over the process group.
  float batch_gradient(std::span<const std::uint8_t> y, std::span<float> grad,
                       std::size_t* correct);
  // Runs f with the model's parameters set to w, and puts them back however f ends.
  void with_parameters(std::span<const float> w, const std::function<void()>& f);
  std::vector<float> moved_from_;  // the parameters with_parameters puts back; empty outside it
  // This process's share [first, last) of a batch of n rows: all of them without a group.
  std::pair<std::size_t, std::size_t> share_of(std::size_t n) const;
  // Data parallelism: throws InputError on every rank if the ranks' epochs, training images or
  // parameters differ (checked once after the start and after each load).
  void check_ranks_agree();
  bool ranks_agree_ = false;
  // Where the epoch stands, for the labels of the Gauss-Newton-Bartlett estimate.
  std::size_t epoch_ = 0, batch_ = 0;
  std::vector<std::uint8_t> drawn_;  // its labels
  // Gives the optimizer the estimate, if it reads the Hessian's diagonal.
  void connect_hessian_diagonal();
  // The Gauss-Newton-Bartlett estimate of the diagonal at w on the batch in xb_, into h.
  void gauss_newton_bartlett(std::span<const float> w, std::span<float> h);
};

/// The tuning study's training problems (descent/study.hpp) on `data` (Fashion-MNIST, already cut
/// to the subset to use): softmax regression and the MLP 784-256-128-10, each trained for 2 epochs
/// with batches of 128 from 2 seeds, scored by the test loss after the last epoch; `quick`: only
/// softmax regression, 1 epoch, 1 seed. Training runs call the BLAS from several threads at once:
/// set its threads to 1 (set_blas_threads) first.
std::vector<StudyProblem> training_suite(std::shared_ptr<const ImageDataset> data, bool quick);

/// Parameter snapshots of a training run (the initialization, then the parameters after each
/// epoch), as `descent train` keeps them for `descent landscape`: a file of the 8 bytes
/// "DSCITER1", the row count and the parameter count as little-endian 64-bit integers, then the
/// rows as little-endian float32. write_iterates writes atomically; read_iterates throws
/// InputError naming the file for a missing, truncated or foreign file, or (when `parameters`
/// is not 0) rows of another size.
void write_iterates(const std::filesystem::path& path, const std::vector<std::vector<float>>& rows);
std::vector<std::vector<float>> read_iterates(const std::filesystem::path& path,
                                              std::size_t parameters = 0);

/// "256,128" as hidden layer sizes; InputError for an empty list, a size of 0 or above 65536, or
/// more than 16 layers.
std::vector<std::size_t> parse_hidden(std::string_view list);

/// The uniform numbers in [0, 1) from which the Gauss-Newton-Bartlett estimate of batch `batch`
/// (from 0) of epoch `epoch` (from 1) draws its `count` labels (Mlp::sample_labels): mt19937_64
/// seeded by std::seed_seq over the seed's two halves, the epoch and the batch, its outputs' top
/// 53 bits scaled by 2^-53.
std::vector<double> label_draws(std::uint64_t seed, std::size_t epoch, std::size_t batch,
                                std::size_t count);

/// The order of the training examples in epoch `epoch` (from 1): a Fisher-Yates permutation of
/// 0..count-1 drawn from mt19937_64 seeded by the seed and the epoch.
std::vector<std::size_t> epoch_order(std::uint64_t seed, std::size_t epoch, std::size_t count);

}  // namespace descent::nn
