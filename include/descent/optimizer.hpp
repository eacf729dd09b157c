// descent: the optimizer interface.
//
// Every optimizer comes in three layers, from the plainest to the most convenient:
//   1. `XxxParams`, a struct of hyperparameters with the defaults as member initializers;
//   2. `XxxState<T>`, a struct of arrays (one element per parameter) and counters, and a free
//      function `xxx_step(params, state, tensors)` that does one update in place over a list of
//      (parameter, gradient) spans that together make the parameter vector;
//   3. `Xxx<T>`, an `Optimizer<T>` that owns params and state, for code that picks an optimizer at
//      run time (the registry, the runner, the command-line program).
// T is float or double. Hyperparameters are always double; step-level scalars (bias corrections)
// are computed once per step in double and rounded to T.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "descent/params.hpp"
#include "descent/shape.hpp"

namespace descent {

template <std::floating_point T>
class Optimizer;

/// One tensor of a model's parameter list: its parameters, changed in place by a step, and the
/// gradient at them (same length). A parameter vector may be given as many such pieces; the
/// optimizer's state is laid out as their concatenation, in order.
template <std::floating_point T>
struct TensorRef {
  std::span<T> param;
  std::span<const T> grad;
};

namespace detail {
/// Throws std::invalid_argument unless w and g both have n elements.
void check_step_sizes(std::size_t n, std::size_t w, std::size_t g);
/// Throws std::invalid_argument unless every tensor's param and grad have the same length and the
/// lengths sum to n.
void check_tensor_sizes(std::size_t n, std::span<const std::size_t> params,
                        std::span<const std::size_t> grads);
template <std::floating_point T>
void check_tensors(std::size_t n, std::span<const TensorRef<T>> tensors) {
  std::size_t total = 0;
  bool same = true;
  for (const TensorRef<T>& t : tensors) {
    total += t.param.size();
    same = same && t.param.size() == t.grad.size();
  }
  if (total == n && same) return;
  std::vector<std::size_t> params, grads;
  for (const TensorRef<T>& t : tensors) {
    params.push_back(t.param.size());
    grads.push_back(t.grad.size());
  }
  check_tensor_sizes(n, params, grads);
}
}  // namespace detail

class OptimizerConfig;

/// What can be applied to the gradient of any optimizer before its own rule, written in a spec as
/// extra keys ("adam:clip_norm=1,maximize=true"). Per step, in this order:
///     g <- clamp(g, -clip_value, clip_value)             (clip_value > 0; torch clip_grad_value_)
///     g <- g * clip_norm / ||g||  if ||g|| > clip_norm    (clip_norm > 0; torch clip_grad_norm_,
///                                                          without its 1e-6 added to the norm)
///     g <- -g, loss <- -loss                              (maximize; torch's maximize=True)
/// then the optimizer's coupled weight decay (g <- g + weight_decay*w) and its rule.
struct Preludes {
  bool maximize = false;    ///< ascend instead of descend
  double clip_value = 0.0;  ///< clamp each gradient component to [-clip_value, clip_value]; 0: off
  double clip_norm = 0.0;   ///< rescale the gradient to at most this Euclidean norm; 0: off

  bool any() const { return maximize || clip_value > 0 || clip_norm > 0; }
  bool operator==(const Preludes&) const = default;
};

/// The prelude keys every optimizer takes in a spec, with their defaults and ranges.
const std::vector<ParamInfo>& prelude_params();

/// The family of an optimizer, by how it chooses its step: `descent list --family NAME`, the docs
/// and the page group them this way.
enum class Family {
  classic,       ///< a step along the gradient or a momentum of it (SGD, heavy ball, Nesterov)
  adaptive,      ///< per-coordinate scaling by running statistics of g (AdaGrad, RMSProp, Adam)
  sign_based,    ///< steps of the gradient's (or a momentum's) sign (signSGD, Lion, Rprop)
  lr_free,       ///< no learning rate to tune, or no schedule (COCOB, Schedule-Free)
  second_order,  ///< curvature from gradient differences (L-BFGS)
  layerwise,     ///< each tensor stepped whole: by its norms (LARS, LAMB) or as a matrix (Muon)
  wrapper,       ///< around another optimizer
};

/// Every family, in the order listings show them.
inline constexpr Family kFamilies[] = {Family::classic, Family::adaptive,     Family::sign_based,
                                       Family::lr_free, Family::second_order, Family::layerwise,
                                       Family::wrapper};

/// "classic", "adaptive", "sign-based", "lr-free", "second-order" or "wrapper".
std::string_view to_string(Family f);

/// The family called `name` (as to_string writes it); InputError naming the valid ones if none is.
Family parse_family(std::string_view name);

/// The registry's description of one optimizer: its name in specs, its documentation, its
/// parameters, and factories for float and double instances of a configuration (whose values
/// are already validated).
struct OptimizerInfo {
  std::string name;
  std::string doc;        ///< one line
  std::string reference;  ///< where the method comes from
  std::string rule;       ///< the update rule, one line per step of it
  std::string differs;    ///< where torch.optim, optax and keras differ
  Family family = Family::classic;
  int year = 0;  ///< of the paper that introduced the method
  std::vector<ParamInfo> params;
  /// For an alias (`gd`), the name of the optimizer it makes; its instances report that name.
  std::string alias_of = {};
  /// True for methods that update each parameter from its own gradient and state alone, in one
  /// fused pass (every optimizer but L-BFGS); `descent bench` measures these.
  bool elementwise = false;
  /// A constraint between parameters that `values` break, named ("step_min must not exceed
  /// step_max"), or "". Empty function: the method has none.
  std::function<std::string(const ParamSet&)> validate;
  std::function<std::unique_ptr<Optimizer<double>>(const OptimizerConfig&)> make_double;
  std::function<std::unique_ptr<Optimizer<float>>(const OptimizerConfig&)> make_float;
  /// The most evaluations of the objective one step can make (a line search makes several), for
  /// estimating what a run costs before it starts.
  std::size_t evaluations_per_step = 1;
  /// True for methods that read the Hessian's diagonal (Sophia): they step only with an oracle
  /// of it (Optimizer::set_hessian_diagonal), which the runner gives on functions with a Hessian.
  bool reads_hessian_diagonal = false;
};

class Schedule;

/// An optimizer's canonical spec: "name:key=value,..." with every key of `info` in registry
/// order, the prelude keys that are set, then "@" and the schedule's spec (none if null).
std::string optimizer_spec(const OptimizerInfo& info, const ParamSet& values,
                           const Preludes& preludes, const Schedule* schedule);

/// Evaluates the objective at `w`: writes the gradient into `g` and returns the loss. Given to
/// optimizers that evaluate the objective inside a step (L-BFGS's line search).
template <std::floating_point T>
using Closure = std::function<double(std::span<const T> w, std::span<T> g)>;

/// Writes the diagonal of the objective's Hessian at `w`, or an estimate of it, into `h` (as long
/// as `w`). Given to optimizers that precondition by it (Sophia): the runner gives the exact
/// diagonal of a function that has a Hessian.
template <std::floating_point T>
using HessianDiagonal = std::function<void(std::span<const T> w, std::span<T> h)>;

/// Walks over every piece of an optimizer's state, by name, so that one function serves both
/// saving and loading a checkpoint. A loading visitor may assign to the references it is given.
template <std::floating_point T>
class StateVisitor {
 public:
  virtual ~StateVisitor() = default;
  virtual void array(std::string_view name, std::vector<T>& values) = 0;
  virtual void real(std::string_view name, double& value) = 0;
  virtual void integer(std::string_view name, std::int64_t& value) = 0;
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
  /// The canonical spec, e.g. "momentum:lr=0.1,alpha=0.9,dampening=0,weight_decay=0": every
  /// parameter in registry order, then any wrapper keys and "@schedule" (see wrapped.hpp).
  virtual std::string spec() const { return format_spec(info().name, info().params, params()); }

  /// The learning rate used by the next step.
  virtual double lr() const = 0;
  /// Changes the learning rate (schedules do this before each step). `lr` must be >= 0.
  virtual void set_lr(double lr) = 0;

  /// Sets the state to its initial value for `n` parameters. Must be called before stepping.
  virtual void reset(std::size_t n) = 0;
  /// Sets the state to its initial value for parameters made of tensors of these shapes, in
  /// order (a layer's weight, its bias, ...). Methods that step a tensor whole (tensorwise.hpp)
  /// keep the layout and split every later step by it; the others reset(n) for the total size.
  virtual void reset_shapes(std::span<const Shape> shapes) {
    std::size_t n = 0;
    for (const Shape& s : shapes) n += s.size();
    reset(n);
  }
  /// Back to the initial state for the layout of the last reset: reset_shapes() with the same
  /// shapes (what Lookahead's reset_state does at each synchronization).
  virtual void restart() { reset(size()); }
  /// The number of parameters the state was reset for.
  virtual std::size_t size() const = 0;
  /// One update: `w` is changed in place using the gradient `g` at `w`. Both spans must have
  /// size() elements; otherwise std::invalid_argument is thrown (a bug in the caller).
  virtual void step(std::span<T> w, std::span<const T> g) = 0;
  /// One update of a parameter vector given as a list of tensors (sizes summing to size(), each
  /// gradient as long as its parameters; else std::invalid_argument). Elementwise methods step
  /// every tensor in place in one pass, splitting large work across threads(); the default, for
  /// the others, gathers the tensors into one vector, calls step() and scatters the result.
  virtual void step_tensors(std::span<const TensorRef<T>> tensors) {
    gathered(tensors, [this](std::span<T> w, std::span<const T> g) { step(w, g); });
  }
  /// step_tensors() given also the loss at the point, for the methods that read it (see
  /// reads_loss()). Elementwise methods step the tensors in place and grouped ones give the loss
  /// to each group; the default gathers the tensors and calls step_with() without a closure.
  virtual void step_tensors_with(std::span<const TensorRef<T>> tensors, double loss) {
    gathered(tensors,
             [this, loss](std::span<T> w, std::span<const T> g) { step_with(w, g, loss, {}); });
  }
  /// Whether its steps must be given the loss (step_with(), step_tensors_with()): a schedule that
  /// lowers the rate when the loss stops falling (plateau) never moves without it, and a step size
  /// made from it (Polyak) cannot be taken (InputError). L-BFGS uses the loss where it is given
  /// and steps without it. A grouped step without the loss is refused, before any group moves,
  /// when a group's optimizer must be given it.
  virtual bool reads_loss() const { return false; }
  /// One update given also the loss at `w` and a way to evaluate the objective elsewhere. This is
  /// what the runner calls. Methods that need either (L-BFGS's line search, reduce-on-plateau
  /// schedules) override it; by default it is step(w, g).
  virtual void step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>& f) {
    (void)loss;
    (void)f;
    step(w, g);
  }
  /// A reason once the method has stopped by its own criterion (L-BFGS's tolerances); empty
  /// while it goes on. Steps after convergence leave `w` unchanged.
  virtual std::string converged() const { return {}; }
  /// Whether the method reads the Hessian's diagonal (Sophia), through the oracle given by
  /// set_hessian_diagonal(); its steps throw InputError until it has one.
  virtual bool reads_hessian_diagonal() const { return false; }
  /// The oracle of the Hessian's diagonal that such a method calls, at the point it steps from,
  /// on the steps where it refreshes its estimate. The others ignore it.
  virtual void set_hessian_diagonal(HessianDiagonal<T> oracle) { (void)oracle; }
  /// Whether the next step calls that oracle (one of Sophia's refreshes); true where unsure. A
  /// caller that must have the diagonal before anything moves (a grouped step) asks this.
  virtual bool reads_hessian_diagonal_next() const { return reads_hessian_diagonal(); }
  /// The method's answer at the point `w`, written to `x` (both size() long), for a method whose
  /// answer is not the point where it takes gradients (Schedule-Free's average x); returns false
  /// and writes nothing for the others, whose answer is `w` itself.
  virtual bool solution(std::span<const T> w, std::span<T> x) const {
    (void)w;
    (void)x;
    return false;
  }

  /// Visits the whole state (arrays and counters), for checkpoints.
  virtual void visit_state(StateVisitor<T>& visitor) = 0;

 private:
  /// Gathers the tensors into one vector, calls step(w, g) on it and scatters the result (one
  /// tensor is stepped in place).
  template <class Step>
  void gathered(std::span<const TensorRef<T>> tensors, Step step) {
    detail::check_tensors(size(), tensors);
    if (tensors.size() == 1) return step(tensors[0].param, tensors[0].grad);
    std::vector<T> w, g;
    w.reserve(size());
    g.reserve(size());
    for (const TensorRef<T>& t : tensors) {
      w.insert(w.end(), t.param.begin(), t.param.end());
      g.insert(g.end(), t.grad.begin(), t.grad.end());
    }
    step(std::span<T>(w), std::span<const T>(g));
    std::size_t at = 0;
    for (const TensorRef<T>& t : tensors) {
      std::copy_n(w.begin() + static_cast<std::ptrdiff_t>(at), t.param.size(), t.param.begin());
      at += t.param.size();
    }
  }
};

}  // namespace descent
