// Reading the options `descent sweep` and `descent tune` share into their configurations.
#pragma once

#include "commands.hpp"
#include "descent/error.hpp"
#include "descent/parallel.hpp"
#include "descent/runner.hpp"
#include "descent/simd.hpp"
#include "descent/sweep.hpp"
#include "experiment.hpp"

namespace descent::cli {

/// Sets the function, start, steps, tol, metric, starts, seeds, noise, batch and seed of a
/// SweepConfig or TuneConfig from the command line, the thread count (--threads) of the pool and
/// the SIMD level (--simd). Throws InputError naming the option.
template <class Config>
void read_protocol(const ProtocolArgs& args, Config& c) {
  c.function = args.function;
  if (args.start) c.start = parse_point(*args.start, "--start");
  c.options.steps = parse_count(args.steps, "--steps", kMaxSteps);
  c.options.tol = parse_number(args.tol, "--tol");
  c.metric = parse_sweep_metric(args.metric);
  c.starts = parse_count(args.starts, "--starts", 1000);
  c.seeds = parse_count(args.seeds, "--seeds", 1000);
  c.noise = parse_number(args.noise, "--noise");
  c.batch = parse_count(args.batch, "--batch", 1'000'000);
  c.seed = parse_count(args.seed, "--seed", std::size_t{1} << 53);
  if (args.threads) set_threads(parse_thread_count(*args.threads));
  if (args.simd) {
    try {
      set_simd(parse_simd(*args.simd));
    } catch (const InputError& e) {
      throw InputError(std::string("--simd: ") + e.what());
    }
  }
}

}  // namespace descent::cli
