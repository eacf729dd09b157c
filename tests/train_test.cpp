// Training on a slice of Fashion-MNIST: learning happens, two runs with one seed agree bit for
// bit, and a run stopped after an epoch and resumed gives the uninterrupted run's numbers; the
// `descent train` command, killed mid-run and resumed, writes the uninterrupted log.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "descent/checkpoint.hpp"
#include "descent/error.hpp"
#include "descent/nn/idx.hpp"
#include "descent/nn/train.hpp"
#include "test_support.hpp"

namespace descent::nn {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;

const ImageDataset& slice() {
  static const ImageDataset d = load_image_dataset(kFashionMnistFolder, 2000, 500);
  return d;
}

void expect_same(const EpochRecord& a, const EpochRecord& b) {
  EXPECT_EQ(a.epoch, b.epoch);
  EXPECT_EQ(a.train_loss, b.train_loss) << "epoch " << a.epoch;
  EXPECT_EQ(a.train_accuracy, b.train_accuracy) << "epoch " << a.epoch;
  EXPECT_EQ(a.test_loss, b.test_loss) << "epoch " << a.epoch;
  EXPECT_EQ(a.test_accuracy, b.test_accuracy) << "epoch " << a.epoch;
}

TEST(Train, EpochOrdersArePermutationsFromTheSeedAndEpoch) {
  const std::vector<std::size_t> a = epoch_order(0, 1, 1000);
  EXPECT_EQ(std::set<std::size_t>(a.begin(), a.end()).size(), 1000u);
  EXPECT_EQ(a, epoch_order(0, 1, 1000));
  EXPECT_NE(a, epoch_order(0, 2, 1000));
  EXPECT_NE(a, epoch_order(1, 1, 1000));
}

TEST(Train, TheModelsLearn) {
  TrainConfig c;
  c.epochs = 3;
  for (ModelKind m : {ModelKind::softmax, ModelKind::mlp}) {
    c.model = m;
    Trainer t(c, slice(), "adam:lr=0.001");
    EpochRecord r;
    for (int e = 0; e < 3; ++e) r = t.run_epoch();
    // Ten classes: guessing gives 10%. 2000 images and 3 epochs give well above 60%.
    EXPECT_GT(r.test_accuracy, 0.6) << to_string(m);
    EXPECT_LT(r.train_loss, 1.2) << to_string(m);
    EXPECT_GT(r.train_accuracy, 0.6) << to_string(m);
  }
}

// Schedule-Free's model is its average x, not the point y of its gradients: the test set is
// evaluated there, and the parameters go on from y.
TEST(Train, ScheduleFreeIsTestedAtItsAnswer) {
  TrainConfig c;
  c.model = ModelKind::softmax;
  Trainer t(c, slice(), "schedule_free_sgd:lr=0.05");
  const EpochRecord r = t.run_epoch();
  Mlp<float> x = t.model();
  ASSERT_TRUE(t.optimizer().solution(t.model().parameters(), x.parameters()));
  const auto at_x = x.evaluate(slice().test.x, slice().test.y);
  const auto at_y = t.model().evaluate(slice().test.x, slice().test.y);
  EXPECT_EQ(r.test_loss, at_x.loss);
  EXPECT_NE(r.test_loss, at_y.loss);
  EXPECT_GT(r.test_accuracy, 0.6);
}

TEST(Train, SameSeedSameNumbersAndResumeContinuesExactly) {
  TrainConfig c;
  c.batch = 64;
  c.seed = 7;
  // The grouped spec puts Muon on the hidden layer's matrix and AdamW on the rest: checkpoints hold
  // the layout and both groups' states.
  // Sophia draws its labels from the seed, the epoch and the batch, and resumes exactly too.
  for (const char* spec :
       {"momentum:lr=0.05,alpha=0.9", "adam:lr=0.001@cosine:t_max=90",
        "hidden=muon:lr=0.02 rest=adamw:lr=0.001", "sophia:lr=0.001,update_every=3",
        "hidden=sophia:lr=0.001 rest=adamw:lr=0.001"}) {
    Trainer whole(c, slice(), spec), again(c, slice(), spec);
    std::vector<EpochRecord> a, b;
    for (int e = 0; e < 3; ++e) {
      a.push_back(whole.run_epoch());
      b.push_back(again.run_epoch());
      expect_same(a.back(), b.back());
    }
    test::TempDir dir;
    const fs::path ckpt = fs::path(dir.path()) / "t.ckpt";
    Trainer first(c, slice(), spec);
    expect_same(first.run_epoch(), a[0]);
    first.save(ckpt);
    Trainer resumed(c, slice(), spec);
    resumed.load(ckpt);
    EXPECT_EQ(resumed.epochs_done(), 1u);
    expect_same(resumed.run_epoch(), a[1]);
    expect_same(resumed.run_epoch(), a[2]);
    const auto p = resumed.model().parameters(), q = whole.model().parameters();
    EXPECT_TRUE(std::equal(p.begin(), p.end(), q.begin())) << spec;
    // A checkpoint of another optimizer is refused and changes nothing.
    Trainer other(c, slice(), "sgd:lr=0.1");
    try {
      other.load(ckpt);
      ADD_FAILURE() << "another optimizer's checkpoint was accepted";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr("is for optimizer"));
    }
    EXPECT_EQ(other.epochs_done(), 0u);
  }
}

TEST(Train, LabelDrawsDependOnTheSeedEpochAndBatch) {
  const std::vector<double> u = label_draws(0, 1, 0, 100);
  EXPECT_EQ(u, label_draws(0, 1, 0, 100));
  EXPECT_NE(u, label_draws(1, 1, 0, 100));
  EXPECT_NE(u, label_draws(0, 2, 0, 100));
  EXPECT_NE(u, label_draws(0, 1, 1, 100));
  EXPECT_NE(u, label_draws(std::uint64_t{1} << 32, 1, 0, 100)) << "the seed's upper half";
  for (double v : u) {
    EXPECT_GE(v, 0.0);
    EXPECT_LT(v, 1.0);
  }
}

// Sophia's diagonal in training. With lr = 0 the model stays at its start; with beta2 = 0 and a
// reading every step, the state's h after a step is that step's Gauss-Newton-Bartlett estimate,
// B g * g, g the gradient against labels drawn from the model (label_draws for the step's epoch
// and batch). After 2 epochs of 2 batches, h is the estimate of epoch 2's second batch.
TEST(Train, SophiaReadsTheGaussNewtonBartlettEstimate) {
  TrainConfig c;
  c.model = ModelKind::softmax;
  c.seed = 3;
  const std::size_t count = slice().train.count, features = slice().train.features;
  c.batch = count / 2;
  Trainer t(c, slice(), "sophia:lr=0,beta2=0,update_every=1");
  (void)t.run_epoch();
  (void)t.run_epoch();
  test::TempDir dir;
  const fs::path ckpt = fs::path(dir.path()) / "s.ckpt";
  t.save(ckpt);
  struct Hessian final : StateVisitor<float> {
    std::vector<float> h;
    void array(std::string_view name, std::vector<float>& v) override {
      if (name == "hessian") h = v;
    }
    void real(std::string_view, double&) override {}
    void integer(std::string_view, std::int64_t&) override {}
  } state;
  load_checkpoint<float>(ckpt).optimizer->visit_state(state);

  Mlp<float> m(model_sizes(c, slice()));
  m.initialize(c.seed);
  const std::size_t n = count - c.batch;  // the second batch's rows
  std::vector<float> x(n * features);
  std::vector<std::uint8_t> y(n), drawn(n);
  const std::vector<std::size_t> order = epoch_order(c.seed, 2, count);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t e = order[c.batch + i];
    std::copy_n(slice().train.x.data() + e * features, features, x.data() + i * features);
    y[i] = slice().train.y[e];
  }
  m.sample_labels(x, label_draws(c.seed, 2, 1, n), drawn);
  EXPECT_NE(drawn, y) << "the labels are the model's, not the data's";
  std::vector<float> g(m.parameter_count());
  (void)m.loss_and_gradient(x, drawn, g);
  ASSERT_EQ(state.h.size(), g.size());
  double largest = 0;
  for (std::size_t i = 0; i < g.size(); ++i) {
    ASSERT_EQ(state.h[i], static_cast<float>(n) * g[i] * g[i]) << i;
    largest = std::max(largest, static_cast<double>(state.h[i]));
  }
  EXPECT_GT(largest, 0.0);
  const std::span<const float> p = t.model().parameters(), q = m.parameters();
  EXPECT_TRUE(std::equal(p.begin(), p.end(), q.begin())) << "lr = 0 moved the model";
}

// The groups step disjoint tensors, so their order in the spec changes nothing, Sophia's
// estimate included.
TEST(Train, TheOrderOfTheGroupsChangesNothing) {
  TrainConfig c;
  Trainer a(c, slice(), "vectors=adamw:lr=0.001 matrices=sophia:lr=0.001,update_every=3");
  Trainer b(c, slice(), "matrices=sophia:lr=0.001,update_every=3 vectors=adamw:lr=0.001");
  expect_same(a.run_epoch(), b.run_epoch());
  const auto p = a.model().parameters(), q = b.model().parameters();
  EXPECT_TRUE(std::equal(p.begin(), p.end(), q.begin()));
}

// Sophia with the estimate learns, alone and on the hidden layer beside AdamW.
TEST(Train, SophiaLearns) {
  TrainConfig c;
  c.epochs = 3;
  for (const char* spec : {"sophia:lr=0.001", "hidden=sophia:lr=0.001 rest=adamw:lr=0.001"}) {
    Trainer t(c, slice(), spec);
    EpochRecord r;
    for (int e = 0; e < 3; ++e) r = t.run_epoch();
    EXPECT_GT(r.test_accuracy, 0.6) << spec;
  }
}

TEST(Train, DivergenceStopsTraining) {
  TrainConfig c;
  c.model = ModelKind::softmax;
  Trainer t(c, slice(), "sgd:lr=1e38");
  const EpochRecord r = t.run_epoch();
  EXPECT_TRUE(r.diverged);
  EXPECT_TRUE(t.diverged());
  EXPECT_TRUE(t.run_epoch().diverged);
}

TEST(Train, BadSettingsAreRefused) {
  TrainConfig c;
  c.batch = 0;
  EXPECT_THROW(Trainer(c, slice(), "adam"), InputError);
  c.batch = 10;
  EXPECT_THROW(Trainer(c, slice(), "adamx"), InputError);
  EXPECT_THROW((void)parse_model("cnn"), InputError);
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

TEST(TrainCli, KilledMidRunAndResumedWritesTheUninterruptedLog) {
  test::TempDir dir;
  const std::string common =
      "train --train-limit 6000 --test-limit 500 --epochs 4 --threads 1 --no-plots "
      "-o sgd:lr=0.1 -o adam:lr=0.001 --iterate-every 2 --sharpness-every 40 "
      "--sharpness-images 300 --out ";
  const auto whole = test::run_cli(common + "whole", dir.path());
  ASSERT_EQ(whole.status, 0) << whole.err;
  EXPECT_THAT(whole.out, HasSubstr("adam:lr=0.001                      epoch   4:"));
  const fs::path out = fs::path(dir.path()) / "whole";
  EXPECT_TRUE(fs::exists(out / "train.json"));
  EXPECT_TRUE(fs::exists(out / "checkpoints" / "optimizer-2.ckpt"));

  // The same run, killed (SIGKILL) once the first optimizer's first epoch is checkpointed.
  const fs::path cut = fs::path(dir.path()) / "cut";
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ASSERT_EQ(chdir(dir.path().c_str()), 0);
    const std::string cmd = std::string(DESCENT_CLI) + " " + common + "cut >/dev/null 2>&1";
    execl("/bin/sh", "sh", "-c", ("exec " + cmd).c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(cut / "checkpoints" / "optimizer-1.ckpt") &&
         std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status)) << "the run ended before it was killed";
  const std::string partial = read_all(cut / "train.csv");
  EXPECT_LT(partial.size(), read_all(out / "train.csv").size()) << "killed before the end";

  const auto resumed = test::run_cli(common + "cut --resume", dir.path());
  ASSERT_EQ(resumed.status, 0) << resumed.err;
  EXPECT_THAT(resumed.out, HasSubstr("resumed   sgd:lr=0.1 after epoch"));
  EXPECT_EQ(read_all(cut / "train.csv"), read_all(out / "train.csv"));
  // The per-step losses and the kept iterates too, byte for byte.
  EXPECT_EQ(read_all(cut / "train-steps.csv"), read_all(out / "train-steps.csv"));
  for (const char* it : {"optimizer-1.bin", "optimizer-2.bin"})
    EXPECT_EQ(read_all(cut / "iterates" / it), read_all(out / "iterates" / it)) << it;
  // Epochs 0, 2 and 4 of 4: three rows.
  EXPECT_EQ(read_iterates(out / "iterates" / "optimizer-1.bin").size(), 3u);
  // The sharpness estimates too: each starts from the vector the last one left, which the
  // checkpoint's epoch keeps. Steps 0, 40, ..., 160 of 188, per run.
  const std::string sharpness = read_all(out / "sharpness.csv");
  EXPECT_EQ(std::ranges::count(sharpness, '\n'), 1 + 2 * (4 * 47 / 40 + 1));
  EXPECT_EQ(read_all(cut / "sharpness.csv"), sharpness);
}

// A small MNIST-style folder: `train` and `test` images of 4x4 pixels with labels 0..9.
void write_tiny_dataset(const fs::path& folder, std::size_t train, std::size_t test) {
  fs::create_directories(folder);
  std::uint8_t value = 0;
  for (const auto& [prefix, count] : {std::pair<std::string, std::size_t>{"train", train},
                                      std::pair<std::string, std::size_t>{"t10k", test}}) {
    std::vector<std::uint8_t> pixels(count * 16), labels(count);
    for (auto& p : pixels) p = value += 37;
    for (std::size_t i = 0; i < count; ++i) labels[i] = static_cast<std::uint8_t>(i % 10);
    write_idx_u8(folder / (prefix + "-images-idx3-ubyte"), {count, 4, 4}, pixels);
    write_idx_u8(folder / (prefix + "-labels-idx1-ubyte"), {count}, labels);
  }
}

// --resume refuses a changed setting that shapes the numbers (naming it, with both values) and
// accepts the ones that do not: more epochs, another thread count, no figures.
TEST(TrainCli, ResumeRefusesChangedSettings) {
  test::TempDir dir;
  write_tiny_dataset(fs::path(dir.path()) / "d", 120, 30);
  write_tiny_dataset(fs::path(dir.path()) / "d2", 120, 30);
  const std::string base = "train -o sgd:lr=0.1 --no-plots --out o ";
  const std::string same =
      "--model softmax --data d --batch 16 --seed 1 --train-limit 100 --test-limit 20 ";
  auto r = test::run_cli(base + same + "--epochs 1", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string log = read_all(fs::path(dir.path()) / "o" / "train.csv");
  const std::string d = fs::weakly_canonical(fs::path(dir.path()) / "d").string();
  const std::string d2 = fs::weakly_canonical(fs::path(dir.path()) / "d2").string();
  const std::pair<std::string, std::vector<std::string>> changed[] = {
      {"--model softmax --data d2 --batch 16 --seed 1 --train-limit 100 --test-limit 20",
       {"--data " + d, "--data " + d2}},
      {"--model softmax --data d --batch 32 --seed 1 --train-limit 100 --test-limit 20",
       {"--batch 16", "--batch 32"}},
      {"--model softmax --data d --batch 16 --seed 2 --train-limit 100 --test-limit 20",
       {"--seed 1", "--seed 2"}},
      {"--model softmax --data d --batch 16 --seed 1 --train-limit 90 --test-limit 20",
       {"--train-limit 100", "--train-limit 90"}},
      {"--model softmax --data d --batch 16 --seed 1 --test-limit 20",
       {"--train-limit 100", "--train-limit all"}},
      {"--model softmax --data d --batch 16 --seed 1 --train-limit 100 --test-limit 25",
       {"--test-limit 20", "--test-limit 25"}},
      {"--model mlp --data d --batch 16 --seed 1 --train-limit 100 --test-limit 20",
       {"--model softmax", "--model mlp"}},
  };
  for (const auto& [args, names] : changed) {
    r = test::run_cli(base + args + " --epochs 2 --resume", dir.path());
    EXPECT_EQ(r.status, 2) << args;
    for (const std::string& n : names) EXPECT_THAT(r.err, HasSubstr(n)) << args;
    // Nothing was trained or written.
    EXPECT_EQ(read_all(fs::path(dir.path()) / "o" / "train.csv"), log) << args;
  }
  r = test::run_cli(base + same + "--epochs 2 --threads 1 --resume", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("resumed   sgd:lr=0.1 after epoch 1"));
}

// A run extended with --resume (2 epochs, then 3) writes what the 3-epoch run writes, byte for
// byte: every file keeps the optimizers in their order, and the sharpness estimates start from
// the vector the whole run would have carried over.
TEST(TrainCli, AnExtendedRunWritesTheWholeRunsFiles) {
  test::TempDir dir;
  write_tiny_dataset(fs::path(dir.path()) / "d", 160, 30);
  const std::string base =
      "train --model mlp --hidden 8 --data d --batch 16 --threads 1 --no-plots -o sgd:lr=0.1 "
      "-o adam:lr=0.01 --sharpness-every 3 --sharpness-images 40 ";
  auto r = test::run_cli(base + "--epochs 3 --out whole", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  r = test::run_cli(base + "--epochs 2 --out cut", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  r = test::run_cli(base + "--epochs 3 --out cut --resume", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("resumed   adam:lr=0.01 after epoch 2"));
  const fs::path whole = fs::path(dir.path()) / "whole", cut = fs::path(dir.path()) / "cut";
  for (const char* f : {"train.csv", "train-steps.csv", "sharpness.csv"}) {
    EXPECT_FALSE(read_all(whole / f).empty()) << f;
    EXPECT_EQ(read_all(cut / f), read_all(whole / f)) << f;
  }
  for (const char* f : {"optimizer-1.ckpt", "optimizer-2.ckpt"})
    EXPECT_EQ(read_all(cut / "checkpoints" / f), read_all(whole / "checkpoints" / f)) << f;
}

// A diverged run stays stopped when resumed; an optimizer list that differs from the
// checkpoints', fewer epochs than done, and an optimizer given twice are refused before anything
// is trained or written.
TEST(TrainCli, ResumeKeepsADivergedRunStoppedAndRefusesAnotherList) {
  test::TempDir dir;
  write_tiny_dataset(fs::path(dir.path()) / "d", 120, 30);
  const fs::path log = fs::path(dir.path()) / "o" / "train.csv";
  const std::string base =
      "train --model softmax --data d --batch 16 --threads 1 --no-plots --out o ";
  auto r = test::run_cli(base + "-o sgd:lr=1e38 -o sgd:lr=0.1 --epochs 2", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string before = read_all(log);
  ASSERT_THAT(before, HasSubstr("\"sgd:lr=1e+38,weight_decay=0\",1,"));
  ASSERT_THAT(before, Not(HasSubstr("\"sgd:lr=1e+38,weight_decay=0\",2,")));
  r = test::run_cli(base + "-o sgd:lr=1e38 -o sgd:lr=0.1 --epochs 3 --resume", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("(it diverged: not trained further)"));
  const std::string after = read_all(log);
  EXPECT_THAT(after, Not(HasSubstr("\"sgd:lr=1e+38,weight_decay=0\",2,")));
  EXPECT_THAT(after, HasSubstr("\"sgd:lr=0.1,weight_decay=0\",3,"));
  EXPECT_LT(after.find("1e+38"), after.find("lr=0.1,"));  // the order of -o

  const std::pair<std::string, std::string> refused[] = {
      {"-o sgd:lr=1e38 -o adam --epochs 4 --resume", "is for optimizer 'sgd:lr=0.1"},
      {"-o sgd:lr=1e38 -o sgd:lr=0.1 --epochs 2 --resume", "more than --epochs 2"},
      {"-o sgd:lr=0.1 -o sgd:lr=0.1,weight_decay=0 --epochs 4", "is given twice"}};
  for (const auto& [args, message] : refused) {
    r = test::run_cli(base + args, dir.path());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
    EXPECT_EQ(read_all(log), after) << args;
  }
}

// Files of epochs that a checkpoint has not done (the process killed between its logs and its
// checkpoint) go on resume, also when nothing more is trained; a fresh run removes the sharpness
// vectors an earlier run left, and each run keeps only its latest.
TEST(TrainCli, ResumeDropsWhatTheCheckpointHasNotDone) {
  test::TempDir dir;
  write_tiny_dataset(fs::path(dir.path()) / "d", 120, 30);
  const fs::path o = fs::path(dir.path()) / "o", ckpt = o / "checkpoints" / "optimizer-1.ckpt";
  const std::string base =
      "train --model mlp --data d --batch 16 --threads 1 --no-plots -o sgd:lr=0.1 --out o ";
  auto r = test::run_cli(base + "--hidden 8 --epochs 2 --sharpness-every 3", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string log = read_all(o / "train.csv"),
                    iterates = read_all(o / "iterates" / "optimizer-1.bin");
  const std::string two = read_all(ckpt);
  const auto vectors = [&] {
    std::vector<std::string> names;
    for (const fs::directory_entry& e : fs::directory_iterator(o / "checkpoints"))
      if (e.path().extension() == ".bin") names.push_back(e.path().filename().string());
    std::ranges::sort(names);
    return names;
  };
  EXPECT_EQ(vectors(), std::vector<std::string>{"optimizer-1.sharpness-2.bin"});
  r = test::run_cli(base + "--hidden 8 --epochs 3 --sharpness-every 3 --resume", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(vectors(), std::vector<std::string>{"optimizer-1.sharpness-3.bin"});
  // Epoch 3 logged, its checkpoint not written: resuming to epoch 2 restores the 2-epoch files.
  { std::ofstream(ckpt, std::ios::binary) << two; }
  r = test::run_cli(base + "--hidden 8 --epochs 2 --sharpness-every 3 --resume", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_all(o / "train.csv"), log);
  EXPECT_EQ(read_all(o / "iterates" / "optimizer-1.bin"), iterates);
  // A fresh run of another model, then a resumed one with the sharpness: no stale vector read.
  r = test::run_cli(base + "--hidden 6 --epochs 1", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(vectors().empty());
  r = test::run_cli(base + "--hidden 6 --epochs 2 --sharpness-every 3 --resume", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("note")));
  EXPECT_EQ(vectors(), std::vector<std::string>{"optimizer-1.sharpness-2.bin"});

  // A run that ends off the --iterate-every grid keeps its last epoch's row (epochs 0, 2, 3)
  // through a resume that trains nothing.
  const std::string every2 =
      "train --model softmax --data d --batch 16 --threads 1 --no-plots -o sgd:lr=0.1 "
      "--iterate-every 2 --epochs 3 --out p";
  r = test::run_cli(every2, dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const fs::path rows = fs::path(dir.path()) / "p" / "iterates" / "optimizer-1.bin";
  const std::string three = read_all(rows);
  EXPECT_EQ(read_iterates(rows).size(), 3u);
  r = test::run_cli(every2 + " --resume", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_all(rows), three);
}

TEST(TrainCli, WritesLogsFiguresAndRefusesBadInput) {
  test::TempDir dir;
  const auto r = test::run_cli(
      "train --model softmax --train-limit 1000 --test-limit 200 --epochs 2 -o sgd:lr=0.1",
      dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("train     softmax 784-10"));
  EXPECT_THAT(r.out, HasSubstr("best test accuracy"));
  const fs::path out = fs::path(dir.path()) / "descent-out";
  const std::string csv = read_all(out / "train.csv");
  EXPECT_THAT(csv, HasSubstr("optimizer,epoch,train_loss,train_accuracy,test_loss,test_accuracy,"
                             "diverged\n"));
  EXPECT_THAT(csv, HasSubstr("\"sgd:lr=0.1,weight_decay=0\",2,"));
  EXPECT_TRUE(fs::exists(out / "train-loss.png"));
  EXPECT_TRUE(fs::exists(out / "test-accuracy.png"));
  const std::pair<const char*, const char*> bad[] = {
      {"train --model cnn", "unknown model 'cnn'; valid: mlp, softmax"},
      {"train --batch 0", "--batch: must be at least 1"},
      {"train --data nowhere", "dataset folder 'nowhere' does not exist"},
      {"train -o adamx", "unknown optimizer 'adamx'"},
      {"train --out fresh --resume", "holds no checkpoints to resume"},
  };
  for (const auto& [args, message] : bad) {
    const auto b = test::run_cli(args, dir.path());
    EXPECT_EQ(b.status, 2) << args;
    EXPECT_THAT(b.err, HasSubstr(message)) << args;
  }
}

// Zero epochs is refused before the data is read or any file is written (it used to read and
// train nothing, then fail to draw).
TEST(TrainCli, ZeroEpochsIsRefusedBeforeAnyWork) {
  test::TempDir dir;
  for (const char* args : {"train --epochs 0 --out z", "train --epochs 0 --no-plots --out z"}) {
    const auto r = test::run_cli(args, dir.path());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr("--epochs: must be at least 1")) << args;
    EXPECT_THAT(r.out, Not(HasSubstr("train     "))) << args;
    EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "z")) << args;
  }
}

// descent landscape on a small trained MLP: every file, the centre of the random plane equal to
// the solution's loss on the line from the initialization, and bad input refused before work.
TEST(LandscapeCli, WritesEveryFileAndRefusesBadInput) {
  test::TempDir dir;
  write_tiny_dataset(fs::path(dir.path()) / "d", 300, 60);
  auto r = test::run_cli(
      "train --data d --hidden 8 --epochs 3 --batch 20 -o sgd:lr=0.1 -o adam:lr=0.01 --no-plots",
      dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  r = test::run_cli("landscape --grid 5 --images 200 --test-images 50", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("plane     5 x 5 cells through sgd:lr=0.1"));
  const fs::path out = fs::path(dir.path()) / "descent-out" / "landscape";
  for (const char* f :
       {"line.csv", "plane.csv", "paths-pca.csv", "paths-pca-plane.csv", "paths-exact.csv",
        "paths-exact-plane.csv", "landscape.json", "line.png", "plane-contour.png",
        "plane-surface.png", "paths-pca-contour.png", "paths-pca-surface.png",
        "paths-exact-contour.png", "paths-exact-surface.png"})
    EXPECT_TRUE(fs::exists(out / f)) << f;
  // plane.csv's middle row (s = t = 0) is the solution; line.csv's t = 1 on the first line too.
  const auto field = [](const std::string& csv, const std::string& prefix, int index) {
    std::istringstream in(csv);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(prefix, 0) == 0) {
        std::istringstream fields(line.substr(prefix.size()));
        std::string f;
        for (int k = 0; k <= index; ++k) std::getline(fields, f, ',');
        return std::stod(f);
      }
    ADD_FAILURE() << "no row " << prefix;
    return 0.0;
  };
  const double centre = field(read_all(out / "plane.csv"), "0,0,", 0);
  const double end = field(read_all(out / "line.csv"), "\"initialization to sgd:lr=0.1\",1,", 0);
  EXPECT_NEAR(centre, end, 1e-5 * end);
  // The three points of the exact plane: the start at its origin, both solutions on it.
  const std::string exact = read_all(out / "paths-exact.csv");
  EXPECT_THAT(exact, HasSubstr(",0,0,0\n"));
  const std::pair<const char*, const char*> bad[] = {
      {"landscape --from nowhere", "cannot read 'nowhere/train.json'"},
      {"landscape --grid 2", "--grid: must be at least 3"},
      {"landscape --through 3", "--through: must be from 1 to 2"},
      {"landscape --range 0", "--range: must be a number in (0, 1000]"},
      {"landscape --images 0", "must be at least 1"},
      {"train --model softmax --hidden 8", "--hidden: only --model mlp has hidden layers"},
      {"train --hidden 8,0", "--hidden: '0' is not a layer size"},
      {"train --sharpness-every 0", "--sharpness-every: must be at least 1"},
  };
  for (const auto& [args, message] : bad) {
    const auto b = test::run_cli(args, dir.path());
    EXPECT_EQ(b.status, 2) << args;
    EXPECT_THAT(b.err, HasSubstr(message)) << args;
  }
}

// A run that diverges is measured while its parameters are finite, then left out of the lines and
// planes with a note; a run too short for a PCA plane gets the other figures; the dataset folder
// is recorded as an absolute path; the model's kind is named.
TEST(LandscapeCli, DivergedAndShortRunsAreLeftOutWithANote) {
  test::TempDir dir;
  write_tiny_dataset(fs::path(dir.path()) / "d", 200, 40);
  auto r = test::run_cli(
      "train --data d --hidden 8 --epochs 2 --batch 20 -o sgd:lr=1e20 "
      "-o sgd:lr=0.1 -o adam:lr=0.01 --sharpness-every 1 --no-plots --out a",
      dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("diverged"));
  const std::string sharp = read_all(fs::path(dir.path()) / "a" / "sharpness.csv");
  EXPECT_THAT(sharp, HasSubstr("\"adam:lr=0.01,"));  // the runs after the diverged one ran
  EXPECT_THAT(sharp, Not(HasSubstr("nan")));
  const nlohmann::json meta =
      nlohmann::json::parse(read_all(fs::path(dir.path()) / "a" / "train.json"));
  EXPECT_TRUE(fs::path(meta["data"].get<std::string>()).is_absolute());
  r = test::run_cli("landscape --from a --grid 5 --images 200 --test-images 40", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("note: run 1 (sgd:lr=1e+20) diverged"));
  const fs::path land = fs::path(dir.path()) / "a" / "landscape";
  EXPECT_THAT(read_all(land / "paths-exact.csv"), Not(HasSubstr("1e+20")));
  EXPECT_THAT(read_all(land / "line.csv"), HasSubstr("\"sgd:lr=0.1 to adam:lr=0.01\""));
  EXPECT_THAT(r.out, HasSubstr("plane     5 x 5 cells through sgd:lr=0.1 "));
  r = test::run_cli("landscape --from a --through 1 --grid 5", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--through 1: run 'sgd:lr=1e+20,weight_decay=0' diverged"));

  // One run of one epoch keeps two iterates: no PCA plane, every other file.
  r = test::run_cli(
      "train --data d --model softmax --epochs 1 --batch 20 -o sgd:lr=0.1 --no-plots --out b",
      dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  r = test::run_cli("landscape --from b --grid 5 --images 200 --test-images 40", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("landscape softmax 16-10"));
  EXPECT_THAT(r.err, HasSubstr("too few for the PCA plane"));
  const fs::path b = fs::path(dir.path()) / "b" / "landscape";
  EXPECT_TRUE(fs::exists(b / "plane.csv"));
  EXPECT_TRUE(fs::exists(b / "plane-surface.png"));
  EXPECT_FALSE(fs::exists(b / "paths-pca.csv"));

  // Iterates on one line (a run that never moves, one on a line from the same start): the PCA
  // plane is left out with a note, found before any work, and every other file is written.
  r = test::run_cli(
      "train --data d --model softmax --epochs 1 --batch 20 -o sgd:lr=0 -o sgd:lr=0.1 "
      "--no-plots --out c",
      dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  r = test::run_cli("landscape --from c --grid 5 --images 200 --test-images 40 --no-plots",
                    dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("the paths' PCA plane is left out"));
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "c" / "landscape" / "landscape.json"));
}

}  // namespace
}  // namespace descent::nn
