// descent: sharing bulk work between processes (MPI ranks).
//
// A ProcessGroup is the set of processes that run one job together, each with its rank in
// [0, size). descent's bulk work (the cells of a sweep, a tuning run or a study, the grid of a
// loss landscape, the gradient of a data-parallel training batch) asks the installed group, if
// any, to share it; with none installed, or a group of one, everything runs in this process on
// the thread pool (parallel.hpp), exactly as before. Every rank runs the same program on the same
// input and ends with the same results, so results never depend on the number of ranks; only the
// root (rank 0) should write files or print. The library holds no MPI code: descent::mpi
// (include/descent/mpi.hpp, built with -DDESCENT_MPI=ON) provides the group over MPI.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace descent {

class ProcessGroup {
 public:
  virtual ~ProcessGroup() = default;
  /// This process's rank, in [0, size()).
  virtual int rank() const = 0;
  /// The number of processes.
  virtual int size() const = 0;
  /// Computes compute(i) for every i in [0, items), each exactly once on some rank, handing items
  /// out dynamically (a rank that finishes early takes more; on each rank up to threads() at a
  /// time), and returns every item's bytes, in item order, on every rank. `progress(done)` is
  /// called on rank 0 alone, one call at a time, with the number of finished items. If compute
  /// throws InputError or SystemFailure for some items, every rank throws the one of the lowest
  /// such item after all are done; any other exception becomes a SystemFailure with its message.
  /// So does an exception from `progress`, which is then not called again. Collective: every
  /// rank must call it with the same `items`. Items must not call map themselves (through
  /// distributed_map they do not: see shared_group()).
  virtual std::vector<std::string> map(std::size_t items,
                                       const std::function<std::string(std::size_t)>& compute,
                                       const std::function<void(std::size_t)>& progress) = 0;
  /// Every rank's `mine`, in rank order, on every rank. Collective.
  virtual std::vector<std::string> all_gather(std::string_view mine) = 0;
};

/// Installs the group that bulk work shares (nullptr: none). Not thread-safe: install it at the
/// start of the program, before any work runs.
void set_process_group(std::shared_ptr<ProcessGroup> group);
/// The installed group, or nullptr.
ProcessGroup* process_group();
/// The installed group if it has more than one rank, else nullptr: whether work is shared. Also
/// nullptr on a thread computing an item of distributed_map: work that an item starts (a nested
/// sweep, a data-parallel training) runs on the rank that computes the item.
ProcessGroup* shared_group();
/// Whether this process is the one that writes files and prints: rank 0, or the only one.
bool is_root();

/// ProcessGroup::map over shared_group() when there is one; otherwise compute(i) for every i on
/// the thread pool, in this process, with the same answers (and an exception of compute's own
/// type, where the group's map turns those other than InputError into SystemFailure).
std::vector<std::string> distributed_map(std::size_t items,
                                         const std::function<std::string(std::size_t)>& compute,
                                         const std::function<void(std::size_t)>& progress = {});

/// Bytes of plain values, for what distributed_map's items return: `put` appends a value's
/// bytes, `take` reads the next one and throws std::out_of_range past the end.
class Bytes {
 public:
  Bytes() = default;
  explicit Bytes(std::string data) : data_(std::move(data)) {}
  template <class T>
  Bytes& put(const T& value) {
    static_assert(std::is_trivially_copyable_v<T>);
    data_.append(reinterpret_cast<const char*>(&value), sizeof(T));
    return *this;
  }
  Bytes& put_string(std::string_view s);
  template <class T>
  Bytes& put_span(const T* values, std::size_t n) {
    static_assert(std::is_trivially_copyable_v<T>);
    data_.append(reinterpret_cast<const char*>(values), n * sizeof(T));
    return *this;
  }
  template <class T>
  T take() {
    static_assert(std::is_trivially_copyable_v<T>);
    T value;
    read(&value, sizeof(T));
    return value;
  }
  std::string take_string();
  template <class T>
  void take_span(T* out, std::size_t n) {
    static_assert(std::is_trivially_copyable_v<T>);
    read(out, n * sizeof(T));
  }
  std::string&& release() && { return std::move(data_); }
  const std::string& str() const { return data_; }

 private:
  void read(void* out, std::size_t n);
  std::string data_;
  std::size_t at_ = 0;
};

}  // namespace descent
