#include "network_data.hpp"

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "util/text.hpp"

namespace descent::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A CSV descent wrote: a header, then rows whose first field may be a quoted optimizer spec
// (which holds commas but no quotes). Empty when the file does not exist.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
  // The index of column `name`; InputError naming the file when it has none.
  std::size_t column(const std::string& name, const fs::path& path) const {
    for (std::size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    throw InputError("'" + path.string() + "' has no column '" + name + "'");
  }
};

Table read_table(const fs::path& path) {
  Table t;
  std::ifstream in(path);
  if (!in) return t;
  std::string line;
  std::getline(in, line);
  for (std::string_view h : split_list(line, ',')) t.header.emplace_back(h);
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::vector<std::string> row;
    std::string_view rest = line;
    if (rest.front() == '"') {
      const std::size_t close = rest.find('"', 1);
      if (close == std::string_view::npos)
        throw InputError("'" + path.string() + "' has a malformed row: " + line);
      row.emplace_back(rest.substr(1, close - 1));
      rest = rest.substr(std::min(rest.size(), close + 2));
    }
    for (std::string_view f : split_list(rest, ',')) row.emplace_back(f);
    if (row.size() != t.header.size()) continue;  // a row cut short by an interrupted write
    t.rows.push_back(std::move(row));
  }
  return t;
}

// A number of a table, or null for a value that is not finite.
json number(const std::string& text) {
  const auto v = parse_double(text);
  return v && std::isfinite(*v) ? json(*v) : json(nullptr);
}

// The rows of `t` grouped by their first field (an optimizer spec or a line's name), in the
// file's order: per group {key: the field, and per (name, column) of `columns` the column's
// numbers}.
json group_rows(const Table& t, const std::string& key,
                const std::vector<std::pair<std::string, std::size_t>>& columns) {
  json out = json::array();
  std::map<std::string, std::size_t> index;
  for (const auto& row : t.rows) {
    auto [it, fresh] = index.emplace(row[0], out.size());
    if (fresh) {
      out.push_back({{key, row[0]}});
      for (const auto& [name, c] : columns) out.back()[name] = json::array();
    }
    for (const auto& [name, c] : columns) out[it->second][name].push_back(number(row[c]));
  }
  return out;
}

// A plane CSV (s, t, then values; t outer) as {s: [...], t: [...], NAME: [[...] per t]}.
json plane(const fs::path& path, const std::vector<std::string>& values) {
  const Table t = read_table(path);
  if (t.rows.empty()) return nullptr;
  const std::size_t cs = t.column("s", path), ct = t.column("t", path);
  json s = json::array(), ts = json::array();
  for (const auto& row : t.rows) {
    if (ts.empty() || row[ct] != ts.back().get<std::string>()) ts.push_back(row[ct]);
    if (ts.size() == 1) s.push_back(row[cs]);
  }
  if (s.size() * ts.size() != t.rows.size())
    throw InputError("'" + path.string() + "' is not a full grid");
  json out = {{"s", json::array()}, {"t", json::array()}};
  for (const auto& v : s) out["s"].push_back(number(v.get<std::string>()));
  for (const auto& v : ts) out["t"].push_back(number(v.get<std::string>()));
  for (const std::string& name : values) {
    if (std::find(t.header.begin(), t.header.end(), name) == t.header.end()) continue;
    const std::size_t c = t.column(name, path);
    json grid = json::array();
    for (std::size_t j = 0; j < ts.size(); ++j) {
      json row = json::array();
      for (std::size_t i = 0; i < s.size(); ++i) row.push_back(number(t.rows[j * s.size() + i][c]));
      grid.push_back(std::move(row));
    }
    out[name] = std::move(grid);
  }
  return out;
}

// The paths of a paths CSV (optimizer, iterate, s, t[, loss, plane_loss]), one per optimizer in
// the file's order.
json paths(const fs::path& path) {
  const Table t = read_table(path);
  std::vector<std::pair<std::string, std::size_t>> columns;
  for (std::size_t c = 2; c < t.header.size(); ++c) columns.emplace_back(t.header[c], c);
  return group_rows(t, "optimizer", columns);
}

json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return nullptr;
  try {
    return json::parse(in);
  } catch (const json::exception& e) {
    throw InputError("'" + path.string() + "' is not valid JSON: " + e.what());
  }
}

}  // namespace

json network_data(const fs::path& folder) {
  const json train = read_json(folder / "train.json");
  if (train.is_null())
    return {{"available", false},
            {"folder", folder.string()},
            {"message", "no training run in '" + folder.string() +
                            "': run `descent train` and `descent landscape` there, then reload"}};
  json out = {{"available", true}, {"folder", folder.string()}, {"train", train}};
  // Each run's short label, as the figures write it (the spec without its defaults).
  json labels = json::object();
  if (train.contains("runs") && train["runs"].is_array())
    for (const json& r : train["runs"])
      if (r.contains("optimizer") && r["optimizer"].is_string())
        labels[r["optimizer"].get<std::string>()] = short_label(r["optimizer"].get<std::string>());
  out["labels"] = labels;
  // The sharpness per run: step, estimate and the stability threshold at that step.
  const Table sh = read_table(folder / "sharpness.csv");
  if (!sh.rows.empty()) {
    const fs::path p = folder / "sharpness.csv";
    json runs = group_rows(sh, "optimizer",
                           {{"step", sh.column("step", p)},
                            {"sharpness", sh.column("sharpness", p)},
                            {"threshold", sh.column("threshold", p)}});
    // 0 where the method has no simple threshold: null.
    for (json& r : runs)
      for (json& th : r["threshold"])
        if (!(th.is_number() && th.get<double>() > 0)) th = nullptr;
    out["sharpness"] = runs;
  } else {
    out["sharpness"] = nullptr;
  }
  const fs::path land = folder / "landscape";
  const json meta = read_json(land / "landscape.json");
  if (meta.is_null()) {
    out["landscape"] = nullptr;
    out["message"] = "no landscape in '" + land.string() + "': run `descent landscape --from " +
                     folder.string() + "`, then reload";
    return out;
  }
  const Table lt = read_table(land / "line.csv");
  const json lines = lt.rows.empty()
                         ? json::array()
                         : group_rows(lt, "name",
                                      {{"t", 1},
                                       {"train_loss", lt.column("train_loss", land / "line.csv")},
                                       {"test_loss", lt.column("test_loss", land / "line.csv")}});
  json planes = {{"random", plane(land / "plane.csv", {"train_loss", "test_loss"})},
                 {"pca", plane(land / "paths-pca-plane.csv", {"train_loss"})},
                 {"exact", plane(land / "paths-exact-plane.csv", {"train_loss"})}};
  if (!planes["pca"].is_null()) planes["pca"]["paths"] = paths(land / "paths-pca.csv");
  if (!planes["exact"].is_null()) planes["exact"]["paths"] = paths(land / "paths-exact.csv");
  out["landscape"] = {{"meta", meta}, {"lines", lines}, {"planes", planes}};
  return out;
}

}  // namespace descent::cli
