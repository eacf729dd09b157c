#include "util/atomic_file.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "descent/error.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

namespace fs = std::filesystem;

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

}  // namespace
}  // namespace descent
