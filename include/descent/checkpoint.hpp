// descent: checkpoints of an optimizer's complete state, to stop a run and resume it exactly.
//
// A checkpoint holds the optimizer's canonical spec (with its wrapper keys and schedule), the
// element type, the step index, the parameter vector, and every array and counter the optimizer
// visits (see StateVisitor), followed by a checksum. It is written atomically (a temporary file,
// then a rename). Loading checks everything before anything is used: the magic bytes, the format
// version, the checksum (so a truncated or corrupted file is refused), the element type, and that
// the state fits the spec (every array's length, a wrapped optimizer's base rate); on any failure
// it throws InputError and changes nothing.
//
// File layout (little-endian): "DESCENTK", u32 format version, u32 element size (4 or 8),
// u64 step, string spec, u64 n, n elements of w, u32 record count, records
// {u8 kind (0 array, 1 real, 2 integer), string name, payload}, u64 FNV-1a hash of all the bytes
// before it. A string is a u32 length and its bytes; an array is a u64 length and its elements.
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "descent/optimizer.hpp"

namespace descent {

/// The format version written by this library.
inline constexpr std::uint32_t kCheckpointVersion = 1;

/// Writes `optimizer`'s state with the point `w` reached at step `step` to `path`, atomically.
/// Throws InputError if the file cannot be written.
template <std::floating_point T>
void save_checkpoint(const std::filesystem::path& path, Optimizer<T>& optimizer,
                     std::span<const T> w, std::uint64_t step);

/// What a checkpoint holds, with the optimizer rebuilt from its spec and its state restored.
template <std::floating_point T>
struct Checkpoint {
  std::string spec;
  std::uint64_t step = 0;
  std::vector<T> w;
  std::unique_ptr<Optimizer<T>> optimizer;
};

/// Reads a checkpoint. Throws InputError (naming the file and the problem) for a missing,
/// truncated, corrupted or newer-format file, or one written for the other element type.
template <std::floating_point T>
Checkpoint<T> load_checkpoint(const std::filesystem::path& path);

/// Restores a checkpoint into an existing optimizer, whose canonical spec must equal the
/// checkpoint's (however the file writes it); on success `w` receives the point and the step is
/// returned. On any failure InputError is thrown and neither `optimizer` nor `w` is changed.
template <std::floating_point T>
std::uint64_t restore_checkpoint(const std::filesystem::path& path, Optimizer<T>& optimizer,
                                 std::vector<T>& w);

}  // namespace descent
