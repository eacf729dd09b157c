// Private: writing a file so that readers see either the old file or the whole new one.
#pragma once

#include <filesystem>
#include <string_view>

namespace descent {

/// Writes `content` to a temporary file beside `path`, flushes it and renames it over `path`.
/// Creates missing parent folders. On failure nothing is left behind and InputError is thrown
/// naming the path and the reason.
void write_file_atomically(const std::filesystem::path& path, std::string_view content);

}  // namespace descent
