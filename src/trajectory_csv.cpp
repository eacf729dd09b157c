#include "descent/trajectory_csv.hpp"

#include <cmath>
#include <filesystem>
#include <functional>
#include <istream>
#include <map>
#include <optional>
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

namespace {

// Header text as a message shows it: bytes outside printable ASCII (a stray byte-order mark in
// the middle of a line, a tab) written as \xNN, so that nothing in the message is invisible.
std::string visible(std::string_view text) {
  std::string s;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      s += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      s += "\\x";
      s += kHex[u >> 4];
      s += kHex[u & 15];
    }
  }
  return s;
}

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Where each column the reader uses sits in a row: found by name in the header.
struct Columns {
  std::optional<std::size_t> optimizer;
  std::size_t step = 0, loss = 0;
  std::vector<std::size_t> w;  ///< w1, w2, ... in order
  std::size_t count = 0;       ///< fields per row, the ignored ones included
};

// A column `w<k>` with k a whole number >= 1 written without leading zeros: its k.
std::optional<std::size_t> coordinate_index(std::string_view name) {
  if (name.size() < 2 || name.size() > 8 || name[0] != 'w' || name[1] == '0') return std::nullopt;
  std::size_t k = 0;
  for (char c : name.substr(1)) {
    if (c < '0' || c > '9') return std::nullopt;
    k = k * 10 + static_cast<std::size_t>(c - '0');
  }
  return k;
}

Columns find_columns(const std::vector<std::string>& names, const std::string& header,
                     const std::function<InputError(const std::string&)>& fail) {
  const std::string expected =
      "a trajectory file needs the columns step, loss and w1[,w2,...] (and optimizer when it "
      "holds several runs), in any order";
  Columns c;
  c.count = names.size();
  std::optional<std::size_t> step, loss;
  std::map<std::size_t, std::size_t> w;  // k of column wK -> its index
  std::unordered_set<std::string> seen;
  for (std::size_t i = 0; i < names.size(); ++i) {
    const std::string name(trim_spaces(names[i]));
    if (name.empty()) continue;  // an unnamed column (a pandas index) is ignored
    if (!seen.insert(name).second)
      throw fail("the header names column '" + visible(name) + "' twice");
    if (name == "optimizer") {
      c.optimizer = i;
    } else if (name == "step") {
      step = i;
    } else if (name == "loss") {
      loss = i;
    } else if (const auto k = coordinate_index(name)) {
      w[*k] = i;
    }
  }
  std::string missing;
  if (!step) missing = "step";
  if (!loss) missing += std::string(missing.empty() ? "" : ", ") + "loss";
  // w1 to the last wK, every one: the first missing is named.
  std::size_t first_gap = 1;
  while (w.count(first_gap)) ++first_gap;
  if (w.empty() || first_gap <= w.rbegin()->first)
    missing += (missing.empty() ? "w" : ", w") + std::to_string(first_gap);
  if (!missing.empty())
    throw fail("the header has no column " + missing + " (" + expected + "); got '" +
               visible(header) + "'");
  c.step = *step;
  c.loss = *loss;
  for (const auto& [k, i] : w) c.w.push_back(i);
  return c;
}

// The name of the one run of a file without an optimizer column: the file's name without its
// folder and extension.
std::string run_name(std::string_view source) {
  std::string name = std::filesystem::path(source).stem().string();
  return name.empty() ? std::string("run") : name;
}

}  // namespace

std::vector<NamedTrajectory> read_trajectory_csv(std::istream& in, std::string_view source,
                                                 std::size_t max_rows) {
  const std::string src(source);
  std::size_t line_no = 0;
  const std::function<InputError(const std::string&)> fail = [&](const std::string& why) {
    return InputError(src + ":" + std::to_string(line_no) + ": " + why);
  };
  std::string line;
  std::vector<std::string> fields;
  std::vector<std::size_t> columns;

  if (!std::getline(in, line))
    throw InputError(src + ": the file is empty (expected a header such as " + kTrajectoryHeader +
                     ")");
  line_no = 1;
  if (line.starts_with("\xEF\xBB\xBF")) line.erase(0, 3);  // a UTF-8 byte-order mark
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (auto err = split_line(line, fields, columns)) throw fail(*err);
  const Columns col = find_columns(fields, line, fail);
  const std::size_t n = col.w.size();
  const std::string single = col.optimizer ? std::string() : run_name(source);

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
    if (fields.size() != col.count)
      throw fail("expected " + std::to_string(col.count) + " fields, as in the header, got " +
                 std::to_string(fields.size()));
    const std::string& name = col.optimizer ? fields[*col.optimizer] : single;
    if (name.empty()) throw fail("the optimizer name is empty");
    if (out.empty() || out.back().optimizer != name) {
      if (!out.empty()) done.insert(out.back().optimizer);
      if (done.count(name)) throw fail("the rows of optimizer '" + name + "' are not contiguous");
      out.push_back({name, Trajectory{}, {}});
      out.back().trajectory.dim = n;
    }
    NamedTrajectory& named = out.back();
    Trajectory& t = named.trajectory;
    const auto number = [&](std::size_t f, const std::string& what) {
      auto v = parse_double(trim_spaces(fields[f]));
      if (!v)
        throw fail("column " + std::to_string(columns[f]) + " (" + what + "): '" + fields[f] +
                   "' is not a number");
      if (!std::isfinite(*v))
        throw fail("column " + std::to_string(columns[f]) + " (" + what + "): '" + fields[f] +
                   "' is not finite");
      return *v;
    };
    const double step = number(col.step, "step");
    if (step < 0 || step != std::floor(step) || step > 9.007199254740992e15)
      throw fail("column " + std::to_string(columns[col.step]) + " (step): '" + fields[col.step] +
                 "' is not a whole number >= 0");
    const auto k = static_cast<std::uint64_t>(step);
    if (!t.steps.empty() && k <= t.steps.back())
      throw fail("step " + fields[col.step] + " of optimizer '" + name + "' does not follow step " +
                 std::to_string(t.steps.back()));
    t.steps.push_back(k);
    t.loss.push_back(number(col.loss, "loss"));
    for (std::size_t i = 0; i < n; ++i)
      t.points.push_back(number(col.w[i], "w" + std::to_string(i + 1)));
    named.lines.push_back(line_no);
  }
  if (out.empty()) throw InputError(src + ": the file has a header but no rows");
  return out;
}

}  // namespace descent
