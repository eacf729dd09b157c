#include "test_support.hpp"

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

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

}  // namespace descent::test
