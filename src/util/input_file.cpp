#include "util/input_file.hpp"

#include <string>
#include <system_error>

#include "descent/error.hpp"

namespace descent {

void check_input_file(const std::filesystem::path& path, std::string_view what,
                      std::string_view expected, std::uintmax_t max_bytes) {
  namespace fs = std::filesystem;
  const std::string name = std::string(what) + " '" + path.string() + "'";
  std::error_code ec;
  const fs::file_status st = fs::status(path, ec);
  if (st.type() == fs::file_type::not_found) throw InputError(name + " does not exist");
  if (ec) throw InputError(name + " cannot be read: " + ec.message());
  if (st.type() == fs::file_type::directory)
    throw InputError(name + " is a folder, not " + std::string(expected));
  if (st.type() != fs::file_type::regular)
    throw InputError(name + " is not a regular file (a device, a FIFO or a socket)");
  const std::uintmax_t size = fs::file_size(path, ec);
  if (ec) throw InputError(name + " cannot be read: " + ec.message());
  if (size > max_bytes)
    throw InputError(name + " is " + std::to_string(size) + " bytes; the limit is " +
                     std::to_string(max_bytes));
}

}  // namespace descent
