// The real `descent serve` on a free loopback port, for the tests that talk HTTP to it.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

namespace descent::test {

/// The real program serving on a free port of the loopback interface (with `args`), stopped at
/// the end of the scope. Its standard error goes to a file.
class Served {
 public:
  explicit Served(std::vector<std::string> args = {}) : Served(DESCENT_CLI, std::move(args)) {}
  /// `program` (another copy of descent, an installed one say) started in the folder `cwd`
  /// (unless empty).
  Served(std::string program, std::vector<std::string> args, std::filesystem::path cwd = {}) {
    int out[2];
    if (pipe(out) != 0) return;
    errors_ = std::filesystem::temp_directory_path() /
              ("descent-serve-" + std::to_string(getpid()) + "-" + std::to_string(++count_));
    std::vector<std::string> argv = {program, "serve"};
    if (std::find(args.begin(), args.end(), "--port") == args.end())
      args.insert(args.end(), {"--port", "0"});
    argv.insert(argv.end(), args.begin(), args.end());
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      std::FILE* err = std::fopen(errors_.c_str(), "w");
      if (err != nullptr) dup2(fileno(err), STDERR_FILENO);
      if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(127);
      std::vector<char*> raw;
      for (std::string& a : argv) raw.push_back(a.data());
      raw.push_back(nullptr);
      execv(program.c_str(), raw.data());
      _exit(127);
    }
    close(out[1]);
    char ch = 0;
    while (read(out[0], &ch, 1) == 1 && ch != '\n') line_ += ch;
    close(out[0]);
    const std::size_t at = line_.find(":", line_.find("http://") + 7);
    if (at != std::string::npos && line_.find("http://") != std::string::npos)
      port_ = std::atoi(line_.c_str() + at + 1);
  }
  ~Served() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    std::filesystem::remove(errors_);
  }
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& line() const { return line_; }
  std::string errors() const {
    std::ifstream in(errors_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  static inline int count_ = 0;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string line_;
  std::filesystem::path errors_;
};

}  // namespace descent::test
