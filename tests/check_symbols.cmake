# Checks that the library LIB, read with the nm program NM, defines no symbol in namespace Eigen:
# the library's Eigen is built with EIGEN_USE_BLAS and renamed descent_eigen
# (src/optimizers/eigen.hpp), so that a program using Eigen without that macro links no body of
# the library's in place of its own, nor the reverse. The library must define symbols in
# descent_eigen, so that the check is known to read demangled names at all.
execute_process(COMMAND ${NM} -C --defined-only ${LIB} OUTPUT_VARIABLE out RESULT_VARIABLE rc
                ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${NM} failed on ${LIB}: ${err}")
endif()
string(REGEX MATCHALL "[^\n]*[^A-Za-z0-9_\n]Eigen::[^\n]*" leaked "${out}")
list(LENGTH leaked count)
if(count GREATER 0)
  list(GET leaked 0 first)
  message(FATAL_ERROR "${LIB} defines ${count} symbols in namespace Eigen, such as\n${first}")
endif()
if(NOT out MATCHES "descent_eigen::")
  message(FATAL_ERROR "${LIB} defines nothing in namespace descent_eigen: is Eigen renamed?")
endif()
message(STATUS "${LIB}: no symbol in namespace Eigen")
