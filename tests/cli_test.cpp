// The descent program end to end: the default run, the seed's example files against the golden
// trajectories, and every kind of bad input (exit 2, one message, no file written).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include <sys/stat.h>

#include "descent/trajectory_csv.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

namespace fs = std::filesystem;
using test::quote;
using test::run_cli;
using ::testing::HasSubstr;
using ::testing::Not;

std::vector<NamedTrajectory> read_csv(const fs::path& p) {
  std::ifstream in(p);
  return read_trajectory_csv(in, p.string());
}

std::size_t count_files(const fs::path& dir) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& e : fs::recursive_directory_iterator(dir)) ++n;
  return n;
}

TEST(Cli, DefaultRunIsTheSeedExperiment) {
  test::TempDir dir;
  const auto r = run_cli("run", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("anisotropic:ratio=8"));
  EXPECT_THAT(r.out, HasSubstr("w1^2 + 8*w2^2"));
  EXPECT_THAT(r.out, HasSubstr("sgd:lr=0.1 "));
  EXPECT_THAT(r.out, HasSubstr("momentum:lr=0.1,alpha=0.9 "));
  EXPECT_THAT(r.out, HasSubstr("rmsprop:lr=0.1,beta=0.9 "));
  const auto t = read_csv(fs::path(dir.path()) / "descent-out" / "trajectory.csv");
  ASSERT_EQ(t.size(), 3u);
  for (const auto& n : t) EXPECT_EQ(n.trajectory.size(), 51u);
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "descent-out" / "run.json"));
  for (const char* fig : {"surface3d.png", "contour.png", "loss.png", "animation.gif"})
    EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "descent-out" / fig)) << fig;
}

TEST(Cli, FigureOptions) {
  test::TempDir dir;
  auto r = run_cli("run --no-plots --out a", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "a" / "contour.png"));
  r = run_cli("run --format svg --out b --steps 5", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* fig : {"surface3d.svg", "contour.svg", "loss.svg", "animation.gif"})
    EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "b" / fig)) << fig;
  // A function that is not 2-D gets the loss figure only.
  r = run_cli("run --function rosenbrock:n=4 -o lbfgs --out c", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("no contour figure: it needs a 2-D function"));
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "c" / "loss.png"));
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "c" / "contour.png"));
  // Asked for by --kind, such a figure is refused, not skipped.
  r = run_cli("plot c/trajectory.csv -f rosenbrock:n=4 --kind contour --kind loss --out d",
              dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("--kind contour: it needs a 2-D function; 'rosenbrock:n=4'"));
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "d"));
}

// --record chooses the rows of trajectory.csv and run.json (the first and the last always); the
// table's metrics are the same whatever is recorded. A run that blows up says so.
TEST(Cli, RecordChoosesTheRowsAndTheStatusSaysDiverging) {
  test::TempDir dir;
  const std::string run = "run -f rosenbrock:n=1000 -o adam:lr=0.01 --steps 100 --no-plots";
  const auto rows = [&](const std::string& out) {
    std::ifstream csv(fs::path(dir.path()) / out / "trajectory.csv");
    std::vector<std::string> steps;
    std::string line;
    std::getline(csv, line);
    while (std::getline(csv, line)) {
      const auto spec_end = line.find("\",");  // the spec is quoted: it holds commas
      steps.push_back(line.substr(spec_end + 2, line.find(',', spec_end + 2) - spec_end - 2));
    }
    return steps;
  };
  auto all = run_cli(run + " --out all", dir.path());
  ASSERT_EQ(all.status, 0) << all.err;
  EXPECT_EQ(rows("all").size(), 101u);
  auto none = run_cli(run + " --out none --record none", dir.path());
  ASSERT_EQ(none.status, 0) << none.err;
  EXPECT_EQ(rows("none"), (std::vector<std::string>{"0", "100"}));
  auto every = run_cli(run + " --out every --record every:30", dir.path());
  ASSERT_EQ(every.status, 0) << every.err;
  EXPECT_EQ(rows("every"), (std::vector<std::string>{"0", "30", "60", "90", "100"}));
  // The same table: the metrics are measured on every step.
  const auto table = [](const std::string& out) { return out.substr(0, out.find("\nwrote")); };
  EXPECT_EQ(table(none.out), table(all.out));
  for (const char* bad : {"every:0", "some", "every:x"}) {
    const auto r = run_cli(run + " --record " + bad, dir.path());
    EXPECT_EQ(r.status, 2) << bad;
    EXPECT_THAT(r.err, HasSubstr("--record")) << bad;
  }
  const auto blown = run_cli("run -o nesterov --start=-1.5,1 --steps 80 --no-plots", dir.path());
  ASSERT_EQ(blown.status, 0) << blown.err;
  EXPECT_THAT(blown.out, HasSubstr("diverging: loss grew from 10.25 to 1.991e+29 by step 80"));
}

// `descent plot` draws a trajectory file written by any program.
TEST(Cli, PlotDrawsACsvFromAnotherProgram) {
  test::TempDir dir;
  std::ofstream(fs::path(dir.path()) / "torch.csv")
      << "optimizer,step,loss,w1,w2\n"
         "torch Adam,0,9,1,1\ntorch Adam,10,2.25,0.5,0.5\ntorch Adam,20,0.09,0.1,0.1\n";
  auto r = run_cli("plot torch.csv --function anisotropic", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* fig : {"surface3d.png", "contour.png", "loss.png", "animation.gif"})
    EXPECT_TRUE(fs::exists(fs::path(dir.path()) / fig)) << fig;
  r = run_cli("plot torch.csv --kind loss --format svg --out mine.svg", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "mine.svg"));
  // A file's name says its format: .svg without --format is an SVG; a name that disagrees with
  // what is written (an animation is a GIF) is refused, and nothing is written.
  r = run_cli("plot torch.csv --kind loss --out named.svg", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream named(fs::path(dir.path()) / "named.svg");
  EXPECT_EQ(std::string(std::istreambuf_iterator<char>(named), {}).rfind("<?xml", 0), 0u);
  r = run_cli("plot torch.csv --kind loss --format png --out other.svg", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("the loss figure in png is written as .png; name the file "
                               "other.png or give --format svg"));
  // The one figure that fits a CSV without --function, to a file named for its format.
  r = run_cli("plot torch.csv --out default.svg", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::is_regular_file(fs::path(dir.path()) / "default.svg"));
  r = run_cli("plot torch.csv --kind loss --out fig.jpeg", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, testing::EndsWith("name the file fig.png\n"));
  r = run_cli("plot torch.csv --kind animation -f anisotropic --out a.png", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("the animation figure is written as .gif; name the file a.gif"));
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "other.svg"));
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "a.png"));
}

TEST(Cli, PlotRejectsBadInput) {
  test::TempDir dir;
  std::ofstream(fs::path(dir.path()) / "cols.csv") << "step,w1,w2,value\n0,1,1,9\n";
  std::ofstream(fs::path(dir.path()) / "nan.csv") << "optimizer,step,loss,w1,w2\na,0,nan,1,1\n";
  std::ofstream(fs::path(dir.path()) / "ok.csv") << "optimizer,step,loss,w1,w2\na,0,9,1,1\n";
  const std::size_t before = count_files(dir.path());
  const std::pair<std::string, std::string> cases[] = {
      {"plot missing.csv", "trajectory file 'missing.csv' does not exist"},
      {"plot cols.csv", "the header has no column loss"},
      {"plot nan.csv", "'nan' is not finite"},
      {"plot ok.csv --kind contour", "needs the function the paths ran on"},
      {"plot ok.csv --kind heatmap", "unknown figure kind 'heatmap'"},
      {"plot ok.csv --format jpg", "unknown figure format 'jpg'"},
      {"plot ok.csv --function rosenbrock:n=3", "the paths have 2 coordinates"},
      {"plot . --kind loss", "is a folder"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = run_cli(args, dir.path());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
  }
  EXPECT_EQ(count_files(dir.path()), before);
}

// Files from other programs: the page's export order, a BOM, CRLF, an extra column and a single
// run without an optimizer column are read by column name.
TEST(Cli, PlotReadsColumnsByName) {
  test::TempDir dir;
  std::ofstream(fs::path(dir.path()) / "page.csv")
      << "optimizer,step,w1,w2,loss\n\"sgd:lr=0.1\",0,1,1,9\n\"sgd:lr=0.1\",1,0.8,-0.6,3.52\n";
  std::ofstream(fs::path(dir.path()) / "torch.csv", std::ios::binary)
      << "\xEF\xBB\xBFstep,loss,grad_norm,w1,w2\r\n0,9,16.1,1,1\r\n1,3.52,10,0.8,-0.6\r\n";
  for (const char* file : {"page.csv", "torch.csv"}) {
    const auto r = run_cli(std::string("plot ") + file +
                               " --function anisotropic --kind contour "
                               "--out " +
                               file + ".png",
                           dir.path());
    EXPECT_EQ(r.status, 0) << file << ": " << r.err;
    EXPECT_TRUE(fs::exists(fs::path(dir.path()) / (std::string(file) + ".png"))) << file;
  }
}

// The loss column is checked against --function: a least-squares run drawn over the anisotropic
// bowl is refused with the line, both losses and the point, unless --no-check.
TEST(Cli, PlotRefusesPathsOfAnotherFunction) {
  test::TempDir dir;
  auto r = run_cli("run --no-plots --function least_squares -o sgd:lr=0.05 --steps 20 --out ls",
                   dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const std::size_t before = count_files(dir.path());
  r = run_cli("plot ls/trajectory.csv --function anisotropic", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("ls/trajectory.csv:2: the file's loss 1.9135379049976566 "
                               "(optimizer 'sgd:lr=0.05,weight_decay=0', step 0) is not the loss "
                               "of function 'anisotropic:ratio=8,angle=0' at (0, 0), which is 0"));
  EXPECT_THAT(r.err, HasSubstr("--no-check"));
  EXPECT_EQ(count_files(dir.path()), before);
  r = run_cli("plot ls/trajectory.csv --function least_squares --out right", dir.path());
  EXPECT_EQ(r.status, 0) << r.err;
  r = run_cli("plot ls/trajectory.csv --function anisotropic --no-check --out anyway", dir.path());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "anyway" / "contour.png"));
}

// A device or a named pipe given as the trajectory file is refused by name before it is opened.
TEST(Cli, PlotRefusesDevicesAndPipes) {
  test::TempDir dir;
  auto r = run_cli("plot /dev/null --kind loss", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("'/dev/null' is not a regular file"));
  const std::string err = test::through_fifo(
      (fs::path(dir.path()) / "pipe.csv").string(), "optimizer,step,loss,w1\nsgd,0,1,1\n",
      [&](const std::string&) {
        const auto p = run_cli("plot pipe.csv --kind loss --out p.svg", dir.path());
        return std::to_string(p.status) + " " + p.err;
      });
  EXPECT_THAT(err, testing::StartsWith("2 "));
  EXPECT_THAT(err, HasSubstr("'pipe.csv' is not a regular file"));
}

// Devices and FIFOs are refused before they are opened (a FIFO without a writer would block, a
// device such as /dev/zero never ends); so are trajectory files past the size or row limit.
TEST(Cli, InputFilesMustBeRegularFilesWithinTheLimits) {
  test::TempDir dir;
  const fs::path fifo = fs::path(dir.path()) / "in.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  std::ofstream(fs::path(dir.path()) / "ok.csv") << "optimizer,step,loss,w1,w2\na,0,9,1,1\n";
  {
    // Larger than the limit: a sparse file, no disk used.
    std::ofstream(fs::path(dir.path()) / "big.csv") << "optimizer,step,loss,w1\n";
    fs::resize_file(fs::path(dir.path()) / "big.csv", (std::uintmax_t{256} << 20) + 1);
    // One row more than the limit.
    std::string rows = "optimizer,step,loss,w1\n";
    rows.reserve(40'000'000);
    for (std::size_t k = 0; k <= 2'000'000; ++k) rows += "a," + std::to_string(k) + ",1,1\n";
    std::ofstream(fs::path(dir.path()) / "long.csv") << rows;
  }
  const std::size_t before = count_files(dir.path());
  const std::pair<std::string, std::string> cases[] = {
      {"plot /dev/null --kind loss", "'/dev/null' is not a regular file"},
      {"plot /dev/zero --kind loss", "'/dev/zero' is not a regular file"},
      {"plot in.fifo --kind loss", "'in.fifo' is not a regular file"},
      {"plot big.csv --kind loss",
       "trajectory file 'big.csv' is 268435457 bytes; the limit is 268435456"},
      {"plot long.csv --kind loss", "long.csv:2000002: more than 2000000 rows"},
      {"run /dev/null", "experiment file '/dev/null' is not a regular file"},
      {"run in.fifo", "experiment file 'in.fifo' is not a regular file"},
      {"schedule cosine:t_max=10 --losses /dev/null", "'/dev/null' is not a regular file"},
      {"schedule plateau --losses in.fifo", "'in.fifo' is not a regular file"},
      {"schedule plateau --losses missing.txt", "losses file 'missing.txt' does not exist"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = run_cli(args, dir.path());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
  }
  EXPECT_EQ(count_files(dir.path()), before);
  EXPECT_EQ(run_cli("plot ok.csv --kind loss", dir.path()).status, 0);
}

// A CSV of more optimizers than a figure shows is refused with the limit, not drawn half.
TEST(Cli, PlotRefusesMorePathsThanAFigureShows) {
  test::TempDir dir;
  std::string csv = "optimizer,step,loss,w1,w2\n";
  for (int i = 0; i < 163; ++i) csv += "o" + std::to_string(i) + ",0,9,1,1\n";
  std::ofstream(fs::path(dir.path()) / "many.csv") << csv;
  const std::size_t before = count_files(dir.path());
  const auto r = run_cli("plot many.csv --function anisotropic", dir.path());
  EXPECT_EQ(r.status, 2) << r.err;
  EXPECT_THAT(r.err, HasSubstr("163 paths; a figure shows at most 64"));
  EXPECT_EQ(count_files(dir.path()), before);
}

TEST(Cli, OptionsOverrideTheDefaults) {
  test::TempDir dir;
  const auto r = run_cli(
      "run --no-plots --function anisotropic:ratio=2 --start=-1,0.5 --steps 7 -o sgd:lr=0.2 "
      "-o momentum:alpha=0.5 --tol 1e-3 --trajectory t.csv --json r.json",
      dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto t = read_csv(fs::path(dir.path()) / "t.csv");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].optimizer, "sgd:lr=0.2,weight_decay=0");
  EXPECT_EQ(t[1].optimizer, "momentum:lr=0.1,alpha=0.5,dampening=0,weight_decay=0,buffer=false");
  EXPECT_EQ(t[0].trajectory.size(), 8u);
  EXPECT_EQ(t[0].trajectory.points[0], -1.0);
  EXPECT_EQ(t[0].trajectory.points[1], 0.5);
  EXPECT_TRUE(fs::exists(fs::path(dir.path()) / "r.json"));
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "descent-out"));
}

class SeedExamples : public ::testing::TestWithParam<test::GoldenCase> {};

// `descent run examples/seed/CASE.toml` writes the golden trajectory, bit for bit.
TEST_P(SeedExamples, MatchGolden) {
  const test::GoldenCase& c = GetParam();
  test::TempDir dir;
  const std::string toml = std::string(DESCENT_SOURCE_DIR) + "/examples/seed/" + c.name + ".toml";
  const auto r = run_cli("run " + quote(toml) + " --out out --no-plots", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto t = read_csv(fs::path(dir.path()) / "out" / "trajectory.csv");
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].optimizer.substr(0, c.optimizer.size()), c.optimizer);
  const test::GoldenTrajectory ref = test::read_golden(c.name);
  const Trajectory& got = t[0].trajectory;
  ASSERT_EQ(got.size(), ref.loss.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got.point(k)[0], ref.w1[k]) << "step " << k;
    EXPECT_EQ(got.point(k)[1], ref.w2[k]) << "step " << k;
    EXPECT_EQ(got.loss[k], ref.loss[k]) << "step " << k;
  }
}

INSTANTIATE_TEST_SUITE_P(Seed, SeedExamples, ::testing::ValuesIn(test::golden_cases()),
                         [](const auto& test_info) {
                           std::string n = test_info.param.name;
                           for (char& ch : n)
                             if (ch == '.') ch = '_';
                           return n;
                         });

struct BadInput {
  std::string name;
  std::string args;
  std::string message;    ///< a part of the expected error message
  std::string file = "";  ///< contents of bad.toml, written to the folder before the run
};

void PrintTo(const BadInput& b, std::ostream* os) { *os << "descent " << b.args; }

class BadInputs : public ::testing::TestWithParam<BadInput> {};

TEST_P(BadInputs, ExitTwoWithOneMessageAndNoFiles) {
  const BadInput& b = GetParam();
  test::TempDir dir;
  if (!b.file.empty()) std::ofstream(fs::path(dir.path()) / "bad.toml") << b.file;
  const std::size_t before = count_files(dir.path());
  const auto r = run_cli(b.args, dir.path());
  EXPECT_EQ(r.status, 2) << r.out << r.err;
  EXPECT_THAT(r.err, HasSubstr("descent: error: "));
  EXPECT_THAT(r.err, HasSubstr(b.message));
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(count_files(dir.path()), before) << "a file was written";
}

const BadInput kBadInputs[] = {
    {"UnknownOptimizer", "run -o adamx",
     "unknown optimizer 'adamx' (did you mean 'adam'?); valid: sgd, gd, momentum"},
    {"UnknownFunction", "run --function bowl", "unknown function 'bowl'; valid: isotropic"},
    {"UnknownKey", "run -o momentum:beta=0.9",
     "unknown key 'beta' for optimizer 'momentum'; "
     "valid keys: lr, alpha"},
    {"OutOfRange", "run -o momentum:alpha=1.5", "alpha=1.5 is out of range [0, 1)"},
    {"NegativeLr", "run -o sgd:lr=-0.1", "lr=-0.1 is out of range [0, inf)"},
    {"BetaOutside", "run -o adam:beta1=1", "beta1=1 is out of range [0, 1)"},
    {"BadBoolean", "run -o adam:amsgrad=yes", "malformed value for amsgrad: 'yes'"},
    {"BadChoice", "run -o lbfgs:line_search=exact", "expected one of strong_wolfe|none"},
    {"UnknownWrapperKey", "run -o sgd:clip=1", "valid keys: lr, weight_decay, maximize"},
    {"UnknownSchedule", "run -o sgd@linear", "unknown schedule 'linear'"},
    {"EmptySchedule", "run -o sgd@", "nothing follows '@'"},
    {"MalformedValue", "run -o sgd:lr=0.1x", "malformed value for lr: '0.1x'"},
    {"MalformedSpec", "run -o sgd:lr", "malformed spec 'sgd:lr'"},
    {"FunctionOutOfRange", "run --function anisotropic:ratio=-8",
     "ratio=-8 is out of range (0, inf)"},
    {"StartWrongDimension", "run --start 1,1,1",
     "the start point has 3 coordinates but function 'anisotropic:ratio=8,angle=0' takes 2"},
    {"StartMalformed", "run --start 1,x", "--start: '1,x' is not a list of finite numbers"},
    {"StartNotFinite", "run --start 1,inf", "is not a list of finite numbers"},
    {"StepsMalformed", "run --steps ten", "--steps: 'ten' is not a whole number >= 0"},
    {"StepsNegative", "run --steps=-5", "--steps: '-5' is not a whole number >= 0"},
    {"StepsTooMany", "run --steps 1e12", "above the limit of 10000000"},
    {"TolMalformed", "run --tol small", "--tol: 'small' is not a number"},
    {"MissingToml", "run missing.toml", "experiment file 'missing.toml' does not exist"},
    {"FolderAsToml", "run .", "is a folder, not a TOML file"},
    {"InvalidToml", "run bad.toml", "bad.toml:1:", "function = \n"},
    {"TomlUnknownKey", "run bad.toml", "bad.toml:1: unknown key 'lr'", "lr = 0.1\n"},
    {"TomlWrongType", "run bad.toml", "bad.toml:1: 'steps' must be a whole number",
     "steps = \"fifty\"\n"},
    {"TomlBadOptimizer", "run bad.toml", "unknown optimizer 'adamx'", "optimizers = [\"adamx\"]\n"},
    {"TomlEmptyOptimizers", "run bad.toml", "lists no optimizer", "optimizers = []\n"},
    {"TomlStartText", "run bad.toml", "'start' must be a number", "start = [\"a\", 1]\n"},
    // Values of tables are values: none adds a key, a schedule or another function.
    {"TomlOptimizerValueWithSchedule", "run bad.toml", "malformed value for lr: '0.1@cosine'",
     "[[optimizer]]\nname = \"sgd\"\nlr = \"0.1@cosine\"\n"},
    {"TomlOptimizerValueWithKey", "run bad.toml", "malformed value for lr: '0.1,weight_decay=1'",
     "[[optimizer]]\nname = \"sgd\"\nlr = \"0.1,weight_decay=1\"\n"},
    {"TomlFunctionValueWithKey", "run bad.toml", "malformed value for ratio: '4,angle=1'",
     "function = { name = \"anisotropic\", ratio = \"4,angle=1\" }\n"},
    {"TomlFunctionNameWithKeys", "run bad.toml", "unknown function 'anisotropic:ratio=2'",
     "function = { name = \"anisotropic:ratio=2\" }\n"},
    {"TomlFunctionTableUnknownKey", "run bad.toml", "unknown key 'size' for function 'anisotropic'",
     "function = { name = \"anisotropic\", size = 3 }\n"},
    {"BenchEpsilonZeroInFloat", "bench -o adam:eps=1e-50 --type float32",
     "eps=1e-50 is 0 in float32"},
    {"BenchSizeZero", "bench --size 0", "--size: must be at least 1"},
    {"BenchSizeMalformed", "bench --size 12Q", "--size: '12Q' is not a whole number"},
    {"BenchSizeTooLarge", "bench --size 8G", "more than half of this machine's memory"},
    {"BenchThreadsZero", "bench --threads 0", "--threads: must be at least 1"},
    {"BenchThreadsMalformed", "bench --threads 1,x", "--threads: 'x' is not a whole number"},
    {"BenchType", "bench --type half", "--type: 'half' is not one of float32, float64, both"},
    {"BenchLbfgs", "bench --optimizers sgd,lbfgs", "lbfgs is not elementwise"},
    {"BenchUnknownOptimizer", "bench --optimizers adamx", "unknown optimizer 'adamx'"},
    {"BenchBadSpec", "bench -o adam:beta1=1", "beta1=1 is out of range [0, 1)"},
    {"BenchSimd", "bench --simd neon", "--simd: 'neon' is not supported here"},
    {"BenchRepeat", "bench --repeat 0", "--repeat: must be at least 1"},
    {"BenchMinTime", "bench --min-time 100", "--min-time: must be in [0, 60]"},
    {"SweepNoGrid", "sweep", "--grid is required"},
    {"SweepBadGrid", "sweep --grid lr=1:0:lin:5", "the low end is above the high end"},
    {"SweepThreeAxes",
     "sweep --grid lr=0.1:1:lin:2 --grid alpha=0:0.5:lin:2 --grid "
     "dampening=0:0.5:lin:2",
     "give one or two --grid axes"},
    {"SweepTooLarge", "sweep --grid lr=0.01:1:lin:4096 --grid alpha=0:0.9:lin:4096",
     "cells is above the limit"},
    {"SweepInvalidSetting", "sweep --grid alpha=0:1:lin:5", "reaches an invalid setting"},
    {"SweepUnknownKey", "sweep --grid beta=0:0.5:lin:5", "unknown key 'beta'"},
    {"SweepMetric", "sweep --grid lr=0.1:1:lin:2 --metric speed", "unknown metric 'speed'"},
    {"TuneNoOptimizer", "tune", "--optimizer is required"},
    {"TuneBudgetZero", "tune -o adam --budget 0", "the budget must be in [1, 100000]"},
    {"TuneBudgetTooLarge", "tune -o adam --budget 1000000", "above the limit of 100000"},
    {"TuneSearch", "tune -o adam --search bayes", "unknown search 'bayes'; valid: random, grid"},
    {"TuneNothingLeft", "tune -o sgd:lr=0.1", "'sgd:lr=0.1' leaves nothing to tune"},
    {"TuneUnknownKey", "tune -o adam --keys speed", "no optimizer given has a tunable key 'speed'"},
    {"TuneEmptyKey", "tune -o adam --keys lr,", "--keys: expected KEY[,KEY...]"},
    {"TuneBadSpec", "tune -o adam:beta1=1", "beta1=1 is out of range [0, 1)"},
    {"TuneTooMuchWork", "tune -o adam --budget 100000 --steps 10000000", "above the limit"},
    {"TuneSeedsWithoutNoise", "tune -o adam --seeds 3", "needs gradient noise"},
    {"UnknownOption", "run --speed 3", "--speed"},
    {"UnknownCommand", "fly", "fly"},
    {"NoCommand", "", "subcommand"},
};

INSTANTIATE_TEST_SUITE_P(Cli, BadInputs, ::testing::ValuesIn(kBadInputs),
                         [](const auto& test_info) { return test_info.param.name; });

TEST(Cli, BenchMeasuresEveryOptimizerAgainstATriad) {
  test::TempDir dir;
  const auto r = run_cli(
      "bench --size 100000 --threads 1,2 --optimizers sgd,adam -o adam:amsgrad=true "
      "--type both --repeat 1 --min-time 0 --json b.json",
      dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("triad GB/s"));
  std::ifstream in(fs::path(dir.path()) / "b.json");
  const auto doc = nlohmann::json::parse(in);
  const auto& rows = doc.at("results");
  ASSERT_EQ(rows.size(), 12u) << "3 optimizers x 2 thread counts x 2 types";
  std::map<std::string, std::size_t> bytes;
  for (const auto& row : rows) {
    EXPECT_EQ(row.at("size"), 100000);
    EXPECT_GT(row.at("ms_per_step").get<double>(), 0.0);
    EXPECT_GT(row.at("triad_gbps").get<double>(), 0.0);
    EXPECT_NEAR(row.at("ratio").get<double>(),
                row.at("gbps").get<double>() / row.at("triad_gbps").get<double>(), 1e-9);
    bytes[row.at("spec").get<std::string>() + " " + row.at("type").get<std::string>()] =
        row.at("bytes_per_element").get<std::size_t>();
  }
  // Ideal bytes: (w read + written, g read, each state array read + written) x sizeof(T).
  EXPECT_EQ(bytes.at("sgd:lr=0.1,weight_decay=0 float32"), 12u);
  EXPECT_EQ(bytes.at("adam:lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0,amsgrad=false "
                     "float32"),
            28u);
  EXPECT_EQ(bytes.at("adam:lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0,amsgrad=true "
                     "float64"),
            72u);
}

// Cells whose every run blew up are never the best, even where a diverging run's final loss is
// finite.
TEST(Cli, SweepsBestCellDidNotDiverge) {
  test::TempDir dir;
  auto r = run_cli("sweep -o sgd --grid lr=0.3:0.5:lin:5 --metric final_loss -n 30 --no-plots",
                   dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("diverged  5 cell(s) in every run"));
  EXPECT_THAT(r.out, HasSubstr("best      no cell that did not diverge has a finite final_loss"));
  r = run_cli("sweep -o sgd --grid lr=0.1:0.5:lin:5 --metric final_loss -n 30 --no-plots",
              dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("at sgd:lr=0.1"));
}

TEST(Cli, SweepWritesCsvJsonAndHeatmap) {
  test::TempDir dir;
  const auto r =
      run_cli("sweep --grid lr=0.02:0.3:lin:6 --grid alpha=0:0.9:lin:4 --steps 1000 --threads 2",
              dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("cells     24"));
  EXPECT_THAT(r.out, HasSubstr("best      steps_to_tol = "));
  const fs::path out = fs::path(dir.path()) / "descent-out";
  std::ifstream csv(out / "sweep.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header, "lr,alpha,steps_to_tol,status");
  std::size_t rows = 0, diverged = 0, diverging = 0;
  for (std::string line; std::getline(csv, line);) {
    ++rows;
    diverged += line.ends_with(",diverged");
    diverging += line.ends_with(",diverging");
  }
  EXPECT_EQ(rows, 24u);
  std::ifstream in(out / "sweep.json");
  const auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc.at("cells").at("median").size(), 24u);
  EXPECT_FALSE(doc.at("cells").contains("min")) << "one run per cell: the median is the run's";
  EXPECT_EQ(doc.at("axes").at(1).at("key"), "alpha");
  EXPECT_EQ(doc.at("optimizer"),
            "momentum:lr=0.1,alpha=0.9,dampening=0,weight_decay=0,buffer=false");
  // The cells whose first run diverged (a non-finite number) or is diverging (all steps taken,
  // the loss blown up), with the step and the reason.
  const auto& notes = doc.at("notes");
  EXPECT_EQ(notes.at("cell").size(), diverged + diverging);
  ASSERT_GT(diverged, 0u) << "the grid reaches lr * lambda_max > 2 + 2 alpha";
  ASSERT_GT(diverging, 0u) << "cells just past the limit grow without overflowing in 1000 steps";
  for (std::size_t i = 0; i < notes.at("cell").size(); ++i)
    EXPECT_THAT(
        notes.at("reason").at(i).get<std::string>(),
        HasSubstr(notes.at("termination").at(i) == "diverged" ? " is " : "loss grew from "));
  EXPECT_TRUE(fs::exists(out / "heatmap.png"));
}

TEST(Cli, SweepWithSeveralRunsWritesTheirStatisticsAndCellSpecs) {
  test::TempDir dir;
  const auto r = run_cli(
      "sweep --grid lr=0.02:0.3:lin:3 --starts 3 --steps 100 --cell-specs --no-plots", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const fs::path out = fs::path(dir.path()) / "descent-out";
  std::ifstream csv(out / "sweep.csv");
  std::string header, row;
  std::getline(csv, header);
  EXPECT_EQ(header,
            "lr,steps_to_tol_median,steps_to_tol_min,steps_to_tol_max,diverged,status,spec");
  std::getline(csv, row);
  EXPECT_THAT(row,
              HasSubstr(",\"momentum:lr=0.02,alpha=0.9,dampening=0,weight_decay=0,buffer=false\""));
  std::ifstream in(out / "sweep.json");
  const auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc.at("runs"), 3);
  for (const char* column : {"median", "min", "max", "diverged"})
    EXPECT_EQ(doc.at("cells").at(column).size(), 3u) << column;
}

// A grid gives an optimizer of more keys fewer settings (a full grid that fits the budget): the
// header says how many each tried.
TEST(Cli, TuneSaysHowManySettingsEachGridTried) {
  test::TempDir dir;
  const auto r = run_cli("tune -o sgd -o momentum --search grid --budget 10 --steps 50 --no-plots",
                         dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("grid search, at most 10 setting(s) each (sgd 10, momentum 9)\n"));
}

TEST(Cli, TunePrintsALeaderboardAndWritesTheRace) {
  test::TempDir dir;
  const auto r = run_cli(
      "tune -o sgd -o momentum -o nesterov -o rmsprop -o adam --budget 12 --steps 300", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tune      5 optimizer(s) on rosenbrock:n=2 from (-1.2, 1): random "
                               "search, 12 setting(s) each"));
  EXPECT_THAT(r.out, HasSubstr("runs      60 in "));
  EXPECT_THAT(r.out, HasSubstr("rank  best setting"));
  for (const char* rank : {"\n1  ", "\n2  ", "\n3  ", "\n4  ", "\n5  "})
    EXPECT_THAT(r.out, HasSubstr(rank));
  const fs::path out = fs::path(dir.path()) / "descent-out";
  std::ifstream csv(out / "tune.csv");
  std::string header;
  std::getline(csv, header);
  EXPECT_EQ(header,
            "optimizer,spec,final_loss_median,final_loss_min,final_loss_max,runs,diverged,best,"
            "termination");
  std::size_t rows = 0, best = 0;
  for (std::string line; std::getline(csv, line);) {
    ++rows;
    // ...,diverged,best,"termination": the field before the quoted last one.
    const std::size_t quote = line.rfind(",\"");
    best += quote >= 2 && line.compare(quote - 2, 2, ",1") == 0;
  }
  EXPECT_EQ(rows, 60u);
  EXPECT_EQ(best, 5u) << "one best setting per optimizer";
  std::ifstream in(out / "tune.json");
  const auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc.at("leaderboard").size(), 5u);
  EXPECT_EQ(doc.at("optimizers").at(1).at("space").at(1).at("key"), "alpha");
  EXPECT_TRUE(fs::exists(out / "contour.png"));
  EXPECT_TRUE(fs::exists(out / "loss.png"));
}

TEST(Cli, TomlTablesAndOverrides) {
  test::TempDir dir;
  std::ofstream(fs::path(dir.path()) / "x.toml") << R"(
function = { name = "anisotropic", ratio = 4 }
start = [2, -1]
steps = 5

[[optimizer]]
name = "momentum"
alpha = 0.5

[[optimizer]]
name = "rmsprop"
beta = 0.99
)";
  const auto r = run_cli("run x.toml --steps 3", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("anisotropic:ratio=4"));
  const auto t = read_csv(fs::path(dir.path()) / "descent-out" / "trajectory.csv");
  ASSERT_EQ(t.size(), 2u);
  EXPECT_EQ(t[0].optimizer, "momentum:lr=0.1,alpha=0.5,dampening=0,weight_decay=0,buffer=false");
  EXPECT_EQ(t[1].optimizer,
            "rmsprop:lr=0.1,beta=0.99,eps=1e-10,momentum=0,centered=false,weight_decay=0");
  EXPECT_EQ(t[0].trajectory.size(), 4u);
  EXPECT_EQ(t[0].trajectory.points[0], 2.0);
}

TEST(Cli, SchedulesFromTheCommandLineAndToml) {
  test::TempDir dir;
  auto r =
      run_cli("run -o sgd:lr=0.1 -o adam:lr=0.1@constant --schedule step:step_size=5", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  auto t = read_csv(fs::path(dir.path()) / "descent-out" / "trajectory.csv");
  EXPECT_EQ(t[0].optimizer, "sgd:lr=0.1,weight_decay=0@step:step_size=5,gamma=0.1");
  EXPECT_THAT(t[1].optimizer, testing::EndsWith("@constant"));  // its own schedule wins
  std::ofstream(fs::path(dir.path()) / "s.toml") << R"(
schedule = "exponential:gamma=0.9"
optimizers = ["sgd"]
[[optimizer]]
name = "momentum"
schedule = "cosine:t_max=10"
)";
  r = run_cli("run s.toml --steps 3", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  t = read_csv(fs::path(dir.path()) / "descent-out" / "trajectory.csv");
  ASSERT_EQ(t.size(), 2u);  // in the file's order: `optimizers` first, then the tables
  EXPECT_THAT(t[0].optimizer, testing::StartsWith("sgd:"));
  EXPECT_THAT(t[0].optimizer, testing::EndsWith("@exponential:gamma=0.9"));
  EXPECT_THAT(t[1].optimizer, testing::StartsWith("momentum:"));
  EXPECT_THAT(t[1].optimizer, testing::EndsWith("@cosine:t_max=10,eta_min=0"));
  EXPECT_EQ(run_cli("run --schedule warp", dir.path()).status, 2);
}

// Stop at step 10, resume to 25: the rows from 10 on equal those of a run straight to 25.
TEST(Cli, CheckpointAndResumeContinueExactly) {
  test::TempDir dir;
  const std::string common =
      "run --function rosenbrock -o adam:lr=0.01 -o lbfgs -o momentum:lr=0.0005";
  auto r = run_cli(common + " --steps 10 --checkpoint ck --out a", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rb = run_cli(common + " --steps 25 --resume ck --out b", dir.path());
  ASSERT_EQ(rb.status, 0) << rb.err;
  const auto rc = run_cli(common + " --steps 25 --out c", dir.path());
  ASSERT_EQ(rc.status, 0) << rc.err;
  // The table of metrics (the checkpoints carry the run's history) and the measured rates are
  // the uninterrupted run's.
  const auto section = [](const std::string& out, const std::string& from, const char* to) {
    const std::size_t at = out.find(from);
    return at == std::string::npos ? std::string("(missing)")
                                   : out.substr(at, out.find(to, at) - at);
  };
  EXPECT_EQ(section(rb.out, "optimizer ", "\n\n"), section(rc.out, "optimizer ", "\n\n"));
  EXPECT_EQ(section(rb.out, "measured rate", "\n"), section(rc.out, "measured rate", "\n"));
  EXPECT_THAT(section(rc.out, "optimizer ", "\n\n"), HasSubstr("completed 25 steps"));
  EXPECT_EQ(rb.err, "");
  const auto resumed = read_csv(fs::path(dir.path()) / "b" / "trajectory.csv");
  const auto straight = read_csv(fs::path(dir.path()) / "c" / "trajectory.csv");
  ASSERT_EQ(resumed.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    const Trajectory& a = resumed[i].trajectory;
    const Trajectory& b = straight[i].trajectory;
    ASSERT_FALSE(a.empty());
    EXPECT_EQ(a.steps.front(), 10u);
    const std::size_t offset = b.size() - a.size();
    EXPECT_EQ(b.steps[offset], 10u);
    for (std::size_t k = 0; k < a.size(); ++k) {
      EXPECT_EQ(a.loss[k], b.loss[k + offset]) << resumed[i].optimizer << " row " << k;
      EXPECT_EQ(a.points[2 * k], b.points[2 * (k + offset)]);
      EXPECT_EQ(a.points[2 * k + 1], b.points[2 * (k + offset) + 1]);
    }
  }
  // Resuming with other optimizers, another function of the same dimension, or without
  // checkpoints, is refused.
  r = run_cli("run --function rosenbrock -o sgd --resume ck --out d", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("is for 'adam:lr=0.01"));
  r = run_cli(
      "run --function anisotropic -o adam:lr=0.01 -o lbfgs -o momentum:lr=0.0005 "
      "--resume ck --out d",
      dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("a run of --function rosenbrock"));
  EXPECT_THAT(r.err, HasSubstr("gives --function anisotropic"));
  r = run_cli(common + " --steps 25 --tol 1e-3 --resume ck --out d", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("a run of --tol 1e-06, and this command gives --tol 0.001"));
  r = run_cli(common + " --resume nowhere --out d", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("cannot be read"));
  // Fewer --steps than the checkpoint has taken: refused, not a run that does nothing.
  r = run_cli(common + " --steps 5 --resume ck --out d", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("was written after 10 steps; --steps 5 must be at least that"));
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "d"));
}

// With gradient noise, mini-batches or both, a run stopped at step 10 and resumed to 30 gives
// bit for bit the rows of a run straight to 30: the checkpoints carry the random streams.
TEST(Cli, ResumeIsExactWithNoiseAndMiniBatches) {
  const std::string runs[] = {
      "run --no-plots --function rosenbrock --noise 0.5 --seed 3 -o adam:lr=0.01 -o lbfgs",
      "run --no-plots --function least_squares:n=60,d=3 --batch 6 --seed 4 -o sgd:lr=0.05 "
      "-o adam:lr=0.05",
      "run --no-plots --function least_squares:n=60,d=3 --batch 6 --noise 0.2 --seed 4 "
      "-o sgd:lr=0.05 -o lbfgs",
  };
  for (const std::string& common : runs) {
    test::TempDir dir;
    auto r = run_cli(common + " --steps 10 --checkpoint ck --out a", dir.path());
    ASSERT_EQ(r.status, 0) << r.err;
    r = run_cli(common + " --steps 30 --resume ck --out b", dir.path());
    ASSERT_EQ(r.status, 0) << common << ": " << r.err;
    r = run_cli(common + " --steps 30 --out c", dir.path());
    ASSERT_EQ(r.status, 0) << r.err;
    const auto resumed = read_csv(fs::path(dir.path()) / "b" / "trajectory.csv");
    const auto straight = read_csv(fs::path(dir.path()) / "c" / "trajectory.csv");
    ASSERT_EQ(resumed.size(), straight.size());
    for (std::size_t i = 0; i < resumed.size(); ++i) {
      const Trajectory& a = resumed[i].trajectory;
      const Trajectory& b = straight[i].trajectory;
      ASSERT_FALSE(a.empty());
      const auto from = std::find(b.steps.begin(), b.steps.end(), a.steps.front());
      ASSERT_NE(from, b.steps.end()) << common;
      const auto offset = static_cast<std::size_t>(from - b.steps.begin());
      EXPECT_EQ(a.size(), b.size() - offset) << common << ": " << resumed[i].optimizer;
      for (std::size_t k = 0; k < std::min(a.size(), b.size() - offset); ++k) {
        bool same = a.loss[k] == b.loss[k + offset];
        for (std::size_t d = 0; d < a.dim; ++d)
          same = same && a.points[a.dim * k + d] == b.points[b.dim * (k + offset) + d];
        if (!same) {
          ADD_FAILURE() << common << ": " << resumed[i].optimizer << " differs from step "
                        << a.steps[k] << ": loss " << a.loss[k] << " resumed, "
                        << b.loss[k + offset] << " uninterrupted";
          break;
        }
      }
    }
  }
}

// A resumed run whose random streams cannot continue the checkpoint's is refused: the previous
// release's checkpoints (no random state) with --noise, a noiseless checkpoint with --noise, a
// noisy one without, or with another seed, noise level or batch size.
TEST(Cli, ResumeRefusesRandomStreamsItCannotContinue) {
  test::TempDir dir;
  const std::string v1 = quote(std::string(DESCENT_SOURCE_DIR) + "/tests/data/checkpoints-v1");
  const std::string v1_run =
      "run --no-plots -f rosenbrock -o \"adam:lr=0.01,amsgrad=true,weight_decay=0.01\" "
      "-o nadam:lr=0.01 -o \"asgd:lr=0.001,t0=5\" -o "
      "\"rmsprop:lr=0.001,centered=true,momentum=0.5\" "
      "-o \"momentum:lr=0.001,clip_norm=1@plateau:patience=2,factor=0.5\" -o rprop -o lbfgs "
      "-o \"sgd:lr=0.001,maximize=true,clip_value=0.5@cosine:t_max=40,warmup=5\" --steps 40 "
      "--resume " +
      v1;
  auto r = run_cli(v1_run + " --out v1 --checkpoint again", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;  // noiseless: the old checkpoints still resume
  // They record no run history, and the program says what its metrics then cover; the
  // checkpoints of such a run record none either (it measured part of the run).
  const std::string no_history =
      "optimizer-1.ckpt records no run history (an older version wrote it, or a run resumed from "
      "such a checkpoint): the metrics of adam:lr=0.01,weight_decay=0.01,amsgrad=true cover steps ";
  EXPECT_THAT(r.err, HasSubstr(no_history + "20 to 40 only"));
  r = run_cli(v1_run.substr(0, v1_run.find("--steps")) + "--steps 45 --resume again --out v1b",
              dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr(no_history + "40 to 45 only"));
  r = run_cli(v1_run + " --noise 0.1 --out v1n", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("does not record the state of its random numbers"));

  const std::string ls = "run --no-plots --function least_squares:n=40 -o sgd:lr=0.05 ";
  r = run_cli(ls + "--steps 5 --checkpoint plain", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli(ls + "--steps 5 --noise 0.3 --batch 4 --seed 2 --checkpoint noisy", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const std::pair<std::string, std::string> refused[] = {
      {"--resume plain --noise 0.3", "exact gradients"},
      {"--resume plain --batch 4", "exact gradients"},
      {"--resume noisy", "noise:sigma=0.3,seed=2"},
      {"--resume noisy --noise 0.3 --seed 2", "batch:size=4,seed=2"},
      {"--resume noisy --noise 0.3 --batch 4 --seed 3", "seed=2"},
      {"--resume noisy --noise 0.2 --batch 4 --seed 2", "sigma=0.3"},
      {"--resume noisy --noise 0.3 --batch 5 --seed 2", "size=4"},
  };
  for (const auto& [args, message] : refused) {
    r = run_cli(ls + "--steps 9 --out x " + args, dir.path());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
  }
  r = run_cli(ls + "--steps 9 --out y --resume noisy --noise 0.3 --batch 4 --seed 2", dir.path());
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST(Cli, AnalyzePrintsTheTheory) {
  test::TempDir dir;
  auto r = run_cli("analyze --function anisotropic", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("kappa = 8"));
  EXPECT_THAT(r.out, HasSubstr("best lr 0.111111 = 1/9"));
  EXPECT_THAT(r.out, HasSubstr("rate 0.777778 = 7/9"));
  EXPECT_THAT(r.out, HasSubstr("best lr* 0.136455, alpha* 0.228094, rate 0.477592"));
  r = run_cli("analyze --function saddle --at 0,0", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("no rates: a saddle point"));
  r = run_cli("analyze --function \"(1 - x)^2 + 100*(y - x^2)^2\" --at 1,1", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("not a quadratic"));
  for (const auto& [expression, at] :
       {std::pair<std::string, std::string>{"x-y", "1,2"}, {"x-1", "1"}, {"-x", "1"}, {"0", "1"}}) {
    r = run_cli("analyze --function=" + quote(expression) + " --at " + at, dir.path());
    EXPECT_EQ(r.status, 0) << expression << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr(std::string("f(w) = ") + expression)) << expression;
  }
  EXPECT_EQ(run_cli("analyze --function saddle", dir.path()).status, 2);  // no minimizer
  EXPECT_EQ(run_cli("analyze --function anisotropic --at 1,x", dir.path()).status, 2);
}

TEST(Cli, ExpressionsNoiseAndMiniBatches) {
  test::TempDir dir;
  auto r = run_cli("run --no-plots --function \"w1^2 + 8*w2^2\" --out e", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli("run --no-plots --function anisotropic --out a", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const auto e = read_csv(fs::path(dir.path()) / "e" / "trajectory.csv");
  const auto a = read_csv(fs::path(dir.path()) / "a" / "trajectory.csv");
  for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(e[i].trajectory.points, a[i].trajectory.points);
  // The seed's function as text gives the seed's trajectories, bit for bit.
  const test::GoldenTrajectory ref = test::read_golden("aniso_sgd");
  EXPECT_EQ(e[0].trajectory.points[2 * 50 + 1], ref.w2[50]);

  r = run_cli("run --no-plots --noise 0.3 --seed 5 --out n1 -o sgd", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli("run --no-plots --noise 0.3 --seed 5 --out n2 -o sgd", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_csv(fs::path(dir.path()) / "n1" / "trajectory.csv")[0].trajectory.points,
            read_csv(fs::path(dir.path()) / "n2" / "trajectory.csv")[0].trajectory.points);
  r = run_cli(
      "run --no-plots --function least_squares:n=50 --batch 5 --steps 30 -o sgd -o adam:lr=0.05 "
      "--out b",
      dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  const std::pair<std::string, std::string> bad[] = {
      {"run --function \"w1^2 + (w2\"", "missing ')' for the '(' at column 8"},
      {"run --function \"w1^^2\"", "unexpected '^' at column 4"},
      {"run --batch 5", "--batch needs a finite-sum function"},
      {"run --function least_squares:n=10 --batch 20", "larger than the 10 rows"},
      {"run --noise -1", "--noise"},
      {"run --seed x", "--seed"},
  };
  for (const auto& [args, message] : bad) {
    r = run_cli(args, dir.path());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
  }
}

TEST(Cli, DivergenceIsReportedNotFatal) {
  test::TempDir dir;
  const auto r = run_cli("run -o sgd:lr=1 --steps 500", dir.path());
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("diverged at step"));
}

TEST(Cli, ListShowsTheRegistry) {
  test::TempDir dir;
  const auto r = run_cli("list", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* name : {"sgd", "momentum", "rmsprop", "isotropic", "anisotropic", "alpha"})
    EXPECT_THAT(r.out, HasSubstr(name));
  EXPECT_EQ(run_cli("list nothing", dir.path()).status, 2);
  EXPECT_EQ(run_cli("--help", dir.path()).status, 0);
  EXPECT_EQ(run_cli("--version", dir.path()).status, 0);
}

// Everything that changes a run's numbers is in its table's header and in run.json, so that a
// noisy or mini-batch run can be made again from its output.
TEST(Cli, RunOutputsCarryNoiseSeedAndBatch) {
  test::TempDir dir;
  auto r = run_cli("run --no-plots --function rosenbrock --noise 0.5 --seed 7 -o adam --steps 5",
                   dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tol 1e-06   noise 0.5   seed 7\n"));
  std::ifstream in(fs::path(dir.path()) / "descent-out" / "run.json");
  auto doc = nlohmann::json::parse(in);
  EXPECT_EQ(doc.at("noise"), 0.5);
  EXPECT_EQ(doc.at("seed"), 7);
  EXPECT_EQ(doc.at("batch"), 0);
  EXPECT_TRUE(doc.at("resumed_from").is_null());

  r = run_cli(
      "run --no-plots --function least_squares:n=60,d=3 --batch 6 --seed 4 -o sgd "
      "--steps 5 --checkpoint ck --json b.json",
      dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("   batch 6   seed 4\n"));
  std::ifstream b(fs::path(dir.path()) / "b.json");
  doc = nlohmann::json::parse(b);
  EXPECT_EQ(doc.at("batch"), 6);
  EXPECT_EQ(doc.at("seed"), 4);
  EXPECT_EQ(doc.at("noise"), 0.0);

  r = run_cli(
      "run --no-plots --function least_squares:n=60,d=3 --batch 6 --seed 4 -o sgd "
      "--steps 8 --resume ck --json c.json",
      dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("resumed from ck"));
  std::ifstream c(fs::path(dir.path()) / "c.json");
  EXPECT_EQ(nlohmann::json::parse(c).at("resumed_from"), "ck");

  // Without noise or mini-batches the seed changes nothing and the header does not show it.
  r = run_cli("run --no-plots --steps 3", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("tol 1e-06\n\n"));

  // The experiment file's unknown-key message lists the keys it takes, these too.
  std::ofstream(fs::path(dir.path()) / "x.toml") << "sed = 3\n";
  r = run_cli("run x.toml", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("unknown key 'sed' (did you mean 'seed'?)"));
  EXPECT_THAT(r.err, HasSubstr("noise, seed, batch"));
}

// Slips of the keyboard in commands, options, names and keys are answered with the closest.
TEST(Cli, SuggestsTheClosestName) {
  test::TempDir dir;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"run -o adma", "unknown optimizer 'adma' (did you mean 'adam'?)"},
      {"run -f rosenbrok", "unknown function 'rosenbrok' (did you mean 'rosenbrock'?)"},
      {"run -o momentum:alph=0.5",
       "unknown key 'alph' for optimizer 'momentum' (did you mean "
       "'alpha'?)"},
      {"run --stpes 3", "--stpes (did you mean '--steps'?)"},
      {"sweep --grid lr=0.1:1:lin:2 --sed 3", "(did you mean '--seed'?)"},
      {"runn", "unknown command 'runn' (did you mean 'run'?)"},
      {"run -o sgd@cosin", "unknown schedule 'cosin' (did you mean 'cosine'?)"},
      {"list rmsprp", "(did you mean 'rmsprop'?)"},
      {"run -o rmsprop:alpha=0.99", "torch's alpha is descent's beta"},
      {"run -o sgd:momentum=0.9", "momentum:alpha=0.9"},
      {"run -o \"adam:betas=(0.9, 0.999)\"", "descent's beta1 and beta2"},
      {"run -o adam:b1=0.8", "optax's b1 is descent's beta1"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = run_cli(args, dir.path());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr(message)) << args;
  }
}

// Usage errors send the user to the help of the command they used.
TEST(Cli, UsageErrorsNameTheCommandsHelp) {
  test::TempDir dir;
  auto r = run_cli("run --stpes 3", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("Run 'descent run --help' for its options."));
  r = run_cli("sweep --steps 10", dir.path());  // --grid is required
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("Run 'descent sweep --help'"));
  r = run_cli("--nothing", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("Run 'descent --help'"));
}

// Options show the type of their value, and a value of another type is refused as the command
// line is read, for every command.
TEST(Cli, OptionsAreTyped) {
  test::TempDir dir;
  auto r = run_cli("run --help", dir.path());
  ASSERT_EQ(r.status, 0);
  for (const char* typed : {"--steps INT", "--tol FLOAT", "--seed INT", "--batch INT",
                            "--noise FLOAT", "--optimizer SPEC", "--trajectory FILE"})
    EXPECT_THAT(r.out, HasSubstr(typed)) << typed;
  EXPECT_THAT(run_cli("serve --help", dir.path()).out, HasSubstr("--port INT"));
  EXPECT_THAT(run_cli("sweep --help", dir.path()).out, HasSubstr("--threads INT"));
  EXPECT_THAT(run_cli("train --help", dir.path()).out, HasSubstr("--epochs INT"));
  EXPECT_THAT(run_cli("bench --help", dir.path()).out, HasSubstr("--min-time FLOAT"));
  for (const char* args : {"serve --port http", "train --epochs many", "schedule step --lr fast",
                           "tune -o adam "
                           "--budget lots",
                           "sweep --grid lr=0.1:1:lin:2 --noise loud"}) {
    r = run_cli(args, dir.path());
    EXPECT_EQ(r.status, 2) << args;
    EXPECT_THAT(r.err, HasSubstr("is not a")) << args;
  }
}

// The version says what was built, by which compiler, for which instruction sets.
TEST(Cli, VersionNamesTheBuild) {
  test::TempDir dir;
  const auto r = run_cli("--version", dir.path());
  ASSERT_EQ(r.status, 0);
  EXPECT_THAT(r.out, HasSubstr("descent 0."));
  EXPECT_THAT(r.out, HasSubstr("compiler: "));
  EXPECT_THAT(r.out, HasSubstr("SIMD compiled in: "));
  EXPECT_THAT(r.out, HasSubstr("SIMD on this CPU: "));
}

// 2 for usage and input errors, 1 for a failure while running; --help says so.
TEST(Cli, ExitStatusTellsUsageFromFailure) {
  test::TempDir dir;
  EXPECT_THAT(run_cli("--help", dir.path()).out, HasSubstr("Exit status: 0 on success, 2 for"));
  EXPECT_EQ(run_cli("run --steps x", dir.path()).status, 2);
  if (fs::exists("/dev/full")) {
    const std::string cmd = "cd " + quote(dir.path()) + " && " + quote(DESCENT_CLI) +
                            " run --no-plots --steps 3 --json - >/dev/full 2>err.txt";
    const int raw = std::system(cmd.c_str());
    ASSERT_TRUE(WIFEXITED(raw));
    EXPECT_EQ(WEXITSTATUS(raw), 1);
    std::ifstream err(fs::path(dir.path()) / "err.txt");
    const std::string text((std::istreambuf_iterator<char>(err)), {});
    EXPECT_THAT(text, HasSubstr("cannot write standard output"));
  }
}

// `descent plot --out -` writes its one figure to standard output, not to a folder named '-'.
TEST(Cli, PlotToStandardOutput) {
  test::TempDir dir;
  auto r = run_cli("run --no-plots --steps 5 --trajectory t.csv", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  r = run_cli("plot t.csv --kind loss --format svg --out -", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("<?xml", 0), 0u) << r.out.substr(0, 80);
  EXPECT_FALSE(fs::exists(fs::path(dir.path()) / "-"));
  r = run_cli("plot t.csv --function anisotropic --out -", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("standard output holds one figure"));
}

// The completion scripts know the commands, each command's options and the registry's names.
TEST(Cli, ShellCompletion) {
  test::TempDir dir;
  auto r = run_cli("completion bash", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  std::ofstream(fs::path(dir.path()) / "c.bash") << r.out;
  const auto complete = [&](const std::string& words) {
    std::ofstream(fs::path(dir.path()) / "t.sh")
        << "source ./c.bash\nCOMP_WORDS=(" << words << ")\nCOMP_CWORD=$((${#COMP_WORDS[@]}-1))\n"
        << "_descent\necho \"${COMPREPLY[*]}\"\n";
    const std::string cmd = "cd " + quote(dir.path()) + " && bash t.sh >out.txt 2>&1";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << words;
    std::ifstream out(fs::path(dir.path()) / "out.txt");
    return std::string((std::istreambuf_iterator<char>(out)), {});
  };
  EXPECT_EQ(complete("descent ru"), "run\n");
  EXPECT_EQ(complete("descent run --ste"), "--steps\n");
  EXPECT_EQ(complete("descent run -o adam"), "adam adamw adamax\n");
  EXPECT_EQ(complete("descent sweep --function rosen"), "rosenbrock\n");
  EXPECT_EQ(complete("descent run -o sgd --schedule cos"), "cosine cosine_restarts\n");
  EXPECT_EQ(complete("descent list lbf"), "lbfgs\n");
  EXPECT_EQ(complete("descent completion z"), "zsh\n");
  r = run_cli("completion zsh", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("#compdef descent"));
  EXPECT_THAT(r.out, HasSubstr("'run:Run optimizers"));
  EXPECT_THAT(r.out, HasSubstr("compadd -- sgd gd momentum"));
  EXPECT_EQ(run_cli("completion fish", dir.path()).status, 2);
}

// `descent list NAME` shows one entry in full; the listing's columns hold their longest value.
TEST(Cli, ListOneEntry) {
  test::TempDir dir;
  auto r = run_cli("list adam", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* text : {"optimizer adam: ", "source: ", "torch.optim.Adam", "beta2",
                           "default 0.999", "range [0, 1)", "where others differ: ", "clip_norm"})
    EXPECT_THAT(r.out, HasSubstr(text)) << text;
  EXPECT_THAT(run_cli("list rosenbrock", dir.path()).out, HasSubstr("function rosenbrock: "));
  EXPECT_THAT(run_cli("list cosine", dir.path()).out, HasSubstr("schedule cosine: "));
}

// `descent list --family NAME` lists that family's optimizers only; a family that does not exist,
// or --family with schedules or functions, exits 2 naming the valid families.
TEST(Cli, ListFiltersByFamily) {
  test::TempDir dir;
  auto r = run_cli("list --family lr-free", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr(" lr-free:\n  cocob "));
  EXPECT_THAT(r.out, HasSubstr("schedule_free_adamw"));
  EXPECT_THAT(r.out, Not(HasSubstr(" adam ")));
  EXPECT_THAT(r.out, Not(HasSubstr("rosenbrock")));
  r = run_cli("list optimizers --family sign-based", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  for (const char* name : {"  rprop ", "  lion ", "  signum ", "  signsgd "})
    EXPECT_THAT(r.out, HasSubstr(name)) << name;
  r = run_cli("list --family newtonian", dir.path());
  EXPECT_EQ(r.status, 2);
  EXPECT_THAT(r.err, HasSubstr("valid: classic, adaptive, sign-based, lr-free, second-order, "
                               "layer-wise, wrapper"));
  EXPECT_EQ(run_cli("list schedules --family adaptive", dir.path()).status, 2);
}

TEST(Cli, ListKeepsItsColumns) {
  test::TempDir dir;
  const auto r = run_cli("list", dir.path());
  ASSERT_EQ(r.status, 0) << r.err;
  std::istringstream lines(r.out);
  std::set<std::size_t> default_at, range_at, doc_at;
  for (std::string line; std::getline(lines, line);) {
    const auto d = line.find(" default ");
    if (d == std::string::npos) continue;
    const auto g = line.find(" range ", d);
    ASSERT_NE(g, std::string::npos) << line;
    default_at.insert(d);
    range_at.insert(g);
    // The meaning starts where the range column ends, after two spaces at least.
    for (const char* doc :
         {"learning rate", "number of (s, y) pairs kept", "strong_wolfe, or none for a fixed step"})
      if (const auto m = line.find(doc); m != std::string::npos) {
        doc_at.insert(m);
        EXPECT_EQ(line.substr(m - 2, 2), "  ") << line;
      }
  }
  EXPECT_EQ(default_at.size(), 1u);
  EXPECT_EQ(range_at.size(), 1u);
  EXPECT_EQ(doc_at.size(), 1u);
}

// The Markdown catalogs' tables keep their columns: a '|' in a cell (a choice's range
// "true|false", a norm |g| in a meaning) is escaped, so every row has as many cells as its header.
TEST(Cli, ListMarkdownTablesKeepTheirColumns) {
  test::TempDir dir;
  const auto cells = [](const std::string& row) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < row.size(); ++i)
      if (row[i] == '|' && (i == 0 || row[i - 1] != '\\')) ++n;
    return n;
  };
  for (const char* what : {"optimizers", "schedules", "functions"}) {
    const auto r = run_cli(std::string("list ") + what + " --markdown", dir.path());
    ASSERT_EQ(r.status, 0) << r.err;
    std::istringstream lines(r.out);
    std::size_t header = 0, rows = 0, escaped = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.empty() || line[0] != '|') {
        header = 0;
        continue;
      }
      if (header == 0) {
        header = cells(line);
        continue;
      }
      ++rows;
      if (line.find("\\|") != std::string::npos) ++escaped;
      EXPECT_EQ(cells(line), header) << what << ": " << line;
    }
    EXPECT_GT(rows, 10u) << what;
    if (std::string(what) != "functions") {
      EXPECT_GT(escaped, 0u) << what;
    }
  }
}

}  // namespace
}  // namespace descent
