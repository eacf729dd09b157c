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
// Format version 2 also holds the run's context (CheckpointContext): the random state of the
// function the run evaluated (its gradient noise and mini-batches), so that a resumed run draws
// what the uninterrupted one would have, and the settings a resumed run must keep. Version 3 adds
// the run's history (RunHistory: its first loss and its metrics so far), so that a resumed run
// reports the whole run's metrics. Versions 1 and 2 still load; they record no history (and
// version 1 no context).
//
// File layout (little-endian): "DESCENTK", u32 format version, u32 element size (4 or 8),
// u64 step, string spec, u64 n, n elements of w, u32 record count, records
// {u8 kind (0 array, 1 real, 2 integer), string name, payload}, then from version 2 u8 1 and a
// string random state (u8 0 where the writer did not give one), u32 setting count, settings
// {string name, string value}, then from version 3 u8 1 and the history (u8 0 where the writer
// did not give one): f64 start loss, f64 final loss, f64 best loss, u64 best step, u8 1 and u64
// steps to tol (u8 0 where never), f64 path length, an array of u64 zig-zag counts and an array of
// i8 step signs; last a u64 FNV-1a hash of all the bytes before it. A string is a u32 length and
// its bytes; an array is a u64 length and its elements. Every length is checked against the bytes
// that remain before anything of that length is allocated.
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "descent/objective.hpp"
#include "descent/optimizer.hpp"
#include "descent/runner.hpp"

namespace descent {

/// The format version written by this library (it reads 1 to 3).
inline constexpr std::uint32_t kCheckpointVersion = 3;

/// What a run needs besides the optimizer to continue exactly.
struct CheckpointContext {
  /// The random state of the function the run evaluated, before it evaluated the checkpoint's
  /// step (RunResult::random_state): empty for exact gradients; nullopt where it is not known (a
  /// version 1 file, or one saved without it), which a run with random gradients cannot resume.
  std::optional<std::string> random_state;
  /// Settings of the run that a resumed run must keep, by name (e.g. "--batch" -> "128"); the
  /// program that resumes compares them.
  std::map<std::string, std::string> settings;
  /// What the run measured up to the checkpoint's step (RunResult::history), which run_from takes
  /// to report the whole run's metrics; nullopt where it is not known (a file of version 1 or 2,
  /// or one saved without it).
  std::optional<RunHistory> history;

  /// The first of the settings `mine` recorded here with another value, as {name, recorded
  /// value}; nullopt when each one recorded matches (a setting not recorded matches anything).
  std::optional<std::pair<std::string, std::string>> differing(
      const std::map<std::string, std::string>& mine) const {
    for (const auto& [name, value] : mine)
      if (const auto it = settings.find(name); it != settings.end() && it->second != value)
        return *it;
    return std::nullopt;
  }
};

/// Writes `optimizer`'s state with the point `w` reached at step `step` and the run's `context`
/// to `path`, atomically. Throws InputError if the file cannot be written, or if `path` is a
/// folder, a device, a FIFO or a socket (never replaced; a symbolic link is followed and the file
/// it names is written).
template <std::floating_point T>
void save_checkpoint(const std::filesystem::path& path, Optimizer<T>& optimizer,
                     std::span<const T> w, std::uint64_t step,
                     const CheckpointContext& context = {});

/// What a checkpoint holds, with the optimizer rebuilt from its spec and its state restored.
template <std::floating_point T>
struct Checkpoint {
  std::string spec;
  std::uint64_t step = 0;
  std::vector<T> w;
  std::unique_ptr<Optimizer<T>> optimizer;
  std::uint32_t version = kCheckpointVersion;  ///< the file's format version
  CheckpointContext context;
};

/// Reads a checkpoint. Throws InputError (naming the file and the problem) for a missing,
/// truncated, corrupted or newer-format file, one written for the other element type, or a path
/// that is not a regular file (a device or a named pipe is refused before it is opened).
template <std::floating_point T>
Checkpoint<T> load_checkpoint(const std::filesystem::path& path);

/// Restores a checkpoint into an existing optimizer, whose canonical spec must equal the
/// checkpoint's (however the file writes it); on success `w` receives the point, `context` (if
/// given) the run's context, and the step is
/// returned. On any failure InputError is thrown and neither `optimizer` nor `w` is changed.
template <std::floating_point T>
std::uint64_t restore_checkpoint(const std::filesystem::path& path, Optimizer<T>& optimizer,
                                 std::vector<T>& w, CheckpointContext* context = nullptr);

/// Puts the random streams of `f` (its gradient noise and mini-batches) where the run that wrote
/// checkpoint `source` had them, so that run_from continues it exactly. Throws InputError
/// (naming `source`), changing nothing, if that cannot be done: `f` has random gradients and the
/// checkpoint does not record its run's random state (a version 1 file, or one saved without
/// it), or the recorded state is not one of `f`'s streams (exact gradients against random ones,
/// another noise level, seed or batch size).
void restore_random_state(const Objective& f, const CheckpointContext& context,
                          const std::filesystem::path& source);

}  // namespace descent
