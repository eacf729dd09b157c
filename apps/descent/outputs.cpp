#include "outputs.hpp"

#include <cerrno>
#include <cstring>
#include <system_error>

#include "descent/error.hpp"
#include "util/atomic_file.hpp"

namespace descent::cli {

namespace fs = std::filesystem;

bool is_stdout(const fs::path& path) { return path == "-"; }

std::string output_name(const fs::path& path) {
  return is_stdout(path) ? "standard output" : path.string();
}

void Outputs::file(const fs::path& path, bool stdout_ok) {
  if (stdout_ok && is_stdout(path)) {
    if (on_stdout_) throw InputError("only one output can go to standard output ('-')");
    on_stdout_ = true;
    return;
  }
  const fs::path target = check_output_file(path, stdout_ok ? "for standard output, give '-'" : "");
  std::error_code ec;
  const fs::path absolute = fs::absolute(target, ec).lexically_normal();
  fs::path resolved = fs::weakly_canonical(absolute, ec);
  if (ec) resolved = absolute;
  for (const Entry& e : files_)
    if (e.resolved == resolved)
      throw InputError("'" + e.given.string() + "' and '" + path.string() +
                       "' name the same file; give each output its own");
  files_.push_back({path, resolved});
}

void Outputs::folder(const fs::path& dir) { check_output_folder(dir); }

void write_output(const fs::path& path, std::string_view content) {
  if (!is_stdout(path)) {
    write_file_atomically(path, content);
    return;
  }
  if (std::fwrite(content.data(), 1, content.size(), stdout) != content.size() ||
      std::fflush(stdout) != 0)
    throw SystemFailure(std::string("cannot write standard output: ") + std::strerror(errno));
}

}  // namespace descent::cli
