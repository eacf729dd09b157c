// libFuzzer target for the trajectory CSV reader (descent plot reads these files): any input must
// either be refused with InputError or give trajectories that hold together, and that
// write_trajectory_csv writes back as a file that reads as the same trajectories. scripts/fuzz.sh
// runs it.
#include <cstddef>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "descent/runner.hpp"
#include "descent/trajectory_csv.hpp"

namespace {

void check(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::istringstream in(std::string(reinterpret_cast<const char*>(data), size));
  std::vector<descent::NamedTrajectory> read;
  try {
    read = descent::read_trajectory_csv(in, "fuzz.csv");
  } catch (const descent::InputError&) {
    return 0;
  }
  check(!read.empty());
  std::vector<descent::RunResult> results(read.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    const descent::Trajectory& t = read[i].trajectory;
    check(!read[i].optimizer.empty());
    check(t.dim == read.front().trajectory.dim);
    check(t.loss.size() == t.steps.size());
    check(t.points.size() == t.steps.size() * t.dim);
    results[i].optimizer = read[i].optimizer;
    results[i].trajectory = t;
  }
  // Written back and read again, the file gives the same trajectories.
  std::ostringstream out;
  descent::write_trajectory_csv(out, results);
  std::istringstream again(out.str());
  const std::vector<descent::NamedTrajectory> back = descent::read_trajectory_csv(again, "back");
  check(back.size() == read.size());
  for (std::size_t i = 0; i < read.size(); ++i) {
    check(back[i].optimizer == read[i].optimizer);
    check(back[i].trajectory.steps == read[i].trajectory.steps);
    check(back[i].trajectory.loss == read[i].trajectory.loss);
    check(back[i].trajectory.points == read[i].trajectory.points);
  }
  return 0;
}
