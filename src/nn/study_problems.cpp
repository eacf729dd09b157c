// The tuning study's training problems (descent/study.hpp): a model trained for a few epochs on a
// fixed subset of an image dataset, scored by its final test loss.
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <utility>

#include "descent/nn/mlp.hpp"
#include "descent/nn/train.hpp"

namespace descent::nn {
namespace {

StudyProblem training_problem(std::string name, std::string doc,
                              std::shared_ptr<const ImageDataset> data, TrainConfig c,
                              std::size_t seeds) {
  StudyProblem p;
  p.name = std::move(name);
  p.doc = std::move(doc);
  p.train_seeds = seeds;
  p.train = [data, c](const OptimizerConfig& o, std::uint64_t seed) {
    TrainConfig run = c;
    run.seed = seed;
    Trainer t(run, *data, o.spec());
    EpochRecord last;
    for (std::size_t e = 0; e < run.epochs; ++e) {
      last = t.run_epoch();
      if (last.diverged) return std::numeric_limits<double>::infinity();
    }
    return last.test_loss;
  };
  p.start_loss = [data, c](std::uint64_t seed) {
    Mlp<float> m(model_sizes(c, *data));
    m.initialize(seed);
    return m.evaluate(data->test.x, data->test.y).loss;
  };
  // About 6 multiply-adds per parameter and image for a training step (forward and backward) at
  // some 4 GFLOP/s on one core, plus the test set's evaluations.
  const double params = [&] {
    const std::vector<std::size_t> sizes = model_sizes(c, *data);
    double n = 0;
    for (std::size_t k = 0; k + 1 < sizes.size(); ++k)
      n += static_cast<double>(sizes[k] + 1) * static_cast<double>(sizes[k + 1]);
    return n;
  }();
  p.train_cost = params * 2 *
                 (6.0 * static_cast<double>(data->train.count * c.epochs) +
                  2.0 * static_cast<double>(data->test.count * c.epochs)) /
                 4e9;
  return p;
}

}  // namespace

std::vector<StudyProblem> training_suite(std::shared_ptr<const ImageDataset> data, bool quick) {
  const std::string subset = std::to_string(data->train.count) + " training images, " +
                             std::to_string(data->test.count) + " test images";
  std::vector<StudyProblem> s;
  TrainConfig softmax{.model = ModelKind::softmax,
                      .hidden = {},
                      .epochs = quick ? 1u : 2u,
                      .batch = 128,
                      .seed = 0};
  s.push_back(training_problem("softmax",
                               "softmax regression on " + subset + ", " +
                                   std::to_string(softmax.epochs) +
                                   " epoch(s) of batches of 128; test loss",
                               data, softmax, quick ? 1 : 2));
  if (!quick) {
    TrainConfig mlp{
        .model = ModelKind::mlp, .hidden = {256, 128}, .epochs = 2, .batch = 128, .seed = 0};
    s.push_back(training_problem(
        "mlp", "the MLP 784-256-128-10 on " + subset + ", 2 epochs of batches of 128; test loss",
        data, mlp, 2));
  }
  return s;
}

}  // namespace descent::nn
