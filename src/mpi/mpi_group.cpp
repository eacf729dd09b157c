// The process group over MPI: work handed out by rank 0 on request.
//
// map(): rank 0 runs a service thread that answers requests while its own threads compute items
// too; every other rank's threads ask rank 0 for work, compute it and send the bytes back with
// their next request. Work comes from one counter in chunks that shrink as it runs out (guided
// scheduling: a chunk is the items left over four times the workers, at least one), so that few
// requests are needed and a rank that finishes early takes more. Rank 0 collects every item's
// bytes and broadcasts them all at the end. Waiting spins for a short while and then polls with
// sleeps rather than in MPI's blocking calls, which spin on a core for as long as they wait: with
// more ranks than cores (mpirun --oversubscribe) a spinning rank would take the core a computing
// one needs.
#include <mpi.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <tuple>
#include <utility>

#include "descent/error.hpp"
#include "descent/mpi.hpp"
#include "descent/parallel.hpp"

namespace descent::mpi {

namespace {

constexpr int kTagRequest = 1;
constexpr int kTagReply = 2;

// An item's outcome, as it travels: computed, or an error of one kind with its message.
enum class Outcome : char { ok = 0, input_error = 1, failure = 2 };

void check(int code, const char* what) {
  if (code != MPI_SUCCESS) throw SystemFailure(std::string("MPI: ") + what + " failed");
}

// Calls `ready` until it returns true: at once for about 50 us, then with sleeps that grow to
// 200 us.
template <class Ready>
void poll(Ready ready) {
  const auto start = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - start < std::chrono::microseconds(50))
    if (ready()) return;
  auto pause = std::chrono::microseconds(10);
  while (!ready()) {
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::microseconds(200));
  }
}

// Waits for a request to complete.
void wait(MPI_Request& request) {
  poll([&] {
    int done = 0;
    check(MPI_Test(&request, &done, MPI_STATUS_IGNORE), "MPI_Test");
    return done != 0;
  });
}

// Broadcasts `data` from rank 0 (its size first), in pieces MPI's int counts can hold.
void broadcast(std::string& data, MPI_Comm comm) {
  std::uint64_t size = data.size();
  MPI_Request r;
  check(MPI_Ibcast(&size, 1, MPI_UINT64_T, 0, comm, &r), "MPI_Ibcast");
  wait(r);
  data.resize(size);
  constexpr std::uint64_t kPiece = std::uint64_t{1} << 30;
  for (std::uint64_t at = 0; at < size; at += kPiece) {
    const int n = static_cast<int>(std::min(kPiece, size - at));
    check(MPI_Ibcast(data.data() + at, n, MPI_BYTE, 0, comm, &r), "MPI_Ibcast");
    wait(r);
  }
}

// Computed items as they travel: per item its index, outcome, size and bytes.
void append_item(std::string& m, std::uint64_t item, Outcome outcome, const std::string& bytes) {
  const std::uint64_t n = bytes.size();
  m.append(reinterpret_cast<const char*>(&item), sizeof item);
  m.push_back(static_cast<char>(outcome));
  m.append(reinterpret_cast<const char*>(&n), sizeof n);
  m += bytes;
}

// The items handed out: the next one and how many are left, in chunks that shrink as they run
// out.
class Counter {
 public:
  Counter(std::size_t items, std::size_t workers) : items_(items), workers_(workers) {}
  // The next chunk [first, first + count); count 0 when none are left.
  std::pair<std::size_t, std::size_t> take() {
    std::lock_guard<std::mutex> guard(lock_);
    const std::size_t left = items_ - next_;
    const std::size_t n = std::min(left, std::max<std::size_t>(1, left / (4 * workers_)));
    const std::size_t first = next_;
    next_ += n;
    return {first, n};
  }

 private:
  std::mutex lock_;
  std::size_t items_, workers_, next_ = 0;
};

// Runs compute(i), turning an exception into an outcome and its message.
Outcome attempt(const std::function<std::string(std::size_t)>& compute, std::size_t i,
                std::string& out) {
  try {
    out = compute(i);
    return Outcome::ok;
  } catch (const InputError& e) {
    out = e.what();
    return Outcome::input_error;
  } catch (const std::exception& e) {
    out = e.what();
    return Outcome::failure;
  } catch (...) {
    out = "unknown error";
    return Outcome::failure;
  }
}

class MpiGroup final : public ProcessGroup {
 public:
  MpiGroup() {
    check(MPI_Comm_dup(MPI_COMM_WORLD, &comm_), "MPI_Comm_dup");
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  ~MpiGroup() override {
    MPI_Comm_free(&comm_);
    MPI_Finalize();
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  std::vector<std::string> map(std::size_t items,
                               const std::function<std::string(std::size_t)>& compute,
                               const std::function<void(std::size_t)>& progress) override {
    // How many threads ask for work on each rank, so that rank 0 knows when all are done.
    const int workers = static_cast<int>(std::max<std::size_t>(
        1, std::min<std::size_t>(threads(), std::max<std::size_t>(items, 1))));
    std::vector<int> counts(static_cast<std::size_t>(size_));
    MPI_Request r;
    check(MPI_Igather(&workers, 1, MPI_INT, counts.data(), 1, MPI_INT, 0, comm_, &r),
          "MPI_Igather");
    wait(r);
    std::vector<std::string> out(items);
    std::vector<Outcome> outcome(items, Outcome::ok);
    std::string progress_error;  // rank 0's progress callback's, if it threw
    if (rank_ == 0)
      serve(items, compute, progress, counts, out, outcome, progress_error);
    else
      ask(compute, workers);
    // Everything to every rank: the progress error's size and text, per item its outcome and
    // size, then the bytes.
    std::string all;
    if (rank_ == 0) {
      const std::uint64_t e = progress_error.size();
      all.append(reinterpret_cast<const char*>(&e), sizeof e);
      all += progress_error;
      for (std::size_t i = 0; i < items; ++i) {
        const std::uint64_t n = out[i].size();
        all.push_back(static_cast<char>(outcome[i]));
        all.append(reinterpret_cast<const char*>(&n), sizeof n);
      }
      for (const std::string& s : out) all += s;
    }
    broadcast(all, comm_);
    std::uint64_t e = 0;
    std::copy_n(all.data(), sizeof e, reinterpret_cast<char*>(&e));
    if (e > 0) throw SystemFailure(all.substr(sizeof e, e));
    const std::size_t heads = sizeof e + e;
    std::size_t at = heads + items * (1 + sizeof(std::uint64_t));
    for (std::size_t i = 0; i < items; ++i) {
      const char* head = all.data() + heads + i * (1 + sizeof(std::uint64_t));
      std::uint64_t n = 0;
      std::copy_n(head + 1, sizeof n, reinterpret_cast<char*>(&n));
      outcome[i] = static_cast<Outcome>(head[0]);
      out[i].assign(all, at, n);
      at += n;
    }
    for (std::size_t i = 0; i < items; ++i) {
      if (outcome[i] == Outcome::input_error) throw InputError(out[i]);
      if (outcome[i] == Outcome::failure) throw SystemFailure(out[i]);
    }
    return out;
  }

  std::vector<std::string> all_gather(std::string_view mine) override {
    // Every rank learns every size first, so that a share too large fails on every rank alike.
    const std::uint64_t mine_size = mine.size();
    std::vector<std::uint64_t> sizes64(static_cast<std::size_t>(size_));
    MPI_Request r0;
    check(MPI_Iallgather(&mine_size, 1, MPI_UINT64_T, sizes64.data(), 1, MPI_UINT64_T, comm_, &r0),
          "MPI_Iallgather");
    wait(r0);
    std::uint64_t sum = 0;
    for (std::uint64_t s : sizes64) sum += s;
    if (sum > static_cast<std::uint64_t>(std::numeric_limits<int>::max()))
      throw SystemFailure("MPI: an all_gather of more than 2 GiB (" + std::to_string(sum) +
                          " bytes)");
    const int n = static_cast<int>(mine.size());
    std::vector<int> sizes(static_cast<std::size_t>(size_)), at(sizes.size());
    int total = 0;
    for (std::size_t k = 0; k < sizes.size(); ++k) {
      sizes[k] = static_cast<int>(sizes64[k]);
      at[k] = total;
      total += sizes[k];
    }
    MPI_Request r;
    std::string all(static_cast<std::size_t>(total), '\0');
    check(MPI_Iallgatherv(mine.data(), n, MPI_BYTE, all.data(), sizes.data(), at.data(), MPI_BYTE,
                          comm_, &r),
          "MPI_Iallgatherv");
    wait(r);
    std::vector<std::string> out;
    for (std::size_t k = 0; k < sizes.size(); ++k)
      out.push_back(
          all.substr(static_cast<std::size_t>(at[k]), static_cast<std::size_t>(sizes[k])));
    return out;
  }

 private:
  // Rank 0: answers the other ranks' requests on a thread of its own while its workers compute.
  void serve(std::size_t items, const std::function<std::string(std::size_t)>& compute,
             const std::function<void(std::size_t)>& progress, const std::vector<int>& counts,
             std::vector<std::string>& out, std::vector<Outcome>& outcome,
             std::string& progress_error) {
    std::size_t workers = 0;
    for (int c : counts) workers += static_cast<std::size_t>(c);
    Counter counter(items, workers);
    std::mutex lock;
    std::size_t finished = 0;
    // A progress callback that throws is not called again; its error ends the map on every rank.
    const auto store = [&](std::size_t i, Outcome o, std::string bytes) {
      std::lock_guard<std::mutex> guard(lock);
      out[i] = std::move(bytes);
      outcome[i] = o;
      ++finished;
      if (progress && progress_error.empty()) {
        try {
          progress(finished);
        } catch (const std::exception& e) {
          progress_error = std::string("progress: ") + e.what();
        } catch (...) {
          progress_error = "progress: unknown error";
        }
      }
    };
    int remote = static_cast<int>(workers) - counts[0];
    std::thread service([&] {
      try {
        std::string buffer;
        while (remote > 0) {
          MPI_Status status;
          poll([&] {
            int flag = 0;
            check(MPI_Iprobe(MPI_ANY_SOURCE, kTagRequest, comm_, &flag, &status), "MPI_Iprobe");
            return flag != 0;
          });
          int n = 0;
          MPI_Get_count(&status, MPI_BYTE, &n);
          buffer.resize(static_cast<std::size_t>(n));
          check(MPI_Recv(buffer.data(), n, MPI_BYTE, status.MPI_SOURCE, kTagRequest, comm_,
                         MPI_STATUS_IGNORE),
                "MPI_Recv");
          // The items the request brings back.
          constexpr std::size_t kHead = sizeof(std::uint64_t) + 1 + sizeof(std::uint64_t);
          for (std::size_t at = 0; at < buffer.size();) {
            std::uint64_t item = 0, size = 0;
            if (buffer.size() - at < kHead) throw SystemFailure("MPI: a truncated request");
            std::copy_n(buffer.data() + at, sizeof item, reinterpret_cast<char*>(&item));
            const auto o = static_cast<Outcome>(buffer[at + sizeof item]);
            std::copy_n(buffer.data() + at + sizeof item + 1, sizeof size,
                        reinterpret_cast<char*>(&size));
            at += kHead;
            if (item >= items || size > buffer.size() - at)
              throw SystemFailure("MPI: a request out of bounds");
            store(item, o, buffer.substr(at, size));
            at += size;
          }
          const auto [first, count] = counter.take();
          const std::uint64_t reply[2] = {first, count};
          if (count == 0) --remote;
          check(MPI_Send(reply, 2, MPI_UINT64_T, status.MPI_SOURCE, kTagReply, comm_), "MPI_Send");
        }
      } catch (const std::exception& e) {
        // MPI itself failed (or memory ran out) with other ranks waiting for replies: no way on
        // that the others would follow, so the job ends here.
        std::fprintf(stderr, "descent: rank 0: the hand-out of work failed: %s\n", e.what());
        MPI_Abort(MPI_COMM_WORLD, 1);
      }
    });
    parallel_for(static_cast<std::size_t>(counts[0]), [&](std::size_t) {
      for (auto [first, count] = counter.take(); count > 0; std::tie(first, count) = counter.take())
        for (std::size_t i = first; i < first + count; ++i) {
          std::string bytes;
          const Outcome o = attempt(compute, i, bytes);
          store(i, o, std::move(bytes));
        }
    });
    service.join();
  }

  // Any other rank: each worker asks for items, computes them, and sends them with its next ask.
  void ask(const std::function<std::string(std::size_t)>& compute, int workers) {
    std::mutex one_at_a_time;  // MPI_THREAD_SERIALIZED
    parallel_for(static_cast<std::size_t>(workers), [&](std::size_t) {
      std::string m;  // the items computed since the last request
      while (true) {
        std::uint64_t reply[2] = {0, 0};
        if (m.size() > static_cast<std::size_t>(std::numeric_limits<int>::max()))
          throw SystemFailure("MPI: a chunk's results exceed 2 GiB");
        {
          std::lock_guard<std::mutex> guard(one_at_a_time);
          MPI_Request r;
          check(
              MPI_Isend(m.data(), static_cast<int>(m.size()), MPI_BYTE, 0, kTagRequest, comm_, &r),
              "MPI_Isend");
          wait(r);
          check(MPI_Irecv(reply, 2, MPI_UINT64_T, 0, kTagReply, comm_, &r), "MPI_Irecv");
          wait(r);
        }
        if (reply[1] == 0) return;
        m.clear();
        for (std::uint64_t i = reply[0]; i < reply[0] + reply[1]; ++i) {
          std::string bytes;
          const Outcome o = attempt(compute, i, bytes);
          append_item(m, i, o, bytes);
        }
      }
    });
  }

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0;
  int size_ = 1;
};

// MPI_Ibarrier on MPI_COMM_WORLD, polled until every rank has come or `limit` has passed.
bool everyone_came(std::chrono::steady_clock::time_point limit) {
  MPI_Request r;
  check(MPI_Ibarrier(MPI_COMM_WORLD, &r), "MPI_Ibarrier");
  bool came = false;
  poll([&] {
    int done = 0;
    check(MPI_Test(&r, &done, MPI_STATUS_IGNORE), "MPI_Test");
    came = done != 0;
    return came || std::chrono::steady_clock::now() > limit;
  });
  return came;
}

}  // namespace

bool launched() {
  return std::getenv("OMPI_COMM_WORLD_SIZE") != nullptr || std::getenv("PMI_SIZE") != nullptr ||
         std::getenv("PMIX_RANK") != nullptr;
}

void finish(int code, std::chrono::milliseconds patience, const std::function<void()>& say_why) {
  const auto limit = code == 0 ? std::chrono::steady_clock::time_point::max()
                               : std::chrono::steady_clock::now() + patience;
  if (everyone_came(limit)) {
    // Rank 0 says why the job failed; a rank that failed while rank 0 succeeded says it here.
    int rank = 0, root_code = code;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Request r;
    check(MPI_Ibcast(&root_code, 1, MPI_INT, 0, MPI_COMM_WORLD, &r), "MPI_Ibcast");
    wait(r);
    if (code != 0 && root_code == 0 && say_why) say_why();
    return;
  }
  if (say_why) say_why();
  MPI_Abort(MPI_COMM_WORLD, code);
}

int local_size() {
  // The ranks that share this machine's memory.
  MPI_Comm node = MPI_COMM_NULL;
  check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
        "MPI_Comm_split_type");
  int n = 1;
  MPI_Comm_size(node, &n);
  MPI_Comm_free(&node);
  return std::max(n, 1);
}

std::shared_ptr<ProcessGroup> init(int* argc, char*** argv) {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized) throw SystemFailure("MPI is already initialised");
  int provided = 0;
  check(MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided), "MPI_Init_thread");
  if (provided < MPI_THREAD_SERIALIZED) {
    MPI_Finalize();
    throw SystemFailure("MPI gives no MPI_THREAD_SERIALIZED support");
  }
  // Errors come back as codes, which check() turns into exceptions, rather than ending the job.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  return std::make_shared<MpiGroup>();
}

}  // namespace descent::mpi
