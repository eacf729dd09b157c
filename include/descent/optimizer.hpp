// descent: the optimizer interface.
//
// Every optimizer comes in three layers, from the plainest to the most convenient:
//   1. `XxxParams`, a struct of hyperparameters with the defaults as member initializers;
//   2. `XxxState<T>`, a struct of arrays (one element per parameter), and a free function
//      `xxx_step(params, state, w, g)` that does one update in place over spans;
//   3. `Xxx<T>`, an `Optimizer<T>` that owns params and state, for code that picks an optimizer at
//      run time (the registry, the runner, the command-line program).
// T is float or double. Hyperparameters are always double; they are rounded to T once per step.
#pragma once

#include <concepts>
#include <cstddef>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "descent/params.hpp"

namespace descent {

template <std::floating_point T>
class Optimizer;

/// The registry's description of one optimizer: its name in specs, a one-line doc, where the
/// method comes from, its parameters, and factories for float and double instances. Factories
/// receive values already checked against the parameters' ranges.
struct OptimizerInfo {
  std::string name;
  std::string doc;
  std::string reference;
  std::vector<ParamInfo> params;
  std::function<std::unique_ptr<Optimizer<double>>(const ParamSet&)> make_double;
  std::function<std::unique_ptr<Optimizer<float>>(const ParamSet&)> make_float;
};

/// An optimizer with its state, stepping a parameter vector of fixed length in place.
template <std::floating_point T>
class Optimizer {
 public:
  virtual ~Optimizer() = default;

  /// The registry entry of this optimizer's kind.
  virtual const OptimizerInfo& info() const = 0;
  /// The hyperparameters of this instance, in the order of info().params.
  virtual ParamSet params() const = 0;
  /// The canonical spec, e.g. "momentum:lr=0.1,alpha=0.9": every parameter, in registry order.
  std::string spec() const { return format_spec(info().name, info().params, params()); }

  /// Sets the state to its initial value for `n` parameters. Must be called before step().
  virtual void reset(std::size_t n) = 0;
  /// The number of parameters the state was reset for.
  virtual std::size_t size() const = 0;
  /// One update: `w` is changed in place using the gradient `g` at `w`. Both spans must have
  /// size() elements; otherwise std::invalid_argument is thrown (a bug in the caller).
  virtual void step(std::span<T> w, std::span<const T> g) = 0;
};

namespace detail {
/// Throws std::invalid_argument unless w, g and the state all have n elements.
void check_step_sizes(std::size_t n, std::size_t w, std::size_t g);
}  // namespace detail

}  // namespace descent
