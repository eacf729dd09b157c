// Private: AlignedVector, vectors whose storage starts on a cache line (a public detail, since
// L-BFGS's state holds its pairs in them).
#pragma once

#include "descent/detail/aligned.hpp"
