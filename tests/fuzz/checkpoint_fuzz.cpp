// libFuzzer target for the checkpoint loader: the first byte picks the element type (bit 0:
// float or double) and whether the target appends the right checksum (bit 1), so that the
// fuzzer reaches what the loader reads after the checksum; the rest is the file. Any file must
// either be refused with InputError or give an optimizer whose state fits its spec, that
// restore_checkpoint accepts and that can take a step. scripts/fuzz.sh runs it.
#include <unistd.h>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "descent/checkpoint.hpp"
#include "descent/error.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

// The checkpoint format's checksum: FNV-1a over every byte before it.
std::uint64_t fnv1a(std::string_view bytes) {
  std::uint64_t h = 1469598103934665603ull;
  for (const unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

const std::filesystem::path& file() {
  static const std::filesystem::path p = std::filesystem::temp_directory_path() /
                                         ("descent-checkpoint-fuzz-" + std::to_string(getpid()));
  return p;
}

template <std::floating_point T>
void load(const std::string& bytes) {
  {
    std::ofstream out(file(), std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }
  descent::Checkpoint<T> c;
  try {
    c = descent::load_checkpoint<T>(file());
  } catch (const descent::InputError&) {
    return;
  }
  check(c.optimizer != nullptr);
  check(c.optimizer->size() == c.w.size());
  // Restoring into a fresh optimizer of the loaded one's spec gives the same point and step. (Not
  // of c.spec: the state's base rate, "wrapper.base_lr", may say another rate than the spec does.)
  const auto fresh = descent::make_optimizer<T>(c.optimizer->spec());
  std::vector<T> w;
  check(descent::restore_checkpoint<T>(file(), *fresh, w) == c.step);
  check(w.size() == c.w.size());
  if (c.w.size() > 4096) return;
  std::vector<T> g(c.w.size(), T(0.5));
  c.optimizer->step(c.w, g);
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  descent::set_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  std::string bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] & 2) {
    const std::uint64_t h = fnv1a(bytes);
    bytes.append(reinterpret_cast<const char*>(&h), sizeof h);
  }
  if (data[0] & 1)
    load<float>(bytes);
  else
    load<double>(bytes);
  return 0;
}
