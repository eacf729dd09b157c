// Shared by the commands that run many cells (sweep, tune): the progress line on stderr and how
// a metric is written in tables, CSV and JSON.
#pragma once

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "descent/params.hpp"
#include "descent/sweep.hpp"

namespace descent::cli {

/// A metric as text: the shortest round-trip number, or "inf" for a run that never got there.
inline std::string metric_text(double v) { return std::isfinite(v) ? format_double(v) : "inf"; }

/// A metric in JSON: the number, or null for infinity (JSON has no infinity).
inline nlohmann::json metric_json(double v) {
  return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
}

/// A sweep cell or a tuning setting in JSON: its spec, the metric's median, minimum and maximum
/// over its runs, how many runs there were and diverged, and the first run's message. The
/// caller adds the values of its keys.
inline nlohmann::json cell_json(const SweepCell& cell) {
  return {{"spec", cell.spec},
          {"median", metric_json(cell.median)},
          {"min", metric_json(cell.min)},
          {"max", metric_json(cell.max)},
          {"runs", cell.runs},
          {"diverged", cell.diverged},
          {"termination", cell.termination}};
}

/// "what: done/total unit (pct%), s s" on stderr, shown once the work has run for a second and
/// redrawn at most five times a second. finish() ends the line if one was drawn.
class ProgressLine {
 public:
  ProgressLine(std::string what, std::string unit)
      : what_(std::move(what)), unit_(std::move(unit)), t0_(std::chrono::steady_clock::now()) {}
  void operator()(std::size_t done, std::size_t total) {
    const double s = seconds();
    if (s < 1.0 || (s - last_ < 0.2 && done < total)) return;
    last_ = s;
    const double f = total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1.0;
    fmt::print(stderr, "\r{}: {}/{} {} ({:.0f}%), {:.1f} s{}", what_, done, total, unit_, 100.0 * f,
               s, left(f, s));
    shown_ = true;
  }
  /// The same line for work measured as a share done, in [0, 1].
  void fraction(double f) {
    const double s = seconds();
    if (s < 1.0 || (s - last_ < 0.2 && f < 1.0)) return;
    last_ = s;
    fmt::print(stderr, "\r{}: {:.0f}%, {:.1f} s{}", what_, 100.0 * f, s, left(f, s));
    shown_ = true;
  }
  void finish() {
    if (shown_) fmt::print(stderr, "\n");
    shown_ = false;
  }
  /// ", about N s left" from the share done so far and its time (padded, so that a shorter
  /// line covers a longer one), or nothing before there is a share to go by.
  static std::string left(double f, double s) {
    if (!(f > 0.01) || f >= 1.0) return "          ";
    return fmt::format(", about {:.0f} s left   ", s * (1.0 - f) / f);
  }
  /// Seconds since construction.
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0_).count();
  }

 private:
  std::string what_, unit_;
  std::chrono::steady_clock::time_point t0_;
  double last_ = 0;
  bool shown_ = false;
};

}  // namespace descent::cli
