#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <optional>
#include <string>
#include <system_error>

#include "descent/distributed.hpp"
#include "descent/error.hpp"

namespace descent {
namespace {

namespace fs = std::filesystem;

// Temporary files are named NAME + kTempTag + PID + "-XXXXXX" (mkstemp's six characters).
constexpr std::string_view kTempTag = ".descent-tmp-";
// The longest NAME kept in a temporary file's name, so that it stays under the file system's
// limit of 255 bytes.
constexpr std::size_t kMaxTempStem = 200;
// Links followed before giving up (the kernel's own limit for one path).
constexpr int kMaxLinks = 40;

InputError cannot(std::string_view verb, const fs::path& path, const std::string& why) {
  return InputError("cannot " + std::string(verb) + " '" + path.string() + "': " + why);
}

InputError cannot_write(const fs::path& path, const std::string& why) {
  return cannot("write", path, why);
}

// What a file is, for messages.
std::string kind_of(mode_t mode) {
  if (S_ISREG(mode)) return "a file";
  if (S_ISDIR(mode)) return "a folder";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISFIFO(mode)) return "a FIFO (named pipe)";
  if (S_ISSOCK(mode)) return "a socket";
  if (S_ISLNK(mode)) return "a symbolic link";
  return "not a regular file";
}

// The folder a file is in: "." for a bare file name.
fs::path folder_of(const fs::path& p) {
  const fs::path parent = p.parent_path();
  return parent.empty() ? fs::path(".") : parent;
}

// /proc's links (/proc/self/fd/1, /dev/stdout) name open files, not places to write.
bool on_procfs(const fs::path& folder) {
  struct statfs s {};
  return ::statfs(folder.c_str(), &s) == 0 && s.f_type == PROC_SUPER_MAGIC;
}

// Throws when a name on the path is longer than a file system takes (NAME_MAX bytes): stat
// says so only once every folder before it exists, so a missing folder would hide it.
void check_name_lengths(const fs::path& p, std::string_view verb, const fs::path& named) {
  for (const fs::path& part : p)
    if (part.native().size() > NAME_MAX)
      throw cannot(verb, named,
                   "a name in it is " + std::to_string(part.native().size()) +
                       " bytes long, more than the " + std::to_string(NAME_MAX) +
                       " a file system takes");
}

// Throws unless `folder` is a writable folder or can be made: the nearest existing folder on the
// way must be a folder that can be written. `verb` and `named` are for the message.
void check_folder_on_the_way(const fs::path& folder, std::string_view verb, const fs::path& named) {
  check_name_lengths(folder, verb, named);
  fs::path probe = folder;
  while (true) {
    struct stat st {};
    const int found = ::stat(probe.c_str(), &st);
    const int err = errno;
    if (found == 0) {
      if (!S_ISDIR(st.st_mode))
        throw cannot(verb, named,
                     "'" + probe.string() + "' is " + kind_of(st.st_mode) + ", not a folder");
      if (::access(probe.c_str(), W_OK | X_OK) != 0) {
        if (errno == EROFS)
          throw cannot(verb, named, "'" + probe.string() + "' is on a read-only file system");
        throw cannot(verb, named, "permission denied in '" + probe.string() + "'");
      }
      return;
    }
    if (err == EACCES)
      throw cannot(verb, named, "permission denied on the way to '" + probe.string() + "'");
    const fs::path up = folder_of(probe);
    if ((err != ENOENT && err != ENOTDIR) || up == probe)
      throw cannot(verb, named, "'" + probe.string() + "': " + std::strerror(err));
    probe = up;
  }
}

// The process id in the name of one of write_file_atomically's temporary files, or nothing
// when the name is not one of theirs.
std::optional<pid_t> temporary_writer(std::string_view name) {
  const std::size_t tag = name.rfind(kTempTag);
  if (tag == std::string_view::npos || tag == 0) return std::nullopt;
  const std::string_view rest = name.substr(tag + kTempTag.size());  // PID-XXXXXX
  const std::size_t dash = rest.find('-');
  if (dash == std::string_view::npos || dash == 0 || rest.size() != dash + 7) return std::nullopt;
  for (char c : rest.substr(dash + 1))
    if (!std::isalnum(static_cast<unsigned char>(c))) return std::nullopt;
  pid_t pid = 0;
  const auto [end, ec] = std::from_chars(rest.data(), rest.data() + dash, pid);
  if (ec != std::errc{} || end != rest.data() + dash || pid <= 0) return std::nullopt;
  return pid;
}

}  // namespace

fs::path check_output_file(const fs::path& path, std::string_view hint) {
  if (path.empty()) throw InputError("an output file name is empty");
  check_name_lengths(path, "write", path);
  const std::string extra = hint.empty() ? std::string() : "; " + std::string(hint);
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) throw cannot_write(path, "it is a folder");
    if (!S_ISREG(st.st_mode))
      throw cannot_write(path, "it is " + kind_of(st.st_mode) + ", not a regular file" + extra);
  } else if (errno != ENOENT && errno != ENOTDIR && errno != EACCES) {
    throw cannot_write(path, std::strerror(errno));
  }
  if (!path.has_filename()) throw cannot_write(path, "it ends with '/', not with a file name");

  // A symbolic link: the file it names is written, and the link stays.
  fs::path target = path;
  for (int links = 0;; ++links) {
    struct stat ls {};
    if (::lstat(target.c_str(), &ls) != 0 || !S_ISLNK(ls.st_mode)) break;
    if (on_procfs(folder_of(target)))
      throw cannot_write(path, "it is a link to an open file (under /proc)" + extra);
    if (links == kMaxLinks) throw cannot_write(path, "too many levels of symbolic links");
    std::error_code ec;
    const fs::path to = fs::read_symlink(target, ec);
    if (ec) throw cannot_write(path, ec.message());
    target = to.is_absolute() ? to : target.parent_path() / to;
  }
  if (!target.has_filename())
    throw cannot_write(path, "it links to '" + target.string() + "', which is not a file name");
  check_folder_on_the_way(folder_of(target), "write", path);
  return target;
}

void check_output_folder(const fs::path& dir) {
  check_folder_on_the_way(dir.empty() ? fs::path(".") : dir, "write into", dir);
}

void write_file_atomically(const fs::path& path, std::string_view content) {
  const fs::path target = check_output_file(path);
  // Under a process group, rank 0 alone writes (the others hold the same content).
  if (!is_root()) return;
  const fs::path folder = folder_of(target);
  std::error_code ec;
  fs::create_directories(folder, ec);
  if (ec) throw cannot_write(path, ec.message());
  remove_stale_temporaries(folder);

  std::string stem = target.filename().string();
  if (stem.size() > kMaxTempStem) stem.resize(kMaxTempStem);
  std::string tmp =
      (folder / (stem + std::string(kTempTag) + std::to_string(::getpid()) + "-XXXXXX")).string();
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) throw cannot_write(path, std::strerror(errno));
  // Held until the rename: it tells remove_stale_temporaries that the writer lives (a file
  // system without locks only loses that second check).
  (void)::flock(fd, LOCK_EX);
  // From here on the output was checked and is being written: a failure is the system's (a full
  // disk, an I/O error), not the input's.
  const auto abandon = [&](const std::string& why) {
    ::unlink(tmp.c_str());
    ::close(fd);
    return SystemFailure("cannot write '" + path.string() + "': " + why);
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
  // Something other than a regular file put in the target's place since the check stays.
  struct stat now {};
  if (::lstat(target.c_str(), &now) == 0 && !S_ISREG(now.st_mode))
    throw abandon("it became " + kind_of(now.st_mode) + " while it was written");
  if (::rename(tmp.c_str(), target.c_str()) != 0) throw abandon(std::strerror(errno));
  // The data is on disk (fsync): closing can report nothing more about it.
  ::close(fd);
}

std::size_t remove_stale_temporaries(const fs::path& folder) {
  std::size_t removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(folder, ec), end; !ec && it != end; it.increment(ec)) {
    const std::optional<pid_t> pid = temporary_writer(it->path().filename().string());
    if (!pid) continue;
    if (::kill(*pid, 0) == 0 || errno == EPERM) continue;  // the writer may still be writing
    const int fd = ::open(it->path().c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && ::flock(fd, LOCK_EX | LOCK_NB) == 0 &&
        ::unlink(it->path().c_str()) == 0)
      ++removed;
    ::close(fd);
  }
  return removed;
}

}  // namespace descent
