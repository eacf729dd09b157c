#include "util/input_file.hpp"

#include "descent/error.hpp"

namespace descent {

void require_regular_file(const std::filesystem::path& path, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::file_status s = fs::status(path, ec);
  const std::string name = what + " '" + path.string() + "'";
  if (s.type() == fs::file_type::not_found) throw InputError(name + " does not exist");
  if (ec) throw InputError(name + " cannot be read: " + ec.message());
  if (s.type() == fs::file_type::directory) throw InputError(name + " is a folder, not a file");
  if (s.type() != fs::file_type::regular)
    throw InputError(name + " is not a regular file (a device, a named pipe or a socket)");
}

}  // namespace descent
