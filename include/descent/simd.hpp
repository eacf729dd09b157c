// descent: which SIMD instruction set the elementwise kernels use.
//
// Every elementwise optimizer step is compiled three times into the library: for SSE2 (every
// x86-64 CPU), AVX2 and AVX-512F. At run time the widest one the CPU supports is used, unless
// set_simd() asks for a narrower one. All three give bit-identical results: the kernels use only
// IEEE-754 operations that are correctly rounded whatever the vector width (+, -, *, /, sqrt,
// min, max, comparisons; no fused multiply-add, no reassociation). On other architectures there is
// one portable build and the only level is `generic`.
#pragma once

#include <string_view>
#include <vector>

namespace descent {

enum class Simd { generic, sse2, avx2, avx512 };

/// The levels compiled into the library, narrowest first (the CPU may lack some of them).
std::vector<Simd> simd_compiled();

/// The levels this CPU can run, narrowest first.
std::vector<Simd> simd_supported();

/// The level the kernels use now.
Simd simd();

/// Makes the kernels use `level`; throws InputError if the CPU cannot run it.
void set_simd(Simd level);

/// "generic", "sse2", "avx2" or "avx512".
std::string_view simd_name(Simd level);

/// The level called `name`; InputError listing the levels this CPU supports if it cannot run it
/// ("'neon' is not supported here; valid: sse2, avx2").
Simd parse_simd(std::string_view name);

}  // namespace descent
