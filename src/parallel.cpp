#include "descent/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "descent/error.hpp"

namespace descent {
namespace {

// Set while a thread runs pool tasks, so that a nested parallel_for runs serially.
thread_local bool in_pool_task = false;

// Workers sleep on `wake` until `generation` changes; then worker k runs the tasks k+1, k+1+W,
// ... of the current job (the caller runs tasks 0, W, ...), counts itself done, and sleeps again.
class Pool {
 public:
  ~Pool() { stop(); }

  unsigned size() const { return wanted_.load(std::memory_order_relaxed); }

  void resize(unsigned n) {
    std::lock_guard<std::mutex> busy(busy_);
    stop();
    wanted_.store(n, std::memory_order_relaxed);
  }

  void run(std::size_t tasks, const std::function<void(std::size_t)>& fn) {
    if (tasks == 0) return;
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    const unsigned wanted = size();
    if (in_pool_task || !busy.owns_lock() || wanted <= 1 || tasks == 1) {
      run_serial(tasks, fn);
      return;
    }
    start(wanted - 1);
    const std::size_t lanes = std::min<std::size_t>(tasks, workers_.size() + 1);
    errors_.assign(tasks, nullptr);
    {
      std::lock_guard<std::mutex> lock(m_);
      job_ = &fn;
      tasks_ = tasks;
      lanes_ = lanes;
      pending_ = lanes - 1;
      ++generation_;
    }
    wake_.notify_all();
    run_lane(0);
    std::unique_lock<std::mutex> lock(m_);
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
    lock.unlock();
    for (const std::exception_ptr& e : errors_)
      if (e) std::rethrow_exception(e);
  }

 private:
  // On the calling thread, with the same contract: every task runs, the first error is rethrown.
  static void run_serial(std::size_t tasks, const std::function<void(std::size_t)>& fn) {
    std::exception_ptr first;
    for (std::size_t i = 0; i < tasks; ++i) {
      try {
        fn(i);
      } catch (...) {
        if (!first) first = std::current_exception();
      }
    }
    if (first) std::rethrow_exception(first);
  }

  void run_lane(std::size_t lane) {
    const bool outer = in_pool_task;
    in_pool_task = true;
    for (std::size_t i = lane; i < tasks_; i += lanes_) {
      try {
        (*job_)(i);
      } catch (...) {
        errors_[i] = std::current_exception();
      }
    }
    in_pool_task = outer;
  }

  void start(unsigned workers) {
    if (workers_.size() == workers) return;
    // A new worker starts from the generation as it is now, before the job is posted, so that it
    // cannot miss that job however late it begins to run.
    std::uint64_t now = 0;
    {
      std::lock_guard<std::mutex> lock(m_);
      now = generation_;
    }
    for (unsigned k = static_cast<unsigned>(workers_.size()); k < workers; ++k)
      workers_.emplace_back([this, k, now] { work(k + 1, now); });
  }

  void stop() {
    {
      std::lock_guard<std::mutex> lock(m_);
      quit_ = true;
      ++generation_;
    }
    wake_.notify_all();
    for (std::thread& t : workers_) t.join();
    workers_.clear();
    std::lock_guard<std::mutex> lock(m_);
    quit_ = false;
  }

  void work(std::size_t lane, std::uint64_t seen) {
    for (;;) {
      std::unique_lock<std::mutex> lock(m_);
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (quit_) return;
      if (lane >= lanes_) continue;
      lock.unlock();
      run_lane(lane);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::atomic<unsigned> wanted_{hardware_threads()};
  std::mutex busy_;  // held by the thread whose job the pool runs
  std::mutex m_;     // guards the job fields below
  std::condition_variable wake_, done_;
  std::vector<std::thread> workers_;
  std::uint64_t generation_ = 0;
  bool quit_ = false;
  const std::function<void(std::size_t)>* job_ = nullptr;
  std::size_t tasks_ = 0, lanes_ = 0, pending_ = 0;
  std::vector<std::exception_ptr> errors_;
};

Pool& pool() {
  static Pool p;
  return p;
}

}  // namespace

unsigned hardware_threads() { return std::max(1u, std::thread::hardware_concurrency()); }

unsigned threads() { return pool().size(); }

void set_threads(unsigned n) {
  if (n > 1024)
    throw InputError("threads: " + std::to_string(n) + " is more than the limit of 1024");
  pool().resize(n == 0 ? hardware_threads() : n);
}

void parallel_for(std::size_t tasks, const std::function<void(std::size_t)>& fn) {
  pool().run(tasks, fn);
}

}  // namespace descent
