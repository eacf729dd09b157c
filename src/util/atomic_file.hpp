// Private: writing a file so that readers see either the old file or the whole new one, and
// checking output paths before anything is written.
//
// Only regular files are written. A symbolic link is followed and the file it names is written
// (the link stays); a folder, a device, a FIFO or a socket is refused, never replaced. Every
// problem is an InputError naming the path: a folder on the way that is a file, a folder that
// cannot be written (permission denied, a read-only file system), a path ending in '/'.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string_view>

namespace descent {

/// Checks that `path` can be written as a regular file, without creating or changing anything,
/// and returns the path that will be written: `path` with symbolic links followed (to a file
/// that need not exist yet). Missing folders on the way are fine (they will be made). `hint` is
/// added to the message for a device, a FIFO or a socket (e.g. how to name standard output).
/// Throws InputError naming `path` and the problem.
std::filesystem::path check_output_file(const std::filesystem::path& path,
                                        std::string_view hint = {});

/// Checks that `dir` can hold output files: it is a folder, or can be made, and can be written.
/// Creates nothing. Throws InputError naming `dir` and the problem.
void check_output_folder(const std::filesystem::path& dir);

/// Writes `content` to `path` (after check_output_file): to a temporary file in the same folder,
/// flushed to disk and renamed over the file, so that readers see the old file or the whole new
/// one. Creates missing parent folders, and first removes stale temporary files of this program
/// from the folder (see remove_stale_temporaries). On failure nothing is left behind and
/// InputError is thrown naming the path and the reason when the path cannot be written (checked
/// first); SystemFailure when the writing itself fails (a full disk, an I/O error).
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

/// Removes the temporary files that write_file_atomically left in `folder` when its process was
/// killed during a write. They are named NAME.descent-tmp-PID-XXXXXX; one is stale when process
/// PID does not exist and no process holds its lock (a writer holds it from the file's creation
/// until the rename, which covers a writer whose process id means nothing here, such as one in
/// another PID namespace). Other files are never touched. Returns how many were removed; errors
/// are ignored.
std::size_t remove_stale_temporaries(const std::filesystem::path& folder);

}  // namespace descent
