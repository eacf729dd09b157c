#include <fmt/format.h>

#include "commands.hpp"
#include "descent/registry.hpp"
#include "descent/theory.hpp"
#include "experiment.hpp"
#include "report.hpp"

namespace descent::cli {

int analyze_command(const AnalyzeArgs& args) {
  const auto f = make_function(args.function);
  std::optional<std::vector<double>> at;
  if (args.at) at = parse_point(*args.at, "--at");
  const Analysis a = analyze(*f, at);
  fmt::print("{}", analysis_text(*f, a));
  return 0;
}

}  // namespace descent::cli
