// descent: version of the library. CMake reads the three numbers below; they are the only place the
// version is written.
#pragma once

#define DESCENT_VERSION_MAJOR 0
#define DESCENT_VERSION_MINOR 1
#define DESCENT_VERSION_PATCH 0

namespace descent {

/// The library version as "MAJOR.MINOR.PATCH".
const char* version() noexcept;

}  // namespace descent
