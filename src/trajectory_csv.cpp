#include "descent/trajectory_csv.hpp"

#include <cmath>
#include <istream>
#include <ostream>
#include <stdexcept>
#include <string>
#include <unordered_set>

#include "descent/error.hpp"
#include "descent/params.hpp"

namespace descent {
namespace {

// Splits one CSV line into fields (RFC 4180 quoting, no line breaks inside fields). Returns an
// error text on an unterminated or misplaced quote; `columns` receives each field's 1-based
// starting column.
std::optional<std::string> split_line(std::string_view line, std::vector<std::string>& fields,
                                      std::vector<std::size_t>& columns) {
  fields.clear();
  columns.clear();
  std::size_t i = 0;
  while (true) {
    columns.push_back(i + 1);
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size())
          return "unterminated quote in the field at column " + std::to_string(columns.back());
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',')
        return "unexpected text after a quoted field at column " + std::to_string(i + 1);
    } else {
      while (i < line.size() && line[i] != ',') {
        if (line[i] == '"') return "unexpected quote at column " + std::to_string(i + 1);
        field += line[i++];
      }
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return std::nullopt;
    ++i;  // the comma
  }
}

}  // namespace

std::string csv_field(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string s = "\"";
  for (char c : text) {
    if (c == '"') s += '"';
    s += c;
  }
  return s + "\"";
}

void write_trajectory_csv(std::ostream& out, std::span<const RunResult> results) {
  const std::size_t n = results.empty() ? 2 : results.front().trajectory.dim;
  out << "optimizer,step,loss";
  for (std::size_t i = 0; i < n; ++i) out << ",w" << i + 1;
  out << '\n';
  std::string line;
  for (const RunResult& r : results) {
    const Trajectory& t = r.trajectory;
    if (t.dim != n)
      throw std::invalid_argument("write_trajectory_csv: results of different dimensions");
    const std::string name = csv_field(r.optimizer);
    for (std::size_t k = 0; k < t.size(); ++k) {
      line = name;
      line += ',' + std::to_string(t.steps[k]) + ',' + format_double(t.loss[k]);
      for (double x : t.point(k)) line += ',' + format_double(x);
      line += '\n';
      out << line;
    }
  }
}

std::vector<NamedTrajectory> read_trajectory_csv(std::istream& in, std::string_view source,
                                                 std::size_t max_rows) {
  const std::string src(source);
  std::size_t line_no = 0;
  const auto fail = [&](const std::string& why) {
    return InputError(src + ":" + std::to_string(line_no) + ": " + why);
  };
  std::string line;
  std::vector<std::string> fields;
  std::vector<std::size_t> columns;
  const std::string expected = "optimizer,step,loss,w1[,w2,...]";

  if (!std::getline(in, line))
    throw InputError(src + ": the file is empty (expected a header " + expected + ")");
  line_no = 1;
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (auto err = split_line(line, fields, columns)) throw fail(*err);
  bool header_ok =
      fields.size() >= 4 && fields[0] == "optimizer" && fields[1] == "step" && fields[2] == "loss";
  for (std::size_t i = 3; header_ok && i < fields.size(); ++i)
    header_ok = fields[i] == "w" + std::to_string(i - 2);
  if (!header_ok) throw fail("the header must be " + expected + ", got '" + line + "'");
  const std::size_t n = fields.size() - 3;

  std::vector<NamedTrajectory> out;
  std::unordered_set<std::string> done;  // optimizers whose rows have ended
  std::size_t rows = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (++rows > max_rows)
      throw fail("more than " + std::to_string(max_rows) + " rows, the limit of a trajectory file");
    if (auto err = split_line(line, fields, columns)) throw fail(*err);
    if (fields.size() != n + 3)
      throw fail("expected " + std::to_string(n + 3) + " fields, got " +
                 std::to_string(fields.size()));
    if (fields[0].empty()) throw fail("the optimizer name is empty");
    if (out.empty() || out.back().optimizer != fields[0]) {
      if (!out.empty()) done.insert(out.back().optimizer);
      if (done.count(fields[0]))
        throw fail("the rows of optimizer '" + fields[0] + "' are not contiguous");
      out.push_back({fields[0], Trajectory{}});
      out.back().trajectory.dim = n;
    }
    Trajectory& t = out.back().trajectory;
    const auto number = [&](std::size_t f, const char* what) {
      auto v = parse_double(fields[f]);
      if (!v)
        throw fail("column " + std::to_string(columns[f]) + " (" + what + "): '" + fields[f] +
                   "' is not a number");
      if (!std::isfinite(*v))
        throw fail("column " + std::to_string(columns[f]) + " (" + what + "): '" + fields[f] +
                   "' is not finite");
      return *v;
    };
    const double step = number(1, "step");
    if (step < 0 || step != std::floor(step) || step > 9.007199254740992e15)
      throw fail("column " + std::to_string(columns[1]) + " (step): '" + fields[1] +
                 "' is not a whole number >= 0");
    const auto k = static_cast<std::uint64_t>(step);
    if (!t.steps.empty() && k <= t.steps.back())
      throw fail("step " + fields[1] + " of optimizer '" + fields[0] + "' does not follow step " +
                 std::to_string(t.steps.back()));
    t.steps.push_back(k);
    t.loss.push_back(number(2, "loss"));
    for (std::size_t i = 0; i < n; ++i) {
      const std::string name = "w" + std::to_string(i + 1);
      t.points.push_back(number(3 + i, name.c_str()));
    }
  }
  if (out.empty()) throw InputError(src + ": the file has a header but no rows");
  return out;
}

}  // namespace descent
