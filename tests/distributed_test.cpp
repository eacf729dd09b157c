// Sharing work over a process group (descent/distributed.hpp), without MPI: the bytes items
// travel as, distributed_map with no group, and the engine's bulk work through a group that hands
// items out in reverse order (the MPI group itself is tested under mpirun: tests/mpi/).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "descent/distributed.hpp"
#include "descent/error.hpp"
#include "descent/nn/landscape.hpp"
#include "descent/nn/mlp.hpp"
#include "descent/parallel.hpp"
#include "descent/study.hpp"
#include "descent/sweep.hpp"
#include "descent/tune.hpp"
#include "test_support.hpp"
#include "util/atomic_file.hpp"

namespace descent {
namespace {

// A group of `size` processes of which this is rank `rank`: items are computed here, last first,
// and the other ranks' all_gather shares are copies of this one's.
class ReversedGroup final : public ProcessGroup {
 public:
  ReversedGroup(int rank, int size) : rank_(rank), size_(size) {}
  int rank() const override { return rank_; }
  int size() const override { return size_; }
  std::vector<std::string> map(std::size_t items,
                               const std::function<std::string(std::size_t)>& compute,
                               const std::function<void(std::size_t)>& progress) override {
    ++maps;
    std::vector<std::string> out(items);
    for (std::size_t k = 0; k < items; ++k) {
      out[items - 1 - k] = compute(items - 1 - k);
      if (progress && rank_ == 0) progress(k + 1);
    }
    return out;
  }
  std::vector<std::string> all_gather(std::string_view mine) override {
    return std::vector<std::string>(static_cast<std::size_t>(size_), std::string(mine));
  }
  int maps = 0;

 private:
  int rank_, size_;
};

// Installs a group for the test's duration.
class WithGroup {
 public:
  explicit WithGroup(std::shared_ptr<ReversedGroup> g) : group(std::move(g)) {
    set_process_group(group);
  }
  ~WithGroup() { set_process_group(nullptr); }
  std::shared_ptr<ReversedGroup> group;
};

TEST(Distributed, BytesRoundTripAndRefuseToReadPastTheEnd) {
  Bytes out;
  const double xs[3] = {1.5, -0.0, 1e300};
  out.put<std::uint64_t>(7).put_string("abc").put_span(xs, 3).put_string("");
  Bytes in(std::move(out).release());
  EXPECT_EQ(in.take<std::uint64_t>(), 7u);
  EXPECT_EQ(in.take_string(), "abc");
  double back[3];
  in.take_span(back, 3);
  EXPECT_EQ(std::vector<double>(back, back + 3), std::vector<double>(xs, xs + 3));
  EXPECT_EQ(in.take_string(), "");
  EXPECT_THROW(in.take<char>(), std::out_of_range);
  Bytes lying(std::string(8, '\xff'));  // a string length far beyond the bytes
  EXPECT_THROW(lying.take_string(), std::out_of_range);
}

TEST(Distributed, WithoutAGroupMapsOnTheThreadPool) {
  EXPECT_EQ(process_group(), nullptr);
  EXPECT_EQ(shared_group(), nullptr);
  EXPECT_TRUE(is_root());
  std::vector<std::size_t> seen;
  const std::vector<std::string> out = distributed_map(
      50, [](std::size_t i) { return std::to_string(i * i); },
      [&](std::size_t done) { seen.push_back(done); });
  ASSERT_EQ(out.size(), 50u);
  for (std::size_t i = 0; i < 50; ++i) EXPECT_EQ(out[i], std::to_string(i * i));
  ASSERT_EQ(seen.size(), 50u);
  for (std::size_t k = 0; k < 50; ++k) EXPECT_EQ(seen[k], k + 1) << "counts in order";
  EXPECT_TRUE(distributed_map(0, [](std::size_t) { return std::string("x"); }).empty());
}

TEST(Distributed, AGroupOfOneIsNotShared) {
  WithGroup g(std::make_shared<ReversedGroup>(0, 1));
  EXPECT_EQ(shared_group(), nullptr);
  (void)distributed_map(3, [](std::size_t i) { return std::to_string(i); });
  EXPECT_EQ(g.group->maps, 0) << "a group of one does not take the work";
}

TEST(Distributed, WorkThatAnItemStartsStaysOnItsRank) {
  WithGroup g(std::make_shared<ReversedGroup>(0, 2));
  const std::vector<std::string> out = distributed_map(3, [](std::size_t i) {
    EXPECT_EQ(shared_group(), nullptr) << "inside an item";
    const std::vector<std::string> inner =
        distributed_map(2, [&](std::size_t k) { return std::to_string(10 * i + k); });
    return inner[0] + "," + inner[1];
  });
  EXPECT_EQ(g.group->maps, 1) << "the inner maps ran locally";
  EXPECT_EQ(out, (std::vector<std::string>{"0,1", "10,11", "20,21"}));
  EXPECT_EQ(shared_group(), g.group.get()) << "and the group is shared again after the map";
}

TEST(Distributed, OnlyTheRootWritesFiles) {
  const test::TempDir dir;
  const std::filesystem::path path = std::filesystem::path(dir.path()) / "sub" / "file.txt";
  {
    WithGroup g(std::make_shared<ReversedGroup>(1, 2));
    EXPECT_FALSE(is_root());
    write_file_atomically(path, "rank 1");
    EXPECT_FALSE(std::filesystem::exists(path.parent_path())) << "rank 1 writes nothing";
    EXPECT_THROW(write_file_atomically(std::filesystem::path(dir.path()), "x"), InputError)
        << "but checks the path like rank 0";
  }
  write_file_atomically(path, "root");
  EXPECT_TRUE(std::filesystem::exists(path));
}

TEST(Distributed, SweepThroughAGroupEqualsTheSingleProcess) {
  SweepConfig c;
  c.function = "rosenbrock";
  c.optimizer = OptimizerConfig::parse("momentum");
  c.axes = {parse_grid_axis("lr=1e-4:1e-2:log:9"), parse_grid_axis("alpha=0:0.99:lin:7")};
  c.options.steps = 400;
  c.starts = 3;
  c.metric = SweepMetric::final_loss;
  const SweepResult one = sweep(c);
  WithGroup g(std::make_shared<ReversedGroup>(0, 3));
  std::size_t last = 0;
  const SweepResult shared = sweep(c, [&](std::size_t done, std::size_t total) {
    EXPECT_EQ(total, 63u);
    EXPECT_GE(done, last);
    last = done;
  });
  EXPECT_GT(g.group->maps, 0);
  EXPECT_EQ(last, 63u);
  EXPECT_EQ(shared.median, one.median);
  EXPECT_EQ(shared.min, one.min);
  EXPECT_EQ(shared.max, one.max);
  EXPECT_EQ(shared.diverged, one.diverged);
  ASSERT_EQ(shared.notes.size(), one.notes.size());
  ASSERT_FALSE(one.notes.empty()) << "the grid reaches settings that diverge";
  for (std::size_t i = 0; i < one.notes.size(); ++i) {
    EXPECT_EQ(shared.notes[i].cell, one.notes[i].cell);
    EXPECT_EQ(shared.notes[i].message(), one.notes[i].message());
  }
}

TEST(Distributed, TuneAndStudyThroughAGroupEqualTheSingleProcess) {
  TuneConfig t;
  t.optimizers = {OptimizerConfig::parse("adam"), OptimizerConfig::parse("momentum")};
  t.budget = 12;
  t.starts = 2;
  t.options.steps = 200;
  const TuneResult one = tune(t);
  TuningStudyConfig s;
  s.problems = {function_suite(true)[1], function_suite(true)[3]};
  StudyProblem made_up;  // a training problem: the loss falls with the lr up to 1, seed k adds k
  made_up.name = "made_up";
  made_up.train_seeds = 3;
  made_up.train = [](const OptimizerConfig& o, std::uint64_t seed) {
    const double lr = o.get("lr");
    return lr > 1 ? INFINITY : 2 - lr + static_cast<double>(seed);
  };
  made_up.start_loss = [](std::uint64_t seed) { return 3.0 + static_cast<double>(seed); };
  s.problems.push_back(made_up);
  s.optimizers = {OptimizerConfig::parse("sgd"), OptimizerConfig::parse("adam")};
  s.points = 5;
  const TuningStudyResult study_one = tuning_study(s);
  WithGroup g(std::make_shared<ReversedGroup>(0, 2));
  const TuneResult shared = tune(t);
  ASSERT_EQ(shared.entries.size(), one.entries.size());
  for (std::size_t i = 0; i < one.entries.size(); ++i)
    for (std::size_t k = 0; k < one.entries[i].trials.size(); ++k) {
      EXPECT_EQ(shared.entries[i].trials[k].spec, one.entries[i].trials[k].spec);
      EXPECT_EQ(shared.entries[i].trials[k].median, one.entries[i].trials[k].median);
    }
  EXPECT_EQ(shared.ranking, one.ranking);
  const TuningStudyResult study_shared = tuning_study(s);
  ASSERT_EQ(study_shared.curves.size(), study_one.curves.size());
  for (std::size_t i = 0; i < study_one.curves.size(); ++i) {
    EXPECT_EQ(study_shared.curves[i].loss, study_one.curves[i].loss);
    EXPECT_EQ(study_shared.curves[i].score, study_one.curves[i].score);
  }
  EXPECT_GT(g.group->maps, 1);
}

TEST(Distributed, LandscapeThroughAGroupEqualsTheSingleProcess) {
  nn::Mlp<float> m({6, 5, 3});
  m.initialize(2);
  std::mt19937_64 rng(4);
  std::normal_distribution<float> normal;
  std::vector<float> x(40 * 6), d1(m.parameter_count()), d2(m.parameter_count());
  std::vector<std::uint8_t> y(40);
  for (float& v : x) v = normal(rng);
  for (std::size_t i = 0; i < y.size(); ++i) y[i] = static_cast<std::uint8_t>(i % 3);
  for (float& v : d1) v = normal(rng);
  for (float& v : d2) v = normal(rng);
  const std::vector<double> ss = {-1, 0, 0.5, 2}, ts = {-0.5, 1, 3};
  const nn::SliceValues plane = nn::plane_landscape<float>(m, d1, d2, ss, ts, x, y);
  const nn::SliceValues line = nn::line_landscape<float>(m, m.parameters(), d1, ts, x, y);
  WithGroup g(std::make_shared<ReversedGroup>(0, 4));
  const nn::SliceValues plane_shared = nn::plane_landscape<float>(m, d1, d2, ss, ts, x, y);
  const nn::SliceValues line_shared = nn::line_landscape<float>(m, m.parameters(), d1, ts, x, y);
  EXPECT_EQ(g.group->maps, 2);
  EXPECT_EQ(plane_shared.loss, plane.loss);
  EXPECT_EQ(plane_shared.accuracy, plane.accuracy);
  EXPECT_EQ(line_shared.loss, line.loss);
  EXPECT_EQ(line_shared.accuracy, line.accuracy);
}

}  // namespace
}  // namespace descent
