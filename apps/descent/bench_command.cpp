// `descent bench`: milliseconds per step and bandwidth of every elementwise optimizer on a large
// parameter vector, against a triad on arrays of the same length in the same process.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bandwidth.hpp"
#include "commands.hpp"
#include "descent/error.hpp"
#include "descent/parallel.hpp"
#include "descent/registry.hpp"
#include "descent/simd.hpp"
#include "descent/spec.hpp"
#include "experiment.hpp"
#include "outputs.hpp"
#include "util/text.hpp"

namespace descent::cli {
namespace {

constexpr std::size_t kMaxBenchSize = std::size_t{1} << 34;

// "64M" = 64 * 2^20; K, M and G are powers of 1024; a plain number is taken as it is.
std::size_t parse_size(const std::string& text) {
  std::string digits = text;
  std::size_t scale = 1;
  if (!digits.empty()) {
    const char last = static_cast<char>(std::toupper(static_cast<unsigned char>(digits.back())));
    const std::size_t shift = last == 'K' ? 10 : last == 'M' ? 20 : last == 'G' ? 30 : 0;
    if (shift > 0) {
      scale = std::size_t{1} << shift;
      digits.pop_back();
    }
  }
  const std::size_t n = parse_count(digits, "--size", kMaxBenchSize / scale);
  if (n == 0) throw InputError("--size: must be at least 1");
  return n * scale;
}

// The non-empty items of a comma-separated option, trimmed.
std::vector<std::string> items(std::string_view text) {
  std::vector<std::string> out;
  for (const std::string_view piece : split_list(text, ','))
    if (!trim(piece).empty()) out.emplace_back(trim(piece));
  return out;
}

std::vector<unsigned> parse_threads(const std::string& text) {
  std::vector<unsigned> out;
  for (const std::string& item : items(text)) {
    if (item == "all") {
      out.push_back(hardware_threads());
      continue;
    }
    const std::size_t t = parse_count(item, "--threads", 1024);
    if (t == 0) throw InputError("--threads: must be at least 1 (or 'all')");
    out.push_back(static_cast<unsigned>(t));
  }
  if (out.empty()) throw InputError("--threads: give a number, a list such as 1,2, or 'all'");
  return out;
}

// Every optimizer that steps elementwise (the alias gd is sgd).
std::vector<std::string> default_optimizers() {
  std::vector<std::string> out;
  for (const OptimizerInfo* info : optimizer_catalog())
    if (info->alias_of.empty() && info->elementwise) out.push_back(info->name);
  return out;
}

std::string machine_name() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
    }
  }
  return "unknown CPU";
}

}  // namespace

int bench_command(const BenchArgs& args) {
  const std::size_t size = parse_size(args.size);
  const std::vector<unsigned> thread_counts = parse_threads(args.threads);
  const int repeats = static_cast<int>(parse_count(args.repeat, "--repeat", 1000));
  if (repeats < 1) throw InputError("--repeat: must be at least 1");
  const double min_time = parse_number(args.min_time, "--min-time");
  if (!(min_time >= 0 && min_time <= 60)) throw InputError("--min-time: must be in [0, 60]");
  std::vector<bool> types;
  if (args.type == "float32" || args.type == "both") types.push_back(true);
  if (args.type == "float64" || args.type == "both") types.push_back(false);
  if (types.empty())
    throw InputError("--type: '" + args.type + "' is not one of float32, float64, both");
  if (!args.simd.empty()) {
    try {
      set_simd(parse_simd(args.simd));
    } catch (const InputError& e) {
      throw InputError(std::string("--simd: ") + e.what());
    }
  }
  for (bool float32 : types) check_bench_size(size, float32);
  std::vector<std::string> specs = args.optimizers;
  for (const std::string& name : items(args.names)) specs.push_back(name);
  if (specs.empty()) specs = default_optimizers();
  for (const std::string& spec : specs) {
    // Checked up front, so that a typo is reported before minutes of measuring.
    const OptimizerInfo& info = make_optimizer<double>(spec)->info();
    if (std::find(types.begin(), types.end(), true) != types.end())
      (void)make_optimizer<float>(spec);  // values float32 cannot hold
    if (!info.elementwise)
      throw InputError("bench: " + info.name +
                       " is not elementwise (it does not update each parameter from its own "
                       "gradient and state alone); bench measures elementwise steps");
  }

  // The JSON file, checked before minutes of measuring.
  Outputs outputs;
  if (!args.json.empty()) outputs.file(args.json, true);
  std::FILE* const report = outputs.report();

  fmt::print(report,
             "descent bench: {} parameters, {} repeats of >= {} s, SIMD {}, {} hardware threads\n",
             size, repeats, min_time, simd_name(simd()), hardware_threads());
  fmt::print(report, "machine: {}\n", machine_name());
  fmt::print(report, "{:<26} {:<8} {:>7} {:>7} {:>10} {:>8} {:>10} {:>10} {:>6}\n", "optimizer",
             "type", "threads", "B/param", "ms/step", "GB/s", "triad ms", "triad GB/s", "ratio");
  nlohmann::json rows = nlohmann::json::array();
  for (bool float32 : types) {
    for (unsigned t : thread_counts) {
      for (const std::string& spec : specs) {
        StepBenchConfig config{spec, float32, size, t, repeats, min_time};
        const StepBenchResult r = bench_step(config);
        fmt::print(report,
                   "{:<26} {:<8} {:>7} {:>7} {:>10.3f} {:>8.2f} {:>10.3f} {:>10.2f} {:>6.2f}\n",
                   short_label(r.spec), r.type, r.threads, r.bytes_per_element, r.ms_per_step,
                   r.gbps, r.triad_ms, r.triad_gbps, r.ratio);
        std::fflush(report);
        rows.push_back({{"spec", r.spec},
                        {"type", r.type},
                        {"size", r.size},
                        {"threads", r.threads},
                        {"simd", r.simd},
                        {"bytes_per_element", r.bytes_per_element},
                        {"ms_per_step", r.ms_per_step},
                        {"gbps", r.gbps},
                        {"triad_ms", r.triad_ms},
                        {"triad_gbps", r.triad_gbps},
                        {"ratio", r.ratio}});
      }
    }
  }
  if (!args.json.empty()) {
    const nlohmann::json doc = {{"machine", machine_name()},
                                {"hardware_threads", hardware_threads()},
                                {"repeats", repeats},
                                {"min_seconds", min_time},
                                {"results", rows}};
    write_output(args.json, doc.dump(2) + "\n");
  }
  return 0;
}

}  // namespace descent::cli
