// The files a command writes: all of them checked before the first is written, and "-" for
// standard output where an option takes it.
#pragma once

#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace descent::cli {

/// "-": standard output, for the options that take it.
bool is_stdout(const std::filesystem::path& path);

/// A path for messages: the path, or "standard output" for "-".
std::string output_name(const std::filesystem::path& path);

/// The outputs of one command, each checked when it is added (see check_output_file), before the
/// command writes anything. Throws InputError naming the path: one that cannot be written, two
/// that name the same file, or a second output on standard output.
class Outputs {
 public:
  /// A file the command will write; with `stdout_ok`, "-" means standard output.
  void file(const std::filesystem::path& path, bool stdout_ok = false);
  /// A folder the command will write files into (they are added with file() as well).
  void folder(const std::filesystem::path& dir);
  /// Where the command's report goes: standard error when an output is on standard output.
  std::FILE* report() const { return on_stdout_ ? stderr : stdout; }

 private:
  struct Entry {
    std::filesystem::path given, resolved;
  };
  std::vector<Entry> files_;
  bool on_stdout_ = false;
};

/// Writes `content` to `path` atomically (write_file_atomically), or to standard output for "-".
void write_output(const std::filesystem::path& path, std::string_view content);

}  // namespace descent::cli
