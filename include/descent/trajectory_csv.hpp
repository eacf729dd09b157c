// descent: the trajectory CSV format, a stable contract between descent and other programs.
//
//     optimizer,step,loss,w1,w2[,w3,...]
//     sgd:lr=0.1,0,9,1,1                       <- written quoted when it holds a comma
//
// One row per recorded step, from step 0 (the start point) to the last; rows of one optimizer are
// contiguous and in increasing step order. `optimizer` is the canonical spec string. Numbers are
// written in the shortest form that reads back as the same double. Fields follow RFC 4180: a
// field holding a comma or a quote is enclosed in double quotes, and quotes inside are doubled.
//
// Read, the columns are found by name, in any order: `step`, `loss` and `w1`..`wn` are needed,
// `optimizer` is needed only to tell several runs apart (without it the file is one run, named
// after the file), and any other column (`grad_norm`, `lr`, an unnamed index) is ignored. A UTF-8
// byte-order mark and CRLF line ends are accepted; blank lines are skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "descent/runner.hpp"
#include "descent/trajectory.hpp"

namespace descent {

/// One optimizer's rows of a trajectory file.
struct NamedTrajectory {
  std::string optimizer;
  Trajectory trajectory;           ///< grad_norm is empty: the file does not carry it
  std::vector<std::size_t> lines;  ///< the file's line number of each row, from 2
};

/// The header descent writes for a 2-D run, and other programs are best to write.
inline constexpr const char* kTrajectoryHeader = "optimizer,step,loss,w1,w2";

/// Writes the header and every result's rows. All results must have the same dimension.
void write_trajectory_csv(std::ostream& out, std::span<const RunResult> results);

/// The most rows a trajectory file may hold when read (two million: a million steps of two
/// optimizers, or 64 optimizers of 31 thousand), and the most bytes the program reads of one
/// (256 MiB). Together they bound the memory a file takes.
inline constexpr std::size_t kMaxTrajectoryRows = 2'000'000;
inline constexpr std::uintmax_t kMaxTrajectoryBytes = std::uintmax_t{256} << 20;

/// Reads a trajectory file. `source` names it in error messages, and names the run of a file
/// without an optimizer column (its stem: "runs/adam.csv" gives "adam"). Throws InputError for a
/// header that lacks a needed column or names one twice, a malformed or non-finite number, a row
/// whose field count differs from the header's, or steps out of order, naming the line and
/// column; and for more than `max_rows` rows, as soon as the next one is read.
std::vector<NamedTrajectory> read_trajectory_csv(std::istream& in, std::string_view source,
                                                 std::size_t max_rows = kMaxTrajectoryRows);

/// Quotes a CSV field if it holds a comma, a quote or a line break.
std::string csv_field(std::string_view text);

}  // namespace descent
