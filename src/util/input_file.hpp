// Private: checks on a file about to be read as input.
#pragma once

#include <filesystem>
#include <string>

namespace descent {

/// Throws InputError unless `path` names a regular file (a symbolic link to one counts):
/// "<what> '<path>' does not exist", "... is a folder, not a file" or "... is not a regular file
/// (a device, a named pipe or a socket)". A pipe would block the reader and a device like
/// /dev/zero never end, so they are refused before they are opened.
void require_regular_file(const std::filesystem::path& path, const std::string& what);

}  // namespace descent
