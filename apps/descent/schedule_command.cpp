#include <fmt/format.h>

#include <fstream>
#include <string>
#include <vector>

#include "commands.hpp"
#include "descent/error.hpp"
#include "descent/params.hpp"
#include "descent/schedule.hpp"
#include "experiment.hpp"
#include "util/input_file.hpp"

namespace descent::cli {

int schedule_command(const ScheduleArgs& args) {
  auto schedule = make_schedule(args.spec);
  const double lr = parse_number(args.lr, "--lr");
  if (!(lr >= 0) || !std::isfinite(lr)) throw InputError("--lr: must be a finite number >= 0");
  const std::size_t steps = parse_count(args.steps, "--steps", kMaxSteps);
  std::vector<double> losses;
  if (!args.losses_file.empty()) {
    check_input_file(args.losses_file, "losses file", "a text file");
    std::ifstream in(args.losses_file);
    if (!in) throw InputError("cannot read losses file '" + args.losses_file + "'");
    std::string line;
    std::size_t line_no = 0;
    // The schedule sees one loss per step: later lines are not read.
    while (losses.size() < steps && std::getline(in, line)) {
      ++line_no;
      if (line.empty()) continue;
      losses.push_back(parse_number(line, args.losses_file + ":" + std::to_string(line_no)));
    }
  }
  std::string out = "step,lr\n";
  ScheduleState state;
  for (std::size_t t = 0; t < steps; ++t) {
    out += fmt::format("{},{}\n", t, format_double(schedule->lr(t, lr, state)));
    if (t < losses.size()) schedule->observe(t, losses[t], lr, state);
  }
  fmt::print("{}", out);
  return 0;
}

}  // namespace descent::cli
