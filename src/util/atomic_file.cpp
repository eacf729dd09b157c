#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>

#include "descent/error.hpp"

namespace descent {

void write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  namespace fs = std::filesystem;
  const auto fail = [&](const std::string& why) {
    return InputError("cannot write '" + path.string() + "': " + why);
  };
  std::error_code ec;
  const fs::path parent = path.parent_path();
  if (!parent.empty()) {
    fs::create_directories(parent, ec);
    if (ec) throw fail(ec.message());
  }
  if (fs::is_directory(path, ec)) throw fail("it is a folder");

  std::string tmp = path.string() + ".tmp.XXXXXX";
  const int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw fail(std::strerror(errno));
  const auto abandon = [&](const std::string& why) {
    ::close(fd);
    ::unlink(tmp.c_str());
    return fail(why);
  };
  const char* p = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t w = ::write(fd, p, left);
    if (w < 0) {
      if (errno == EINTR) continue;
      throw abandon(std::strerror(errno));
    }
    p += w;
    left -= static_cast<std::size_t>(w);
  }
  // mkstemp creates the file 0600; results are meant to be read by others: rw-r--r--. (Reading the
  // umask would mean changing it, which is not safe while other threads create files.)
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) throw abandon(std::strerror(errno));
  if (::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw fail(std::strerror(errno));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    throw fail(why);
  }
}

}  // namespace descent
