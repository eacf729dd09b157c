// descent over MPI: the process group (distributed.hpp) of the ranks of an MPI job.
//
// Built with -DDESCENT_MPI=ON, as the library descent::mpi (component `mpi` of the CMake package),
// against the system's MPI (Open MPI or MPICH). A program that calls mpi::init() at its start and
// installs the group with set_process_group() spreads descent's bulk work over the ranks of
// `mpirun -np K program ...`: see docs/distributed.md.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "descent/distributed.hpp"

namespace descent::mpi {

/// Whether this process was started by an MPI launcher (mpirun, mpiexec, srun): whether the
/// launchers' environment variables (OMPI_COMM_WORLD_SIZE, PMI_SIZE, PMIX_RANK) are set. A
/// program started on its own need not initialise MPI at all.
bool launched();

/// Initialises MPI (with MPI_THREAD_SERIALIZED: calls from several threads, one at a time) and
/// returns the group of MPI_COMM_WORLD; MPI_Finalize runs when the last reference to it goes. Call
/// once, at the start of the program. Throws SystemFailure if MPI is already initialised or gives
/// less thread support.
std::shared_ptr<ProcessGroup> init(int* argc, char*** argv);

/// Ends this rank's part of the job, before the group is released: with `code` 0 it waits until
/// every rank has come here; with a failure it waits at most `patience` for the others (which
/// come too when they failed alike, as with a bad argument every rank reads) and otherwise ends
/// the whole job with MPI_Abort(code), so that a rank failing alone never leaves the others
/// waiting for it. `say_why` is called first then, and also when every rank came but this one
/// failed while rank 0 did not (so rank 0 did not say it). Collective; returns only when every
/// rank came.
void finish(int code, std::chrono::milliseconds patience = std::chrono::seconds(60),
            const std::function<void()>& say_why = {});

/// The number of ranks on this machine (those sharing its memory, MPI_COMM_TYPE_SHARED), for
/// sharing the cores: the program's default thread count a rank is the cores it may run on
/// divided by it. Collective; call after init().
int local_size();

}  // namespace descent::mpi
