// Private: Eigen for the matrix optimizers (Muon, Shampoo, SOAP), under a namespace of the
// library's own. The library is built with EIGEN_USE_BLAS, which gives some of Eigen's inline
// products (the symmetric rank update, the triangular products) other bodies, calls to OpenBLAS.
// In namespace Eigen those bodies would be weak symbols that a program using Eigen without the
// macro also defines, and the linker would keep one of the two for both (a breach of the one
// definition rule). Renamed, the library's Eigen is its own; tests/check_symbols.cmake checks that
// the library defines nothing in namespace Eigen. A file of the library includes Eigen only here.
#pragma once

#if defined(EIGEN_CORE_H) || defined(EIGEN_WORLD_VERSION)
#error "optimizers/eigen.hpp must come before any Eigen header"
#endif

#define Eigen descent_eigen  // NOLINT: the rename, for every Eigen header included below

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <Eigen/QR>
