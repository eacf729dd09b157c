// Momentum's phase diagram on the narrow valley, its cells shared by the ranks of an MPI job:
// every rank ends with every cell's numbers, and rank 0 prints the best cell. With one process
// (no mpirun) it runs the same sweep on its own. Exits non-zero unless the best cell reaches the
// tolerance.
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "descent/distributed.hpp"
#include "descent/mpi.hpp"
#include "descent/sweep.hpp"

int main(int argc, char** argv) {
  std::shared_ptr<descent::ProcessGroup> group;
  if (descent::mpi::launched()) {
    group = descent::mpi::init(&argc, &argv);
    descent::set_process_group(group);
  }
  descent::SweepConfig config;
  config.function = "anisotropic";
  config.optimizer = descent::OptimizerConfig::parse("momentum");
  config.axes = {descent::parse_grid_axis("lr=1e-3:1:log:64"),
                 descent::parse_grid_axis("alpha=0:0.99:lin:64")};
  const descent::SweepResult r = descent::sweep(config);
  std::size_t best = 0;
  for (std::size_t i = 1; i < r.size(); ++i)
    if (r.median[i] < r.median[best]) best = i;
  if (descent::is_root())
    std::printf("%d rank(s): best of %zu cells: %s in %.0f steps\n", group ? group->size() : 1,
                r.size(), r.cell_config(best).label().c_str(), r.median[best]);
  const bool reached = std::isfinite(r.median[best]);
  if (group) {
    descent::mpi::finish(reached ? 0 : 1);
    descent::set_process_group(nullptr);
  }
  return reached ? EXIT_SUCCESS : EXIT_FAILURE;
}
