#include "descent/version.hpp"

#define DESCENT_STR2(x) #x
#define DESCENT_STR(x) DESCENT_STR2(x)

namespace descent {

const char* version() noexcept {
  return DESCENT_STR(DESCENT_VERSION_MAJOR) "." DESCENT_STR(DESCENT_VERSION_MINOR) "." DESCENT_STR(
      DESCENT_VERSION_PATCH);
}

}  // namespace descent
