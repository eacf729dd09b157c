// Private: whether the x86-64 kernel variants (SSE2, AVX2, AVX-512F) are built.
#pragma once

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define DESCENT_X86_64_KERNELS 1
#else
#define DESCENT_X86_64_KERNELS 0
#endif
