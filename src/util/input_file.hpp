// Private: the checks a file named by the user passes before it is opened for reading.
#pragma once

#include <cstdint>
#include <filesystem>
#include <limits>
#include <string_view>

namespace descent {

/// Throws InputError unless `path` names a regular file (or a link to one) of at most `max_bytes`
/// bytes: "WHAT 'PATH' does not exist", "... is a folder, not EXPECTED", "... is not a regular
/// file (a device, a FIFO or a socket)", "... is N bytes; the limit is M". Devices and FIFOs are
/// refused before they are opened: reading one may never end (/dev/zero) or never start (a FIFO
/// without a writer). `what` names the file's role ("trajectory file"), `expected` its kind
/// ("a CSV file").
void check_input_file(const std::filesystem::path& path, std::string_view what,
                      std::string_view expected,
                      std::uintmax_t max_bytes = std::numeric_limits<std::uintmax_t>::max());

/// check_input_file of a file of any size and kind: "WHAT 'PATH' is a folder, not a file".
inline void require_regular_file(const std::filesystem::path& path, std::string_view what) {
  check_input_file(path, what, "a file");
}

}  // namespace descent
