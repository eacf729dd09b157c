// libFuzzer target for the experiment files of `descent run` (TOML): any file must either be
// refused with InputError or give an experiment whose function, schedule and optimizers can be
// made, as `descent run` makes them before it runs anything. scripts/fuzz.sh runs it.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "descent/error.hpp"
#include "descent/objective.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"
#include "descent/schedule.hpp"
#include "experiment.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

const std::string& file() {
  static const std::string p = (std::filesystem::temp_directory_path() /
                                ("descent-experiment-fuzz-" + std::to_string(getpid()) + ".toml"))
                                   .string();
  return p;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  descent::set_threads(1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(file(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  try {
    const descent::cli::Experiment x = descent::cli::load_experiment(file());
    check(!x.optimizers.empty());
    check(x.steps <= descent::cli::kMaxSteps);
    for (const descent::OptimizerConfig& c : x.optimizers) (void)c.make<double>();
    if (x.schedule) (void)descent::make_schedule(*x.schedule);
    const std::unique_ptr<descent::Objective> f = descent::make_function(x.function);
    (void)f->spec();
  } catch (const descent::InputError&) {
  }
  return 0;
}
