// The MPI process group (include/descent/mpi.hpp), run by CTest under `mpirun -np K`: every item
// computed once somewhere, all results on every rank in item order, progress on rank 0 alone,
// errors thrown alike on every rank, dynamic hand-out, all_gather. Prints one line per failed
// check (rank 0's view) and exits non-zero if any failed.
// With the argument `alone`, rank 1 fails alone while rank 0 waits for it in a map: mpi::finish
// must end the whole job (MPI_Abort) after saying why, not leave rank 0 waiting.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "descent/distributed.hpp"
#include "descent/error.hpp"
#include "descent/mpi.hpp"
#include "descent/parallel.hpp"

namespace {

int failures = 0;

void expect(bool ok, const char* what, int rank) {
  if (!ok) {
    std::fprintf(stderr, "rank %d: FAILED: %s\n", rank, what);
    ++failures;
  }
}

// Item i's bytes: its number, then i % 7 letters (some items are empty apart from the number).
std::string item_bytes(std::size_t i) {
  return std::to_string(i) + ":" + std::string(i % 7, static_cast<char>('a' + i % 26));
}

}  // namespace

int main(int argc, char** argv) {
  std::shared_ptr<descent::ProcessGroup> group = descent::mpi::init(&argc, &argv);
  descent::set_process_group(group);
  descent::set_threads(2);  // two workers a rank: requests from several threads of one rank
  const int rank = group->rank(), size = group->size();
  if (argc > 1 && std::string(argv[1]) == "alone") {
    if (rank == 1)
      descent::mpi::finish(2, std::chrono::milliseconds(500),
                           [] { std::fprintf(stderr, "rank 1 failed alone\n"); });
    else
      (void)group->map(10, [](std::size_t i) { return std::to_string(i); }, {});
    std::fprintf(stderr, "rank %d: FAILED: still running after rank 1 failed alone\n", rank);
    return 0;
  }
  expect(size > 1, "the test runs with more than one rank", rank);
  expect(descent::shared_group() == group.get(), "shared_group() is the installed group", rank);
  expect(descent::is_root() == (rank == 0), "is_root() is rank 0", rank);

  {  // Every item once, all results everywhere, in order; progress counts on rank 0 alone.
    constexpr std::size_t kItems = 1000;
    std::vector<std::size_t> mine;
    std::mutex lock;
    std::vector<std::size_t> seen;
    const std::vector<std::string> out = descent::distributed_map(
        kItems,
        [&](std::size_t i) {
          std::lock_guard<std::mutex> guard(lock);
          mine.push_back(i);
          return item_bytes(i);
        },
        [&](std::size_t done) { seen.push_back(done); });
    bool all = out.size() == kItems;
    for (std::size_t i = 0; all && i < kItems; ++i) all = out[i] == item_bytes(i);
    expect(all, "every rank holds every item's bytes in item order", rank);
    if (rank == 0) {
      bool counts = seen.size() == kItems;
      for (std::size_t k = 0; counts && k < kItems; ++k) counts = seen[k] == k + 1;
      expect(counts, "rank 0's progress counts 1, 2, ..., items", rank);
    } else {
      expect(seen.empty(), "progress is called on rank 0 alone", rank);
    }
    // Which rank computed what: every item exactly once in the whole group.
    std::string list;
    for (std::size_t i : mine) list += std::to_string(i) + ",";
    std::vector<std::size_t> count(kItems, 0);
    for (const std::string& part : group->all_gather(list)) {
      std::size_t at = 0;
      while (at < part.size()) {
        const std::size_t comma = part.find(',', at);
        ++count[std::stoul(part.substr(at, comma - at))];
        at = comma + 1;
      }
    }
    expect(std::all_of(count.begin(), count.end(), [](std::size_t c) { return c == 1; }),
           "every item is computed exactly once in the group", rank);
  }

  {  // No items.
    const std::vector<std::string> out =
        group->map(0, [](std::size_t) { return std::string("x"); }, {});
    expect(out.empty(), "a map of no items returns nothing", rank);
  }

  {  // Dynamic hand-out: rank 0's items are slow, so the other ranks take most of them.
    constexpr std::size_t kItems = 120;
    std::size_t here = 0;
    std::mutex lock;
    (void)group->map(kItems,
                     [&](std::size_t i) {
                       if (rank == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
                       std::lock_guard<std::mutex> guard(lock);
                       ++here;
                       return std::to_string(i);
                     },
                     {});
    const std::vector<std::string> counts = group->all_gather(std::to_string(here));
    if (rank == 0)
      expect(std::stoul(counts[0]) < kItems / 2,
             "a rank that finishes early takes more (rank 0, slow, computed under half)", rank);
  }

  {  // Errors: the lowest failing item's, thrown on every rank, of its kind.
    bool input = false;
    std::string message;
    try {
      (void)group->map(200,
                       [](std::size_t i) -> std::string {
                         if (i == 150) throw descent::SystemFailure("item 150 failed");
                         if (i == 37 || i == 90)
                           throw descent::InputError("item " + std::to_string(i) + " bad");
                         return "ok";
                       },
                       {});
    } catch (const descent::InputError& e) {
      input = true;
      message = e.what();
    } catch (const std::exception& e) {
      message = e.what();
    }
    expect(input && message == "item 37 bad", "every rank throws the lowest item's InputError",
           rank);
  }

  {  // A progress callback that throws (on rank 0): every rank throws its error after the map.
    std::string message;
    try {
      (void)group->map(
          100, [](std::size_t i) { return std::to_string(i); },
          [](std::size_t done) {
            if (done == 5) throw std::runtime_error("stop at 5");
          });
    } catch (const descent::SystemFailure& e) {
      message = e.what();
    }
    expect(message == "progress: stop at 5", "every rank throws the progress callback's error",
           rank);
  }

  {  // all_gather: sizes that differ by rank, one of them empty.
    const std::vector<std::string> all =
        group->all_gather(std::string(static_cast<std::size_t>(rank) * 3, 'r'));
    bool ok = all.size() == static_cast<std::size_t>(size);
    for (int k = 0; ok && k < size; ++k)
      ok = all[static_cast<std::size_t>(k)] == std::string(static_cast<std::size_t>(k) * 3, 'r');
    expect(ok, "all_gather returns every rank's bytes in rank order", rank);
  }

  // Every rank's failures, counted on rank 0.
  const std::vector<std::string> all = group->all_gather(std::to_string(failures));
  int total = 0;
  for (const std::string& f : all) total += std::stoi(f);
  if (rank == 0)
    std::printf("%s: %d failed check(s) over %d ranks\n", total ? "FAILED" : "passed", total, size);
  descent::set_process_group(nullptr);
  group.reset();
  return total ? EXIT_FAILURE : EXIT_SUCCESS;
}
