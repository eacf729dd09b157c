#include "descent/trajectory_csv.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <sstream>

#include "descent/error.hpp"
#include "descent/registry.hpp"

namespace descent {
namespace {

using ::testing::HasSubstr;

std::string read_error(const std::string& text) {
  std::istringstream in(text);
  try {
    read_trajectory_csv(in, "t.csv");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(TrajectoryCsv, HeaderAndQuotedSpecs) {
  const auto f = make_function("anisotropic");
  auto opt = make_optimizer("momentum");
  const std::vector<double> start = {1.0, 1.0};
  const std::vector<RunResult> results = {run(*f, *opt, start, {.steps = 2})};
  std::ostringstream out;
  write_trajectory_csv(out, results);
  EXPECT_EQ(
      out.str(),
      "optimizer,step,loss,w1,w2\n"
      "\"momentum:lr=0.1,alpha=0.9,dampening=0,weight_decay=0,buffer=false\",0,9,1,1\n"
      "\"momentum:lr=0.1,alpha=0.9,dampening=0,weight_decay=0,buffer=false\",1,3.520000000000001,0."
      "8,-0."
      "6000000000000001\n"
      "\"momentum:lr=0.1,alpha=0.9,dampening=0,weight_decay=0,buffer=false\",2,9.542800000000002,0."
      "45999999999999996,"
      "-1.08\n");
}

// Random trajectories (random bit patterns, all finite) survive write + read exactly.
TEST(TrajectoryCsv, RoundTripIsExact) {
  std::mt19937_64 rng(3);
  const auto random_double = [&] {
    while (true) {
      const auto bits = rng();
      double x;
      std::memcpy(&x, &bits, sizeof x);
      if (std::isfinite(x)) return x;
    }
  };
  std::vector<RunResult> results(3);
  for (std::size_t r = 0; r < results.size(); ++r) {
    results[r].optimizer = r == 1 ? "odd \"name\", with comma" : "opt" + std::to_string(r);
    Trajectory& t = results[r].trajectory;
    t.dim = 3;
    for (std::uint64_t k = 0; k < 40; ++k) {
      t.steps.push_back(k * (r + 1));
      t.loss.push_back(random_double());
      for (int i = 0; i < 3; ++i) t.points.push_back(random_double());
    }
  }
  std::stringstream io;
  write_trajectory_csv(io, results);
  const auto back = read_trajectory_csv(io, "mem");
  ASSERT_EQ(back.size(), results.size());
  for (std::size_t r = 0; r < results.size(); ++r) {
    EXPECT_EQ(back[r].optimizer, results[r].optimizer);
    EXPECT_EQ(back[r].trajectory.dim, 3u);
    EXPECT_EQ(back[r].trajectory.steps, results[r].trajectory.steps);
    EXPECT_EQ(back[r].trajectory.loss, results[r].trajectory.loss);
    EXPECT_EQ(back[r].trajectory.points, results[r].trajectory.points);
  }
}

TEST(TrajectoryCsv, ReadsFilesFromOtherPrograms) {
  // CRLF line ends, a blank line, every 10th step only, exponent notation.
  const auto t = [] {
    std::istringstream in(
        "optimizer,step,loss,w1\r\ntorch_adam,0,1,1\r\n\r\ntorch_adam,10,2.5E-1,5e-1\r\n");
    return read_trajectory_csv(in, "torch.csv");
  }();
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].trajectory.steps, (std::vector<std::uint64_t>{0, 10}));
  EXPECT_EQ(t[0].trajectory.points, (std::vector<double>{1, 0.5}));
  EXPECT_TRUE(t[0].trajectory.grad_norm.empty());
}

// The page's export (optimizer,step,w1,w2,loss), a log with more columns than descent writes, a
// byte-order mark, CRLF, and a single run without an optimizer column: columns are found by name.
TEST(TrajectoryCsv, ColumnsAreFoundByName) {
  const auto read = [](const std::string& text, const std::string& source = "t.csv") {
    std::istringstream in(text);
    return read_trajectory_csv(in, source);
  };
  const auto page =
      read("optimizer,step,w1,w2,loss\n\"sgd:lr=0.1\",0,1,1,9\n\"sgd:lr=0.1\",1,0.8,-0.6,3.52\n");
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].optimizer, "sgd:lr=0.1");
  EXPECT_EQ(page[0].trajectory.loss, (std::vector<double>{9, 3.52}));
  EXPECT_EQ(page[0].trajectory.points, (std::vector<double>{1, 1, 0.8, -0.6}));
  EXPECT_EQ(page[0].lines, (std::vector<std::size_t>{2, 3}));

  const auto extra = read(
      "\xEF\xBB\xBF,optimizer,step,loss,grad_norm,w1,w2,lr\r\n"
      "0,adam,0,9,16.1,1,1,0.01\r\n1,adam,1,8.5,15,0.99,0.99,0.01\r\n");
  ASSERT_EQ(extra.size(), 1u);
  EXPECT_EQ(extra[0].optimizer, "adam");
  EXPECT_EQ(extra[0].trajectory.dim, 2u);
  EXPECT_EQ(extra[0].trajectory.loss, (std::vector<double>{9, 8.5}));
  EXPECT_EQ(extra[0].trajectory.points, (std::vector<double>{1, 1, 0.99, 0.99}));

  const auto single = read("step,loss,w1,w2\n0,9,1,1\n5,1,0.5,0.25\n", "runs/torch_adam.csv");
  ASSERT_EQ(single.size(), 1u);
  EXPECT_EQ(single[0].optimizer, "torch_adam");
  EXPECT_EQ(single[0].trajectory.steps, (std::vector<std::uint64_t>{0, 5}));
  EXPECT_THAT(read_error("step,loss,w1\n0,9,1\n0,9,1\n"),
              HasSubstr("t.csv:3: step 0 of optimizer 't' does not follow step 0"));
  // An ignored column still counts in every row.
  EXPECT_THAT(read_error("step,loss,w1,note\n0,9,1\n"),
              HasSubstr("t.csv:2: expected 4 fields, as in the header, got 3"));
}

TEST(TrajectoryCsv, MalformedFilesNameTheLineAndProblem) {
  EXPECT_THAT(read_error(""), HasSubstr("t.csv: the file is empty"));
  EXPECT_THAT(read_error("optimizer,w1,w2,loss\n"),
              HasSubstr("t.csv:1: the header has no column step ("));
  EXPECT_THAT(read_error("optimizer,step,loss,w2\n"), HasSubstr("the header has no column w1"));
  EXPECT_THAT(read_error("step,w1,w3\n"), HasSubstr("no column loss, w2"));
  EXPECT_THAT(read_error("step,loss,w1,w1\n"),
              HasSubstr("t.csv:1: the header names column 'w1' twice"));
  EXPECT_THAT(read_error("step,loss,w1,w9\n"), HasSubstr("no column w2"));
  // An invisible character in a header is shown, not printed as is.
  EXPECT_THAT(read_error("step,lo\tss,w1\n"), HasSubstr("got 'step,lo\\x09ss,w1'"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1,w2\n"), HasSubstr("has a header but no rows"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1,w2\na,0,1,1\n"),
              HasSubstr("t.csv:2: expected 5 fields, as in the header, got 4"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1,w2\na,0,x,1,1\n"),
              HasSubstr("t.csv:2: column 5 (loss): 'x' is not a number"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1,w2\na,0,1,nan,1\n"),
              HasSubstr("column 7 (w1): 'nan' is not finite"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1,w2\na,0,1,1,inf\n"),
              HasSubstr("(w2): 'inf' is not finite"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1\na,-1,1,1\n"),
              HasSubstr("'-1' is not a whole number >= 0"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1\na,1.5,1,1\n"), HasSubstr("not a whole number"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1\na,1,1,1\na,1,1,1\n"),
              HasSubstr("t.csv:3: step 1 of optimizer 'a' does not follow step 1"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1\na,0,1,1\nb,0,1,1\na,1,1,1\n"),
              HasSubstr("t.csv:4: the rows of optimizer 'a' are not contiguous"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1\n\"a,0,1,1\n"), HasSubstr("unterminated quote"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1\n\"a\"x,0,1,1\n"),
              HasSubstr("unexpected text after a quoted field"));
  EXPECT_THAT(read_error("optimizer,step,loss,w1\n,0,1,1\n"),
              HasSubstr("the optimizer name is empty"));
}

// Rows past the limit are refused as they are read: a stream that never ends is not read to its
// end.
TEST(TrajectoryCsv, RowsBeyondTheLimitAreRefusedWhileReading) {
  std::istringstream three("optimizer,step,loss,w1\na,0,1,1\na,1,1,1\nb,0,1,1\n");
  EXPECT_EQ(read_trajectory_csv(three, "t.csv", 3).size(), 2u);
  std::istringstream four("optimizer,step,loss,w1\na,0,1,1\na,1,1,1\nb,0,1,1\nb,1,1,1\n");
  try {
    read_trajectory_csv(four, "t.csv", 3);
    ADD_FAILURE() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("t.csv:5: more than 3 rows"));
  }
  // Rows without end: "a,0,1,1", "a,1,1,1", ...
  struct Endless : std::streambuf {
    std::string line;
    std::uint64_t step = 0;
    int underflow() override {
      line = step == 0 && line.empty() ? "optimizer,step,loss,w1\n"
                                       : "a," + std::to_string(step++) + ",1,1\n";
      setg(line.data(), line.data(), line.data() + line.size());
      return traits_type::to_int_type(line[0]);
    }
  } endless;
  std::istream in(&endless);
  EXPECT_THROW(read_trajectory_csv(in, "endless", 1000), InputError);
  EXPECT_LE(endless.step, 1001u);
  EXPECT_EQ(kMaxTrajectoryRows, 2'000'000u);
}

TEST(CsvField, QuotesOnlyWhenNeeded) {
  EXPECT_EQ(csv_field("sgd:lr=0.1"), "sgd:lr=0.1");
  EXPECT_EQ(csv_field("a,b"), "\"a,b\"");
  EXPECT_EQ(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
}

}  // namespace
}  // namespace descent
