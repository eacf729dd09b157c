// The layers read one way: the engine (src/engine/: runs, lanes, the fused loop, sweeps, tuning,
// and its public face runner.hpp, sweep.hpp and tune.hpp) sits above the optimizers and the
// functions, and no file of theirs includes it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace descent {
namespace {

namespace fs = std::filesystem;

TEST(Layout, OptimizersAndFunctionsIncludeNoEngineHeader) {
  const fs::path root = DESCENT_SOURCE_DIR;
  const std::vector<std::string> engine = {"\"engine/", "\"descent/runner.hpp\"",
                                           "\"descent/sweep.hpp\"", "\"descent/tune.hpp\""};
  std::size_t files = 0;
  for (const char* dir : {"include/descent/optimizers", "include/descent/functions",
                          "src/optimizers", "src/functions", "src/expression"}) {
    for (const auto& entry : fs::recursive_directory_iterator(root / dir)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      std::ifstream in(entry.path());
      std::size_t line_no = 0;
      for (std::string line; std::getline(in, line);) {
        ++line_no;
        if (line.rfind("#include", 0) != 0) continue;
        for (const std::string& e : engine)
          EXPECT_EQ(line.find(e), std::string::npos)
              << entry.path().string() << ":" << line_no << " includes the engine: " << line;
      }
    }
  }
  EXPECT_GT(files, 20u) << "the folders were not found under " << root;
}

}  // namespace
}  // namespace descent
