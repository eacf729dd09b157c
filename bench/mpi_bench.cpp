// The process group's own costs under mpirun (docs/PERFORMANCE.md, "Over MPI"): what handing out
// one item costs (a map of items that do nothing, so that only the requests and replies are
// timed), the final broadcast of the results, and an all_gather of a training gradient.
//   mpirun -np K build/test/bench/descent_bench_mpi [PARAMETERS]
// PARAMETERS: floats in the gathered gradient (default 235146, the MLP 784-256-128-10).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "descent/distributed.hpp"
#include "descent/mpi.hpp"
#include "descent/parallel.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  std::shared_ptr<descent::ProcessGroup> group = descent::mpi::init(&argc, &argv);
  descent::set_process_group(group);
  descent::set_threads(1);
  const std::size_t parameters = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 235146;
  const bool root = group->rank() == 0;
  if (root) std::printf("ranks %d, 1 thread each\n", group->size());

  // Handing out: a map of items that do nothing (what a map costs on its own), and of items that
  // each keep a core busy for 100 us, against the time the cores would take without any hand-out
  // (items x 100 us / the ranks, or the cores where they are fewer).
  {
    auto t0 = Clock::now();
    (void)group->map(20000, [](std::size_t i) { return std::string(16, static_cast<char>(i)); },
                     {});
    const double empty = seconds_since(t0);
    const std::size_t items = 4000;
    t0 = Clock::now();
    (void)group->map(items,
                     [](std::size_t i) {
                       const auto start = Clock::now();
                       while (Clock::now() - start < std::chrono::microseconds(100)) {
                       }
                       return std::string(16, static_cast<char>(i));
                     },
                     {});
    const double busy = seconds_since(t0);
    const unsigned cores =
        std::min<unsigned>(static_cast<unsigned>(group->size()), descent::hardware_threads());
    const double ideal = static_cast<double>(items) * 100e-6 / cores;
    if (root)
      std::printf(
          "map of 20000 empty items: %.2f ms\nmap of %zu items of 100 us: %.3f s, %.0f%% of the "
          "%.3f s %u core(s) would take\n",
          1e3 * empty, items, busy, 100 * ideal / busy, ideal, cores);
  }
  // What a map costs however small: the gather of the worker counts, a request per worker and
  // the broadcast, with one item a rank.
  {
    const int repeats = 200;
    const auto t0 = Clock::now();
    for (int k = 0; k < repeats; ++k)
      (void)group->map(static_cast<std::size_t>(group->size()),
                       [](std::size_t i) { return std::to_string(i); }, {});
    if (root) std::printf("map of one item a rank: %.1f us\n", 1e6 * seconds_since(t0) / repeats);
  }
  // The broadcast at the end of a map: one item of 8 MB.
  {
    const auto t0 = Clock::now();
    for (int k = 0; k < 5; ++k)
      (void)group->map(1, [](std::size_t) { return std::string(std::size_t{8} << 20, 'x'); }, {});
    if (root) std::printf("map returning 8 MiB: %.2f ms\n", 1e3 * seconds_since(t0) / 5);
  }
  // A data-parallel step's exchange: every rank's gradient share to every rank.
  {
    const std::string share(parameters * sizeof(float), 'g');
    const int repeats = 50;
    const auto t0 = Clock::now();
    for (int k = 0; k < repeats; ++k) (void)group->all_gather(share);
    const double ms = 1e3 * seconds_since(t0) / repeats;
    if (root)
      std::printf(
          "all_gather of %zu floats a rank: %.2f ms, %.1f MB received a rank\n", parameters, ms,
          static_cast<double>(share.size() * static_cast<std::size_t>(group->size() - 1)) / 1e6);
  }
  descent::set_process_group(nullptr);
  group.reset();
  return 0;
}
