// The thread pool: every task runs once, errors come back, nesting and resizing cannot deadlock.
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
#include <thread>
#include <vector>

#include "descent/error.hpp"
#include "descent/parallel.hpp"

namespace descent {
namespace {

class ParallelTest : public ::testing::Test {
 protected:
  void TearDown() override { set_threads(0); }
};

TEST_F(ParallelTest, EveryTaskRunsExactlyOnce) {
  for (unsigned t : {1u, 2u, 3u, 8u}) {
    set_threads(t);
    EXPECT_EQ(threads(), t);
    for (std::size_t tasks : {std::size_t{0}, std::size_t{1}, std::size_t{2}, std::size_t{37}}) {
      std::vector<std::atomic<int>> runs(tasks);
      parallel_for(tasks, [&](std::size_t i) { runs[i].fetch_add(1); });
      for (std::size_t i = 0; i < tasks; ++i)
        EXPECT_EQ(runs[i].load(), 1) << "threads " << t << ", task " << i << " of " << tasks;
    }
  }
}

TEST_F(ParallelTest, TheFirstFailingTaskIsRethrownAfterAllFinish) {
  for (unsigned t : {1u, 2u}) {  // on the caller alone, and on the pool
    set_threads(t);
    std::atomic<int> finished{0};
    try {
      parallel_for(6, [&](std::size_t i) {
        finished.fetch_add(1);
        if (i == 4) throw std::runtime_error("task 4");
        if (i == 5) throw std::runtime_error("task 5");
      });
      ADD_FAILURE() << "no exception with " << t << " thread(s)";
    } catch (const std::runtime_error& e) {
      EXPECT_STREQ(e.what(), "task 4");
    }
    EXPECT_EQ(finished.load(), 6) << t << " thread(s)";
  }
}

TEST_F(ParallelTest, NestedCallsRunInline) {
  set_threads(2);
  std::atomic<int> inner{0};
  parallel_for(2, [&](std::size_t) { parallel_for(3, [&](std::size_t) { inner.fetch_add(1); }); });
  EXPECT_EQ(inner.load(), 6);
}

TEST_F(ParallelTest, ResizingBetweenJobsNeverLosesAWorker) {
  // A worker started just before a job is posted must still take its share (this once hung).
  std::atomic<int> total{0};
  for (int round = 0; round < 300; ++round) {
    set_threads(round % 2 == 0 ? 2 : 3);
    parallel_for(3, [&](std::size_t) { total.fetch_add(1); });
  }
  EXPECT_EQ(total.load(), 900);
}

TEST_F(ParallelTest, CallsFromTwoThreadsBothComplete) {
  set_threads(2);
  std::atomic<int> total{0};
  auto work = [&] {
    for (int k = 0; k < 200; ++k) parallel_for(4, [&](std::size_t) { total.fetch_add(1); });
  };
  std::thread other(work);
  work();
  other.join();
  EXPECT_EQ(total.load(), 1600);
}

TEST_F(ParallelTest, ThreadCountsAreChecked) {
  set_threads(0);
  EXPECT_EQ(threads(), hardware_threads());
  EXPECT_GE(hardware_threads(), 1u);
  EXPECT_THROW(set_threads(5000), InputError);
  EXPECT_EQ(threads(), hardware_threads()) << "a refused count changes nothing";
}

}  // namespace
}  // namespace descent
