// Private: the part of the sweep engine that `tune` shares.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "descent/optimizer.hpp"
#include "descent/sweep.hpp"

namespace descent::detail {

/// Makes the optimizer of cell `i` (the same as make_optimizer(specs[i])).
using OptimizerFactory = std::function<std::unique_ptr<Optimizer<double>>(std::size_t)>;

/// Runs every spec from every start (and, with noise, every noise seed) under `config`'s
/// function, noise, steps, tol and metric, and returns one cell per spec (its `values` empty).
/// Runs step in lanes where the method has a lane kernel and there is no noise (lane_engine.hpp),
/// else one at a time; either way each run is exactly run(). `progress(done, total)` counts
/// finished cells. `make`, if given, makes the cells' optimizers faster than parsing their specs.
std::vector<SweepCell> run_cells(const SweepConfig& config,
                                 const std::vector<std::vector<double>>& starts,
                                 const std::vector<std::string>& specs,
                                 const std::function<void(std::size_t, std::size_t)>& progress,
                                 const OptimizerFactory& make = {});

}  // namespace descent::detail
