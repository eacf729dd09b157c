#include "test_support.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

namespace descent::test {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::string quote(const std::string& arg) {
  std::string s = "'";
  for (char c : arg) s += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return s + "'";
}

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "descent-test-XXXXXX").string();
  if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CliResult run_cli(const std::string& args, const std::string& cwd) {
  TempDir io;
  const std::string out = io.path() + "/out", err = io.path() + "/err";
  const std::string cmd = "cd " + quote(cwd) + " && " + quote(DESCENT_CLI) + " " + args + " >" +
                          quote(out) + " 2>" + quote(err) + " </dev/null";
  const int raw = std::system(cmd.c_str());
  CliResult r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : 128 + WTERMSIG(raw);
  r.out = slurp(out);
  r.err = slurp(err);
  return r;
}

std::string through_fifo(const std::string& path, const std::string& bytes,
                         const std::function<std::string(const std::string&)>& read) {
  if (::mkfifo(path.c_str(), 0600) != 0) throw std::runtime_error("cannot make a pipe " + path);
  std::thread writer([&] {
    // Blocks until a reader opens the pipe: the tested code, or the release below.
    const int fd = ::open(path.c_str(), O_WRONLY);
    if (fd < 0) return;
    std::size_t done = 0;
    while (done < bytes.size()) {
      const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
      if (n <= 0) break;
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  });
  std::string result;
  try {
    result = read(path);
  } catch (...) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);
    writer.join();
    if (fd >= 0) ::close(fd);
    throw;
  }
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK);  // releases an unopened writer
  writer.join();
  if (fd >= 0) ::close(fd);
  return result;
}

}  // namespace descent::test
