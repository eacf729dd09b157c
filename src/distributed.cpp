#include "descent/distributed.hpp"

#include <cstdint>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "descent/parallel.hpp"

namespace descent {

namespace {
std::shared_ptr<ProcessGroup>& installed() {
  static std::shared_ptr<ProcessGroup> group;
  return group;
}

// Set while this thread computes an item of a shared map: work it starts stays on this rank.
thread_local bool inside_map = false;

class InsideMap {
 public:
  InsideMap() : was_(std::exchange(inside_map, true)) {}
  ~InsideMap() { inside_map = was_; }
  InsideMap(const InsideMap&) = delete;
  InsideMap& operator=(const InsideMap&) = delete;

 private:
  bool was_;
};
}  // namespace

void set_process_group(std::shared_ptr<ProcessGroup> group) { installed() = std::move(group); }

ProcessGroup* process_group() { return installed().get(); }

ProcessGroup* shared_group() {
  ProcessGroup* g = process_group();
  return g != nullptr && g->size() > 1 && !inside_map ? g : nullptr;
}

bool is_root() {
  const ProcessGroup* g = process_group();
  return g == nullptr || g->rank() == 0;
}

std::vector<std::string> distributed_map(std::size_t items,
                                         const std::function<std::string(std::size_t)>& compute,
                                         const std::function<void(std::size_t)>& progress) {
  if (ProcessGroup* g = shared_group())
    return g->map(
        items,
        [&](std::size_t i) {
          const InsideMap inside;
          return compute(i);
        },
        progress);
  std::vector<std::string> out(items);
  std::size_t done = 0;
  std::mutex report;
  parallel_for(items, [&](std::size_t i) {
    out[i] = compute(i);
    std::lock_guard<std::mutex> lock(report);
    ++done;
    if (progress) progress(done);
  });
  return out;
}

Bytes& Bytes::put_string(std::string_view s) {
  put<std::uint64_t>(s.size());
  data_.append(s);
  return *this;
}

std::string Bytes::take_string() {
  const auto n = take<std::uint64_t>();
  if (n > data_.size() - at_) throw std::out_of_range("Bytes: a string runs past the end");
  std::string s = data_.substr(at_, n);
  at_ += n;
  return s;
}

void Bytes::read(void* out, std::size_t n) {
  if (n > data_.size() - at_) throw std::out_of_range("Bytes: read past the end");
  std::memcpy(out, data_.data() + at_, n);
  at_ += n;
}

}  // namespace descent
