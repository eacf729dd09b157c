# Installs descent from BUILD_DIR into a private prefix, then configures, builds and runs the
# consumer project in SOURCE_DIR against it with find_package(descent COMPONENTS plot nn), and the
# example projects examples/custom_optimizer/, examples/user_function/ and, when the build has
# MPI (MPIEXEC is given), examples/mpi_sweep/ under mpirun -np 2.
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
function(step)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed: ${ARGN}\n${out}\n${err}")
  endif()
  message(STATUS "${out}")
endfunction()
step(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
step(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G Ninja
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
step(${CMAKE_COMMAND} --build ${WORK_DIR}/build)
step(${WORK_DIR}/build/consumer)
step(${WORK_DIR}/build/consumer_lab)
# The example project that declares an optimizer of its own (examples/custom_optimizer/).
step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/../../examples/custom_optimizer -B ${WORK_DIR}/custom -G Ninja
     -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
step(${CMAKE_COMMAND} --build ${WORK_DIR}/custom)
step(${WORK_DIR}/custom/custom_optimizer)
# The example project that minimizes a function of its own given as a lambda
# (examples/user_function/); it fails unless it finds the least-squares line.
step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/../../examples/user_function -B ${WORK_DIR}/user_function
     -G Ninja -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
step(${CMAKE_COMMAND} --build ${WORK_DIR}/user_function)
step(${WORK_DIR}/user_function/user_function)
# The example project that shares a sweep over MPI ranks (examples/mpi_sweep/).
if(MPIEXEC)
  step(${CMAKE_COMMAND} -S ${SOURCE_DIR}/../../examples/mpi_sweep -B ${WORK_DIR}/mpi_sweep
       -G Ninja -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_BUILD_TYPE=Release)
  step(${CMAKE_COMMAND} --build ${WORK_DIR}/mpi_sweep)
  step(${CMAKE_COMMAND} -E env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
       ${MPIEXEC} -np 2 --oversubscribe ${WORK_DIR}/mpi_sweep/mpi_sweep)
endif()
