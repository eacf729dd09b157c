// The files the descent program writes: never a device, a FIFO or a socket, never a symbolic
// link replaced, "-" for standard output, every output checked before the first is written, an
// experiment file's outputs kept under the current folder, path problems as input errors, and no
// temporary file left by a killed write.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "descent/trajectory_csv.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

namespace fs = std::filesystem;
using test::quote;
using test::run_cli;
using ::testing::HasSubstr;
using ::testing::Not;

std::size_t count_files(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(dir)) ++n;
  return n;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  return {std::istreambuf_iterator<char>(in), {}};
}

bool is_a_fifo(const fs::path& p) { return fs::symlink_status(p).type() == fs::file_type::fifo; }

TEST(Outputs, AFifoIsRefusedAndLeftInPlace) {
  test::TempDir dir;
  const fs::path d(dir.path());
  ASSERT_EQ(::mkfifo((d / "pipe").c_str(), 0644), 0);
  for (const std::string args :
       {"run --no-plots --steps 3 --trajectory pipe", "run --no-plots --steps 3 --json pipe",
        "run --no-plots --steps 3 --out pipe"}) {
    const auto r = run_cli(args, dir.path());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr("descent: error: cannot write")) << args;
    EXPECT_THAT(r.err, HasSubstr("'pipe")) << args;
    EXPECT_THAT(r.err, HasSubstr("a FIFO")) << args;
    EXPECT_THAT(r.err, Not(HasSubstr("internal error"))) << args;
    EXPECT_TRUE(is_a_fifo(d / "pipe")) << args;
    EXPECT_EQ(count_files(d), 1u) << args << ": a file was written";
  }
}

TEST(Outputs, ADeviceIsRefusedBeforeAnythingIsWritten) {
  // (A program that replaced devices would replace /dev/null here, as root: the FIFO above
  // stands for a device in the test of such a program.)
  struct stat before {};
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  test::TempDir dir;
  const auto r = run_cli("run --no-plots --steps 3 --json /dev/null", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot write '/dev/null': it is a character device"));
  EXPECT_THAT(r.err, HasSubstr("'-'"));
  EXPECT_EQ(count_files(dir.path()), 0u);
  struct stat after {};
  ASSERT_EQ(::stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_ino, before.st_ino);
}

TEST(Outputs, ASymlinkIsWrittenThroughAndKept) {
  test::TempDir dir;
  const fs::path d(dir.path());
  fs::create_directories(d / "results");
  std::ofstream(d / "results" / "run.json") << "old";
  fs::create_symlink("results/run.json", d / "latest.json");
  fs::create_symlink("results/new.csv", d / "latest.csv");  // a link to a file not yet there
  const auto r =
      run_cli("run --no-plots --steps 3 --json latest.json --trajectory latest.csv", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::is_symlink(d / "latest.json"));
  EXPECT_TRUE(fs::is_symlink(d / "latest.csv"));
  const auto doc = nlohmann::json::parse(read_all(d / "results" / "run.json"));
  EXPECT_EQ(doc.at("steps"), 3);
  std::ifstream csv(d / "results" / "new.csv");
  EXPECT_EQ(read_trajectory_csv(csv, "new.csv").size(), 3u);
}

TEST(Outputs, DashIsStandardOutput) {
  test::TempDir dir;
  const fs::path d(dir.path());
  auto r = run_cli("run --no-plots --steps 3 --json -", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);  // standard output holds the JSON alone
  EXPECT_EQ(doc.at("steps"), 3);
  EXPECT_THAT(r.err, HasSubstr("final loss"));  // the report goes to standard error
  EXPECT_THAT(r.err, HasSubstr("wrote descent-out/trajectory.csv and standard output"));
  EXPECT_TRUE(fs::exists(d / "descent-out" / "trajectory.csv"));
  EXPECT_FALSE(fs::exists(d / "-"));

  r = run_cli("run --no-plots --steps 3 -o sgd --trajectory -", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream csv(r.out);
  const auto t = read_trajectory_csv(csv, "stdout");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].trajectory.size(), 4u);

  r = run_cli("bench --size 1000 --threads 1 --optimizers sgd --repeat 1 --min-time 0 --json -",
              dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out).at("results").size(), 1u);
  EXPECT_THAT(r.err, HasSubstr("triad GB/s"));
  EXPECT_FALSE(fs::exists(d / "-"));

  const std::size_t before = count_files(d);
  r = run_cli("run --no-plots --steps 3 --json - --trajectory -", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("only one output can go to standard output"));
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count_files(d), before);
}

// Invalid outputs are found before anything is written, by every command that writes several
// files: the last of a command's files is the one that cannot be written.
TEST(Outputs, AnInvalidOutputWritesNothing) {
  struct Case {
    std::string args;
    std::string folder;  ///< made before the run: the output the command cannot replace
    std::string message;
  };
  const Case cases[] = {
      {"run --no-plots --steps 3 --json /", "", "cannot write '/': it is a folder"},
      {"run --steps 3 --out o", "o/animation.gif",
       "cannot write 'o/animation.gif': it is a folder"},
      {"run --no-plots --steps 3 --checkpoint o", "o/optimizer-3.ckpt",
       "cannot write 'o/optimizer-3.ckpt': it is a folder"},
      {"run --no-plots --steps 3 --json x.json --trajectory ./x.json", "", "name the same file"},
      {"sweep --grid lr=0.1:1:lin:2 --steps 5 --out o", "o/heatmap.png",
       "cannot write 'o/heatmap.png': it is a folder"},
      {"tune -o adam --budget 2 --steps 5 --out o", "o/loss.png",
       "cannot write 'o/loss.png': it is a folder"},
      {"train --model softmax --train-limit 100 --test-limit 10 --epochs 1 -o sgd --out o",
       "o/test-accuracy.png", "cannot write 'o/test-accuracy.png': it is a folder"},
      {"plot t.csv --function anisotropic --out o", "o/loss.png",
       "cannot write 'o/loss.png': it is a folder"},
  };
  for (const Case& c : cases) {
    test::TempDir dir;
    const fs::path d(dir.path());
    std::ofstream(d / "t.csv") << "optimizer,step,loss,w1,w2\na,0,9,1,1\na,1,2.25,0.5,0.5\n";
    if (!c.folder.empty()) fs::create_directories(d / c.folder);
    const std::size_t before = count_files(d);
    const auto r = run_cli(c.args, dir.path());
    EXPECT_EQ(r.status, 2) << c.args << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr(c.message)) << c.args;
    EXPECT_EQ(count_files(d), before) << c.args << ": a file was written";
  }
}

// A folder on the way that is a file: an input error (exit 2) naming the path, from every
// command.
TEST(Outputs, PathProblemsAreInputErrors) {
  test::TempDir dir;
  const fs::path d(dir.path());
  std::ofstream(d / "afile") << "x";
  const std::string commands[] = {
      "run --no-plots --steps 3 --out afile/sub",
      "run --no-plots --steps 3 --json afile/r.json",
      "sweep --grid lr=0.1:1:lin:2 --steps 5 --out afile/sub",
      "tune -o adam --budget 2 --steps 5 --out afile",
      "train --model softmax --train-limit 100 --test-limit 10 --epochs 1 -o sgd --out afile",
      "bench --size 1000 --threads 1 --optimizers sgd --repeat 1 --min-time 0 --json afile/b.json",
  };
  for (const std::string& args : commands) {
    const auto r = run_cli(args, dir.path());
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr("'afile' is a file, not a folder")) << args;
    EXPECT_EQ(count_files(d), 1u) << args;
  }
}

// A folder that cannot be written: an input error naming it, from every command. (Root may
// write into any folder: the test runs as another user only.)
TEST(Outputs, PermissionDeniedIsAnInputError) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write into any folder";
  test::TempDir dir;
  const fs::path d(dir.path());
  fs::create_directories(d / "locked");
  fs::permissions(d / "locked", fs::perms::owner_read | fs::perms::owner_exec);
  const std::string commands[] = {
      "run --no-plots --steps 3 --out locked/sub",
      "sweep --grid lr=0.1:1:lin:2 --steps 5 --out locked/sub",
      "tune -o adam --budget 2 --steps 5 --out locked/sub",
      "train --model softmax --train-limit 100 --test-limit 10 --epochs 1 -o sgd --out locked",
  };
  for (const std::string& args : commands) {
    const auto r = run_cli(args, dir.path());
    EXPECT_EQ(r.status, 2) << args << "\n" << r.err;
    EXPECT_THAT(r.err, HasSubstr("permission denied in 'locked'")) << args;
  }
  fs::permissions(d / "locked", fs::perms::owner_all);
  EXPECT_EQ(count_files(d), 1u);
}

// An experiment file may name outputs only under the folder it is run in; the command line may
// name any path.
TEST(Outputs, ExperimentFilesWriteOnlyUnderTheCurrentFolder) {
  test::TempDir dir;
  const fs::path d(dir.path());
  const fs::path work = d / "work";
  fs::create_directories(work);
  const std::pair<std::string, std::string> bad[] = {
      {"out = " + quote((d / "abs").string()) + "\n", "'out' must be a relative path"},
      {"json = \"../escaped.json\"\n", "'json' must not climb out of the current folder"},
      {"trajectory = \"a/../../escaped.csv\"\n",
       "'trajectory' must not climb out of the current folder"},
      {"out = \"\"\n", "'out' must not be empty"},
  };
  for (const auto& [toml, message] : bad) {
    std::ofstream(work / "x.toml") << "steps = 3\n" << toml;
    const auto r = run_cli("run --no-plots x.toml", work.string());
    EXPECT_EQ(r.status, 2) << toml;
    EXPECT_THAT(r.err, HasSubstr("x.toml:2: " + message)) << toml;
    if (message != "'out' must not be empty") {
      EXPECT_THAT(r.err, HasSubstr("give this one on the command line")) << toml;
    }
    EXPECT_EQ(count_files(d), 2u) << toml << ": a file was written";
  }
  // Relative paths inside the folder are fine; the command line takes any path.
  std::ofstream(work / "x.toml") << "steps = 3\nout = \"res/x\"\njson = \"res/./r.json\"\n";
  auto r = run_cli("run --no-plots x.toml", work.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(work / "res" / "x" / "trajectory.csv"));
  EXPECT_TRUE(fs::exists(work / "res" / "r.json"));
  r = run_cli("run --no-plots x.toml --json ../r.json --out " + quote((d / "abs").string()),
              work.string());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(d / "r.json"));
  EXPECT_TRUE(fs::exists(d / "abs" / "trajectory.csv"));
}

// A run killed while it writes (here by the file-size limit, SIGXFSZ) leaves a temporary file;
// the next run into the folder removes it.
TEST(Outputs, TheTemporaryFileOfAKilledRunIsRemovedByTheNext) {
  test::TempDir dir;
  const fs::path d(dir.path());
  const std::string cmd = "cd " + quote(dir.path()) + " && ulimit -c 0 && ulimit -f 1 && exec " +
                          quote(DESCENT_CLI) + " run --no-plots --steps 500 >/dev/null 2>&1";
  const int raw = std::system(cmd.c_str());
  // Killed by the signal (a shell that did not exec reports it as 128 + the signal).
  const int signal = WIFSIGNALED(raw) ? WTERMSIG(raw) : WEXITSTATUS(raw) - 128;
  ASSERT_EQ(signal, SIGXFSZ) << "status " << raw;
  ASSERT_EQ(count_files(d / "descent-out"), 1u) << "the killed run left its temporary file";
  EXPECT_FALSE(fs::exists(d / "descent-out" / "trajectory.csv"));

  const auto r = run_cli("run --no-plots --steps 3", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(d / "descent-out"))
    names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"run.json", "trajectory.csv"}));
}

}  // namespace
}  // namespace descent
