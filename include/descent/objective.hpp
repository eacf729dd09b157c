// descent: the objective interface (a differentiable function of a point of any dimension) and
// the registry's description of a function.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "descent/params.hpp"
#include "descent/shape.hpp"

namespace descent {

/// An axis-aligned box: where a function is plotted and where its interesting region lies.
struct Box {
  std::vector<double> lower;
  std::vector<double> upper;
};

/// A function f: R^n -> R with an exact gradient, evaluated in double.
class Objective {
 public:
  virtual ~Objective() = default;

  /// The dimension n of the points the function takes.
  virtual std::size_t dim() const = 0;
  /// The point's tensors, in order, as optimizers that step a tensor whole see them
  /// (Optimizer::reset_shapes): one vector of dim() unless the function says otherwise (a matrix
  /// function's W is one rows x cols matrix).
  virtual std::vector<Shape> shapes() const { return {Shape{dim(), 1}}; }
  /// f(x). `x` has dim() elements.
  virtual double value(std::span<const double> x) const;
  /// Writes the gradient of f at `x` into `g` (dim() elements) and returns f(x).
  virtual double value_and_gradient(std::span<const double> x, std::span<double> g) const = 0;
  /// Evaluates `lanes` points at once, stored as a structure of arrays: coordinate i of point j
  /// is x[i*lanes + j] and its gradient component g[i*lanes + j]; loss[j] receives f at point j.
  /// Every point gets bit for bit what value_and_gradient gives it. The default evaluates the
  /// points one at a time; functions whose formula vectorizes across points override it (the
  /// sweep engine calls it). Throws std::invalid_argument if a span is not the size it implies.
  virtual void value_and_gradient_lanes(std::size_t lanes, std::span<const double> x,
                                        std::span<double> loss, std::span<double> g) const;

  /// The canonical spec, e.g. "anisotropic:ratio=8".
  virtual std::string spec() const = 0;
  /// The formula in plain text, e.g. "w1^2 + 8*w2^2".
  virtual std::string formula() const = 0;
  /// Known global minimizers (empty if none are known).
  virtual std::vector<std::vector<double>> minimizers() const { return {}; }
  /// The known global minimum value, if known.
  virtual std::optional<double> minimum() const { return std::nullopt; }
  /// A conventional start point.
  virtual std::vector<double> default_start() const = 0;
  /// The box drawn by plots.
  virtual Box bounds() const = 0;

  /// Writes the Hessian at `x` into `h` (dim()*dim() elements, row-major) and returns true, or
  /// returns false if the function has none there (e.g. not twice differentiable).
  virtual bool hessian(std::span<const double> x, std::span<double> h) const {
    (void)x;
    (void)h;
    return false;
  }
  /// Where the function's random streams stand, for a function whose gradients are random
  /// (gradient noise, mini-batches): its settings and how many gradients it has drawn, e.g.
  /// "noise:sigma=0.5,seed=3,evaluations=12". Empty for a function with exact gradients. A
  /// checkpoint records it so that a resumed run draws what the uninterrupted run would have.
  virtual std::string random_state() const { return {}; }
  /// Puts the random streams where random_state() said they stood (replaying the draws since the
  /// seed). Throws InputError, changing nothing, if `state` is not a state of this function's
  /// streams: written by a function with other random settings (noise level, seed, batch size),
  /// with random gradients where this one has exact ones, or the other way round.
  virtual void set_random_state(std::string_view state) const;

  /// Why the value or gradient at `x` is not finite, when the function can tell (an expression:
  /// "log of a negative number at column 5"); empty otherwise.
  virtual std::string explain_non_finite(std::span<const double> x) const {
    (void)x;
    return {};
  }
};

/// The gradient callback of a user's function: writes the gradient at `x` into `g` (both of the
/// function's dimension) and returns the loss at `x`.
using GradientFunction = std::function<double(std::span<const double> x, std::span<double> g)>;

/// What a user's function may say about itself beyond its values (all optional).
struct ObjectiveInfo {
  std::string name = "objective";  ///< its spec, shown in reports
  std::string formula = "user-defined";
  std::vector<double> start = {};  ///< the default start (empty: the origin)
  Box bounds = {};                 ///< the plotted box (empty: start +- 1 per coordinate)
  std::vector<std::vector<double>> minimizers = {};  ///< known minimizers (for the metrics)
};

/// A user's function as an Objective, made by objective(): everything but the loss and gradient
/// comes from its ObjectiveInfo.
class FunctionObjective final : public Objective {
 public:
  FunctionObjective(GradientFunction fn, std::size_t dim, ObjectiveInfo info = {});
  std::size_t dim() const override { return dim_; }
  double value_and_gradient(std::span<const double> x, std::span<double> g) const override {
    return fn_(x, g);
  }
  std::string spec() const override { return info_.name; }
  std::string formula() const override { return info_.formula; }
  std::vector<std::vector<double>> minimizers() const override { return info_.minimizers; }
  std::vector<double> default_start() const override { return info_.start; }
  Box bounds() const override { return info_.bounds; }

 private:
  GradientFunction fn_;
  std::size_t dim_;
  ObjectiveInfo info_;
};

/// Wraps a callable `fn(x, g) -> loss` of `dim` coordinates as an Objective that run() takes:
///
///   auto f = descent::objective([](std::span<const double> x, std::span<double> g) {
///     g[0] = 2 * (x[0] - 3);
///     return (x[0] - 3) * (x[0] - 3);
///   }, 1);
///
/// Throws InputError if `fn` is empty, `dim` is 0, or the info's start, bounds or minimizers do
/// not have `dim` coordinates.
FunctionObjective objective(GradientFunction fn, std::size_t dim, ObjectiveInfo info = {});

namespace detail {
/// Throws std::invalid_argument unless value_and_gradient_lanes' spans have the sizes that `dim`
/// and `lanes` imply (x and g: dim*lanes, loss: lanes).
void check_lanes(std::size_t dim, std::size_t lanes, std::size_t x, std::size_t loss,
                 std::size_t g);
}  // namespace detail

/// What a function costs, known from its settings before it is built, so that work can be refused
/// before it starts (`descent serve` holds every request to a budget). Counts of arithmetic
/// operations are rough: within a small factor of what the function does.
struct FunctionCost {
  std::size_t dim = 2;      ///< coordinates
  double build = 0;         ///< operations to build it (its data, its minimizer)
  double memory = 0;        ///< bytes it holds once built, beyond a few hundred
  double evaluation = 100;  ///< operations of one value and gradient
};

/// The cost of an n-D function that holds nothing and spends `per_coordinate` operations on each
/// coordinate of an evaluation.
inline FunctionCost sized_cost(double n, double per_coordinate) {
  return {.dim = static_cast<std::size_t>(n), .evaluation = per_coordinate * n + 100};
}

/// The registry's description of one function: name in specs, a one-line doc, parameters, a
/// factory receiving values already checked against the parameters' ranges, and what the function
/// costs with given values (empty: a 2-D function of fixed, small cost).
struct FunctionInfo {
  std::string name;
  std::string doc;
  std::vector<ParamInfo> params;
  std::function<std::unique_ptr<Objective>(const ParamSet&)> make;
  std::function<FunctionCost(const ParamSet&)> cost = {};
};

}  // namespace descent
