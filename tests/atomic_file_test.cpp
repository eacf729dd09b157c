#include "util/atomic_file.hpp"

#include <fcntl.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFile, CreatesFoldersAndReplacesWholeFiles) {
  test::TempDir dir;
  const fs::path p = fs::path(dir.path()) / "a" / "b" / "x.txt";
  write_file_atomically(p, "first");
  EXPECT_EQ(slurp(p), "first");
  write_file_atomically(p, "second, longer");
  EXPECT_EQ(slurp(p), "second, longer");
  // Nothing but the file itself is left in the folder.
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(p.parent_path())) ++entries;
  EXPECT_EQ(entries, 1u);
}

TEST(AtomicFile, FailureLeavesNothingBehind) {
  test::TempDir dir;
  const fs::path blocker = fs::path(dir.path()) / "file";
  write_file_atomically(blocker, "x");
  // A path under a regular file cannot be created.
  EXPECT_THROW(write_file_atomically(blocker / "y.txt", "y"), InputError);
  // A folder cannot be replaced by a file.
  fs::create_directory(fs::path(dir.path()) / "folder");
  EXPECT_THROW(write_file_atomically(fs::path(dir.path()) / "folder", "z"), InputError);
  std::size_t entries = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path())) ++entries;
  EXPECT_EQ(entries, 2u);  // "file" and "folder", no temporary files
  EXPECT_EQ(slurp(blocker), "x");
}

bool is_a_fifo(const fs::path& p) { return fs::symlink_status(p).type() == fs::file_type::fifo; }

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(AtomicFile, RefusesAFifoAndLeavesItInPlace) {
  test::TempDir dir;
  const fs::path fifo = fs::path(dir.path()) / "pipe";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
  try {
    write_file_atomically(fifo, "x");
    ADD_FAILURE() << "a FIFO was replaced";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot write '" + fifo.string() + "'"));
    EXPECT_THAT(e.what(), HasSubstr("FIFO"));
  }
  EXPECT_TRUE(is_a_fifo(fifo));
  // A link to the FIFO: neither the link nor the FIFO is replaced.
  const fs::path link = fs::path(dir.path()) / "link";
  fs::create_symlink("pipe", link);
  EXPECT_THROW(write_file_atomically(link, "x"), InputError);
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_TRUE(is_a_fifo(fifo));
  EXPECT_EQ(names_in(dir.path()), (std::vector<std::string>{"link", "pipe"}));
}

TEST(AtomicFile, RefusesDevicesBeforeTouchingThem) {
  // (On a program that replaced devices this would replace /dev/null: a FIFO stands for a device
  // in the test above.)
  struct stat before {};
  ASSERT_EQ(::stat("/dev/null", &before), 0);
  ASSERT_TRUE(S_ISCHR(before.st_mode));
  try {
    check_output_file("/dev/null");
    ADD_FAILURE() << "/dev/null was accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot write '/dev/null': it is a character device"));
  }
  struct stat after {};
  ASSERT_EQ(::stat("/dev/null", &after), 0);
  EXPECT_TRUE(S_ISCHR(after.st_mode));
  EXPECT_EQ(after.st_ino, before.st_ino);
}

TEST(AtomicFile, WritesThroughSymlinksAndKeepsThem) {
  test::TempDir dir;
  const fs::path d(dir.path());
  fs::create_directories(d / "data");
  write_file_atomically(d / "data" / "real.json", "old");
  // A relative link, and a link to that link from another folder.
  fs::create_symlink("data/real.json", d / "link");
  fs::create_directories(d / "other");
  fs::create_symlink("../link", d / "other" / "chain");
  write_file_atomically(d / "link", "new");
  EXPECT_TRUE(fs::is_symlink(d / "link"));
  EXPECT_EQ(slurp(d / "data" / "real.json"), "new");
  write_file_atomically(d / "other" / "chain", "newer");
  EXPECT_TRUE(fs::is_symlink(d / "other" / "chain"));
  EXPECT_TRUE(fs::is_symlink(d / "link"));
  EXPECT_EQ(slurp(d / "data" / "real.json"), "newer");
  // A link to a file that does not exist yet: the file is created, the link stays.
  fs::create_symlink("data/later.csv", d / "dangling");
  write_file_atomically(d / "dangling", "made");
  EXPECT_TRUE(fs::is_symlink(d / "dangling"));
  EXPECT_EQ(slurp(d / "data" / "later.csv"), "made");
  // No temporary file is left anywhere.
  EXPECT_EQ(names_in(d), (std::vector<std::string>{"dangling", "data", "link", "other"}));
  EXPECT_EQ(names_in(d / "data"), (std::vector<std::string>{"later.csv", "real.json"}));
}

TEST(AtomicFile, FolderProblemsNameThePath) {
  test::TempDir dir;
  const fs::path d(dir.path());
  write_file_atomically(d / "file", "x");
  try {
    write_file_atomically(d / "file" / "sub" / "y.csv", "y");
    ADD_FAILURE() << "a file was taken for a folder";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'" + (d / "file").string() + "' is a file, not a folder"));
  }
  try {
    write_file_atomically(d / "x.csv/", "y");
    ADD_FAILURE() << "a path ending in '/' was written";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("it ends with '/'"));
  }
  EXPECT_EQ(names_in(d), (std::vector<std::string>{"file"}));
}

TEST(AtomicFile, ChecksCreateNothing) {
  test::TempDir dir;
  const fs::path d(dir.path());
  write_file_atomically(d / "file", "x");
  EXPECT_THROW(check_output_folder(d / "file"), InputError);
  EXPECT_THROW(check_output_folder(d / "file" / "sub"), InputError);
  EXPECT_THROW(check_output_file(d / "file" / "x.csv"), InputError);
  EXPECT_THROW(check_output_file(d), InputError);
  // A name longer than a file system takes is refused by the check, even under a folder that
  // does not exist yet (where the system would say so only once that folder is made).
  const std::string long_name(300, 'a');
  for (const fs::path& p : {d / "new" / (long_name + ".csv"), d / long_name / "x.csv"}) {
    try {
      check_output_file(p);
      ADD_FAILURE() << "a name of 300 bytes was accepted";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr("a name in it is 30"));
      EXPECT_THAT(e.what(), HasSubstr("bytes long, more than the 255 a file system takes"));
    }
  }
  EXPECT_THROW(check_output_folder(d / "new" / long_name), InputError);
  // Folders that do not exist yet are fine, and are not made by the check.
  check_output_folder(d / "new" / "sub");
  EXPECT_EQ(check_output_file(d / "new" / "x.csv"), d / "new" / "x.csv");
  EXPECT_EQ(names_in(d), (std::vector<std::string>{"file"}));
}

// Permission problems, seen only by a user other than root (root may write anywhere).
TEST(AtomicFile, PermissionDeniedNamesTheFolder) {
  if (::geteuid() == 0) GTEST_SKIP() << "root may write into any folder";
  test::TempDir dir;
  const fs::path locked = fs::path(dir.path()) / "locked";
  fs::create_directories(locked);
  fs::permissions(locked, fs::perms::owner_read | fs::perms::owner_exec);
  try {
    write_file_atomically(locked / "x.csv", "x");
    ADD_FAILURE() << "a read-only folder was written";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("cannot write '" + (locked / "x.csv").string() +
                                    "': permission denied in '" + locked.string() + "'"));
  }
  fs::permissions(locked, fs::perms::owner_all);
}

// A writer killed during a write (here by the file-size limit, SIGXFSZ) leaves its temporary
// file; the next write into the folder removes it.
TEST(AtomicFile, TheNextWriteRemovesTheTemporaryFileOfAKilledWriter) {
  test::TempDir dir;
  const fs::path d(dir.path());
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    const rlimit no_core{0, 0}, small{1000, 1000};
    ::setrlimit(RLIMIT_CORE, &no_core);
    ::setrlimit(RLIMIT_FSIZE, &small);
    write_file_atomically(d / "x.json", std::string(100000, 'x'));
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGXFSZ) << "status " << status;
  ASSERT_EQ(names_in(d).size(), 1u) << "the killed writer left its temporary file";
  EXPECT_NE(names_in(d).front(), "x.json");
  write_file_atomically(d / "y.json", "y");
  EXPECT_EQ(names_in(d), (std::vector<std::string>{"y.json"}));
}

// Only temporary files of this program's naming, whose writer has ended, are removed: not those
// of a live writer (this process), nor one whose writer still holds its lock (a writer in
// another process namespace, whose process id means nothing here), nor other files.
TEST(AtomicFile, OnlyStaleTemporaryFilesAreRemoved) {
  test::TempDir dir;
  const fs::path d(dir.path());
  const pid_t dead = ::fork();
  ASSERT_GE(dead, 0);
  if (dead == 0) ::_exit(0);
  ASSERT_EQ(::waitpid(dead, nullptr, 0), dead);
  const std::string tag = ".descent-tmp-";
  const std::string stale = "a.csv" + tag + std::to_string(dead) + "-Ab12Cd";
  const std::string live = "b.csv" + tag + std::to_string(::getpid()) + "-Ab12Cd";
  const std::string locked = "c.csv" + tag + std::to_string(dead) + "-Xy34Zw";
  const std::string others[] = {"notes.tmp.txt", "d.csv" + tag + "12x-Ab12Cd",
                                "e.csv" + tag + std::to_string(dead) + "-Ab12"};
  for (const std::string& n : {stale, live, locked}) std::ofstream(d / n) << "partial";
  for (const std::string& n : others) std::ofstream(d / n) << "mine";
  const int fd = ::open((d / locked).c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  write_file_atomically(d / "out.json", "{}");
  ::close(fd);
  std::vector<std::string> expected = {live, locked, "out.json", others[0], others[1], others[2]};
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(names_in(d), expected);
  // Unlocked, the last one goes too.
  write_file_atomically(d / "out.json", "{}");
  expected.erase(std::find(expected.begin(), expected.end(), locked));
  EXPECT_EQ(names_in(d), expected);
}

}  // namespace
}  // namespace descent
