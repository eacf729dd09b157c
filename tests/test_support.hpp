// Helpers shared by the tests: the seed's golden cases and a way to run the descent program.
#pragma once

#include <fstream>
#include <functional>
#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "descent/params.hpp"
#include "descent/sweep.hpp"

namespace descent::test {

/// One of the seed's twelve reference trajectories (tests/golden/CASE.csv).
struct GoldenCase {
  std::string name;       ///< e.g. "aniso_momentum_alpha0.9"
  std::string function;   ///< function spec
  std::string optimizer;  ///< optimizer spec with the seed's settings
};

inline std::vector<GoldenCase> golden_cases() {
  std::vector<GoldenCase> cases;
  for (const char* fn : {"iso", "aniso"}) {
    const std::string function = std::string(fn) == "iso" ? "isotropic" : "anisotropic:ratio=8";
    const std::string p = std::string(fn) + "_";
    cases.push_back({p + "sgd", function, "sgd:lr=0.1"});
    std::vector<std::string> alphas = {"0.1", "0.9"};
    std::vector<std::string> betas = {"0.1", "0.9"};
    if (function != "isotropic") {
      alphas.push_back("0.99");
      betas.push_back("0.99");
    }
    for (const auto& a : alphas)
      cases.push_back({p + "momentum_alpha" + a, function, "momentum:lr=0.1,alpha=" + a});
    for (const auto& b : betas)
      cases.push_back({p + "rmsprop_beta" + b, function, "rmsprop:lr=0.1,beta=" + b});
  }
  return cases;
}

/// Shown by GoogleTest in test names and failures.
inline void PrintTo(const GoldenCase& c, std::ostream* os) { *os << c.name; }

/// The columns of a golden file (header step,w1,w2,loss), parsed to exact doubles.
struct GoldenTrajectory {
  std::vector<double> w1, w2, loss;
};

inline GoldenTrajectory read_golden(const std::string& name) {
  const std::string path = std::string(DESCENT_SOURCE_DIR) + "/tests/golden/" + name + ".csv";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string line;
  std::getline(in, line);
  if (line != "step,w1,w2,loss") throw std::runtime_error(path + ": unexpected header " + line);
  GoldenTrajectory g;
  while (std::getline(in, line)) {
    std::vector<double> v;
    std::size_t start = 0;
    while (true) {
      const auto comma = line.find(',', start);
      v.push_back(parse_double(line.substr(start, comma - start)).value());
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (v.size() != 4) throw std::runtime_error(path + ": bad row " + line);
    g.w1.push_back(v[1]);
    g.w2.push_back(v[2]);
    g.loss.push_back(v[3]);
  }
  return g;
}

/// What a run of the descent program gave.
struct CliResult {
  int status = -1;
  std::string out;
  std::string err;
};

/// Runs the descent program with `args` (already shell-quoted where needed) in folder `cwd`.
CliResult run_cli(const std::string& args, const std::string& cwd);

/// Shell-quotes one argument.
std::string quote(const std::string& arg);

/// A fresh empty folder under the system's temporary folder, removed by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// Makes a named pipe at `path` and returns `read(path)` while another thread offers `bytes`
/// through it: a reader that opens the pipe receives them and then the end of the file, and one
/// that refuses to open it is not blocked by it. Throws std::runtime_error if the pipe cannot be
/// made.
std::string through_fifo(const std::string& path, const std::string& bytes,
                         const std::function<std::string(const std::string&)>& read);

/// Every cell of a sweep, as SweepResult::cell makes it.
inline std::vector<SweepCell> all_cells(const SweepResult& r) {
  std::vector<SweepCell> out;
  for (std::size_t i = 0; i < r.size(); ++i) out.push_back(r.cell(i));
  return out;
}

}  // namespace descent::test
