// descent: optimizers that step each tensor whole. Where an elementwise rule (rule.hpp) updates
// one parameter from its own gradient, a tensor rule sees a whole tensor and its shape: its norms
// (LARS, LAMB, NovoGrad) or the matrix itself (Muon's orthogonalisation). It is declared like an
// elementwise rule, once, in its own header:
//   - `doc`, `Params` and `fields`, as rule.hpp describes them (one field with the
//     learning_rate() role);
//   - `arrays`, its state arrays (TensorArray: a name, and an Extent: one value per element, per
//     row, per column or per tensor; or, where a size depends on the settings, the rule's own
//     `static std::size_t array_size(p, a, shape)`: Adafactor keeps a full second moment only
//     for the tensors it does not factor);
//   - `update<T>(p, step, s...)`: one tensor's update in place, given the tensor (TensorStep: its
//     parameters, gradient, shape and the step number t, from 1) and a span of each state array
//     for this tensor;
//   - optionally `validate(p)`, a constraint between fields;
//   - optionally `static bool reads_hessian(const Params&, std::int64_t t)`: true on the steps t
//     where the rule reads the Hessian's diagonal (Sophia's refreshes). On those, the optimizer
//     calls its oracle (Optimizer::set_hessian_diagonal) at the point it steps from and gives each
//     tensor its piece in TensorStep::hessian; without an oracle it refuses to step.
// Tensorwise<R, T> makes it an Optimizer<T>; tensor_rule_info<R>() its registry entry. The layout
// of tensors comes from reset_shapes() (reset(n): one vector of n, an n x 1 matrix) and is kept in
// checkpoints; a step's tensors must match it, or be one span of the whole vector. Gradient
// preludes and schedules come from Wrapped around it, as for L-BFGS. Subnormal numbers are
// flushed to zero during the update (detail/flush_denormals.hpp).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/detail/flush_denormals.hpp"
#include "descent/error.hpp"
#include "descent/fields.hpp"
#include "descent/optimizer.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/registry.hpp"
#include "descent/rule.hpp"
#include "descent/wrapped.hpp"

namespace descent {

/// How many values a state array holds per tensor.
enum class Extent { elements, rows, cols, one };

/// One state array of a tensor rule, named for checkpoints; every tensor's piece, in order.
struct TensorArray {
  std::string_view name;
  Extent extent = Extent::elements;
};

/// The length of an array of extent `e` for a tensor of shape `s`.
constexpr std::size_t extent_size(Extent e, Shape s) {
  switch (e) {
    case Extent::rows:
      return s.rows;
    case Extent::cols:
      return s.cols;
    case Extent::one:
      return 1;
    case Extent::elements:
      break;
  }
  return s.size();
}

/// A tensor of shape `shape` cut into blocks of at most `size` x `size`, in row-major order: a
/// side longer than `size` into pieces of `size`, the last shorter (size 0: one block, the
/// tensor). Shampoo and SOAP step each block as a tensor of its own (`blocked`).
struct Blocks {
  Shape shape;
  std::size_t size = 0;

  /// The pieces a side of length n is cut into.
  constexpr std::size_t pieces(std::size_t n) const {
    return size > 0 && n > size ? (n + size - 1) / size : 1;
  }
  /// The length of piece i of a side of length n.
  constexpr std::size_t piece(std::size_t n, std::size_t i) const {
    return pieces(n) == 1 ? n : std::min(size, n - i * size);
  }
  constexpr std::size_t count() const { return pieces(shape.rows) * pieces(shape.cols); }
  /// Calls f(first row, first column, shape) for each block, in order (once for a tensor that is
  /// not cut, even an empty one).
  template <class F>
  constexpr void each(F&& f) const {
    for (std::size_t i = 0; i < pieces(shape.rows); ++i)
      for (std::size_t j = 0; j < pieces(shape.cols); ++j)
        f(i * size, j * size, Shape{piece(shape.rows, i), piece(shape.cols, j)});
  }
  /// The length of a factor array: for each block, n x n for its rows' side n (or its columns')
  /// where has(block's shape, n).
  template <class Has>
  constexpr std::size_t factor_size(bool rows, Has&& has) const {
    std::size_t n = 0;
    each([&](std::size_t, std::size_t, Shape b) {
      const std::size_t side = rows ? b.rows : b.cols;
      if (has(b, side)) n += side * side;
    });
    return n;
  }
};

/// The blocks of a tensor of shape `s` for a rule whose settings have `max_dim` and `blocked`
/// (Shampoo, SOAP): blocks of max_dim where blocked, else the tensor itself.
template <class P>
constexpr Blocks blocks_of(const P& p, Shape s) {
  return {s, p.blocked ? static_cast<std::size_t>(p.max_dim) : 0};
}

/// The length of a factor array of rule R (the rows' factors, or the columns'): for each block
/// (blocks_of), n x n for its side n where R::preconditioned(p, block's shape, n).
template <class R>
constexpr std::size_t factor_array_size(const typename R::Params& p, Shape s, bool rows) {
  return blocks_of(p, s).factor_size(
      rows, [&](Shape b, std::size_t n) { return R::preconditioned(p, b, n); });
}

/// The length of state array `a` of rule R for a tensor of shape `s` under settings `p`.
/// A rule's array_size must not depend on its learning rate (set_lr does not resize).
template <class R>
std::size_t rule_array_size(const typename R::Params& p, std::size_t a, Shape s) {
  if constexpr (requires { &R::array_size; }) {
    static_assert(
        requires {
          { R::array_size(p, a, s) } -> std::same_as<std::size_t>;
        },
        "a rule's array_size is static std::size_t array_size(const Params&, std::size_t, Shape)");
    return R::array_size(p, a, s);
  } else {
    return extent_size(R::arrays[a].extent, s);
  }
}

/// One tensor of a step.
template <class T>
struct TensorStep {
  std::span<T> w;        ///< its parameters, updated in place
  std::span<const T> g;  ///< the gradient at them
  Shape shape;           ///< rows x cols, row-major
  std::int64_t t = 1;    ///< the step being taken, from 1
  /// The Hessian's diagonal at w, for a rule that reads it on this step (reads_hessian); else
  /// empty.
  std::span<const T> hessian = {};
};

/// The Euclidean norm of `x`, summed in double.
template <class T>
double norm(std::span<const T> x) {
  double sum = 0.0;
  for (T v : x) sum += static_cast<double>(v) * v;
  return std::sqrt(sum);
}

/// LARS's and LAMB's trust ratio c |w| / (|u| + eps), or 1 where either norm is 0 (a tensor at 0,
/// or a step of 0), as optax's scale_by_trust_ratio takes it.
inline double trust_ratio(double w_norm, double u_norm, double c = 1.0, double eps = 0.0) {
  return w_norm == 0.0 || u_norm == 0.0 ? 1.0 : c * w_norm / (u_norm + eps);
}

namespace detail {
/// Visits a layout of tensors ("tensors", then each one's "tensorK.rows" and ".cols") and returns
/// it: `shapes` when saving, the saved layout when loading. Throws std::invalid_argument for a
/// saved layout whose sizes do not add up to n.
template <std::floating_point T>
std::vector<Shape> visit_layout(StateVisitor<T>& v, const std::vector<Shape>& shapes,
                                std::size_t n) {
  auto count = static_cast<std::int64_t>(shapes.size());
  v.integer("tensors", count);
  if (count < (n > 0 ? 1 : 0) || count > static_cast<std::int64_t>(std::max<std::size_t>(n, 1)))
    throw std::invalid_argument("bad tensor count " + std::to_string(count));
  std::vector<Shape> out(static_cast<std::size_t>(count));
  std::size_t total = 0;
  const auto limit = static_cast<std::int64_t>(n);
  for (std::size_t k = 0; k < out.size(); ++k) {
    const Shape now = k < shapes.size() ? shapes[k] : Shape{};
    auto rows = static_cast<std::int64_t>(now.rows), cols = static_cast<std::int64_t>(now.cols);
    v.integer("tensor" + std::to_string(k) + ".rows", rows);
    v.integer("tensor" + std::to_string(k) + ".cols", cols);
    if (rows < 0 || cols < 1 || rows > limit || cols > limit || rows * cols > limit)
      throw std::invalid_argument("bad shape of tensor " + std::to_string(k));
    out[k] = {static_cast<std::size_t>(rows), static_cast<std::size_t>(cols)};
    total += out[k].size();
  }
  if (total != n)
    throw std::invalid_argument("the tensors hold " + std::to_string(total) + " values, not " +
                                std::to_string(n));
  return out;
}
}  // namespace detail

/// What a tensor rule declares (see the header comment).
template <class R>
concept TensorRule = requires(const typename R::Params& p) {
  { R::doc } -> std::convertible_to<OptimizerDoc>;
  R::fields;
  { R::arrays[0] } -> std::convertible_to<TensorArray>;
};

/// The state of tensor rule R: the tensors' shapes, the steps taken and the state arrays.
template <TensorRule R, std::floating_point T>
struct TensorState {
  std::vector<Shape> shapes;
  std::int64_t step = 0;
  std::array<std::vector<T>, std::size(R::arrays)> arrays;

  /// The array called `name` (std::invalid_argument if the rule has none).
  const std::vector<T>& array(std::string_view name) const {
    for (std::size_t i = 0; i < arrays.size(); ++i)
      if (R::arrays[i].name == name) return arrays[i];
    throw std::invalid_argument("no state array '" + std::string(name) + "'");
  }
};

template <TensorRule R>
const OptimizerInfo& tensor_rule_info();

/// Whether tensor rule R reads the Hessian's diagonal (declares reads_hessian).
template <class R>
inline constexpr bool kReadsHessian = requires(const typename R::Params& p, std::int64_t t) {
  { R::reads_hessian(p, t) } -> std::same_as<bool>;
};

/// A tensor rule as an Optimizer<T>.
template <TensorRule R, std::floating_point T>
class Tensorwise final : public Optimizer<T> {
  static constexpr auto kLr =
      member_with_role<typename R::Params>(R::fields, FieldRole::learning_rate);
  static_assert(kLr != nullptr, "a rule declares its learning rate with learning_rate()");
  static constexpr std::size_t kArrays = std::size(R::arrays);

 public:
  using Params = typename R::Params;

  /// Throws InputError if a setting is out of range or a constraint between them is broken.
  explicit Tensorwise(const Params& params = {}) : p_(params) {
    const std::string owner = "optimizer '" + std::string(R::doc.name) + "'";
    check_params(owner, info().params, this->params());
    if (const std::string err = validate_rule<R>(p_); !err.empty())
      throw InputError(owner + ": " + err);
  }

  const OptimizerInfo& info() const override { return tensor_rule_info<R>(); }
  ParamSet params() const override { return to_param_set(p_, R::fields); }
  double lr() const override { return p_.*kLr; }
  void set_lr(double lr) override { p_.*kLr = lr; }
  void reset(std::size_t n) override {
    const Shape one{n, 1};
    reset_shapes(std::span<const Shape>(&one, 1));
  }
  void reset_shapes(std::span<const Shape> shapes) override {
    // Built aside (`shapes` may be s_.shapes; an allocation may fail), then moved in.
    s_ = fresh_state(std::vector<Shape>(shapes.begin(), shapes.end()));
  }
  void restart() override { reset_shapes(s_.shapes); }
  std::size_t size() const override { return length_of(Extent::elements); }

  void step(std::span<T> w, std::span<const T> g) override {
    detail::check_step_sizes(size(), w.size(), g.size());
    const TensorRef<T> one{w, g};
    step_tensors(std::span<const TensorRef<T>>(&one, 1));
  }
  /// The tensors must be those of the layout, or one span of the whole vector (split by it).
  void step_tensors(std::span<const TensorRef<T>> tensors) override {
    detail::check_tensors(size(), tensors);
    const bool whole = tensors.size() == 1 && s_.shapes.size() != 1;
    if (!whole) check_layout(tensors);
    std::span<const T> hessian;
    if constexpr (kReadsHessian<R>) hessian = hessian_diagonal(tensors, s_.step + 1);
    ++s_.step;
    const detail::FlushDenormals flush;  // see detail/flush_denormals.hpp
    std::array<std::size_t, kArrays> at{};
    std::size_t offset = 0;
    for (std::size_t k = 0; k < s_.shapes.size(); ++k) {
      const Shape shape = s_.shapes[k];
      const TensorRef<T> t = whole ? TensorRef<T>{tensors[0].param.subspan(offset, shape.size()),
                                                  tensors[0].grad.subspan(offset, shape.size())}
                                   : tensors[k];
      offset += shape.size();
      [&]<std::size_t... A>(std::index_sequence<A...>) {
        const std::span<const T> h =
            hessian.empty() ? hessian : hessian.subspan(offset - shape.size(), shape.size());
        R::template update<T>(p_, TensorStep<T>{t.param, t.grad, shape, s_.step, h},
                              piece<A>(at[A], shape)...);
      }
      (std::make_index_sequence<kArrays>{});
    }
  }

  /// The state holds the layout too: loading adopts the saved one (its sizes must add up to
  /// size(), else std::invalid_argument).
  void visit_state(StateVisitor<T>& v) override {
    std::int64_t step = s_.step;
    v.integer("step", step);
    if (step < 0 || step > (std::int64_t{1} << 53))
      throw std::invalid_argument("bad step count " + std::to_string(step));
    std::vector<Shape> shapes = detail::visit_layout(v, s_.shapes, size());
    if (shapes != s_.shapes) s_ = fresh_state(std::move(shapes));
    s_.step = step;
    for (std::size_t a = 0; a < kArrays; ++a) {
      v.array(R::arrays[a].name, s_.arrays[a]);
      if (s_.arrays[a].size() != length(s_.shapes, a))
        throw std::invalid_argument("state array '" + std::string(R::arrays[a].name) +
                                    "' of the wrong length");
    }
  }

  bool reads_hessian_diagonal() const override { return kReadsHessian<R>; }
  void set_hessian_diagonal(HessianDiagonal<T> oracle) override { oracle_ = std::move(oracle); }
  bool reads_hessian_diagonal_next() const override {
    if constexpr (kReadsHessian<R>)
      return R::reads_hessian(p_, s_.step + 1);
    else
      return false;
  }

  const Params& settings() const { return p_; }
  /// The state, for inspection.
  const TensorState<R, T>& state() const { return s_; }

 private:
  std::size_t length_of(Extent e) const {
    std::size_t n = 0;
    for (const Shape& s : s_.shapes) n += extent_size(e, s);
    return n;
  }
  std::size_t length(const std::vector<Shape>& shapes, std::size_t a) const {
    std::size_t n = 0;
    for (const Shape& s : shapes) n += rule_array_size<R>(p_, a, s);
    return n;
  }
  /// A state at step 0 for `shapes`, its arrays zero.
  TensorState<R, T> fresh_state(std::vector<Shape> shapes) const {
    TensorState<R, T> out;
    for (std::size_t a = 0; a < kArrays; ++a) out.arrays[a].assign(length(shapes, a), T(0));
    out.shapes = std::move(shapes);
    return out;
  }

  /// Array A's piece for a tensor of shape `shape` starting at `at`, which moves past it.
  template <std::size_t A>
  std::span<T> piece(std::size_t& at, Shape shape) {
    const std::size_t n = rule_array_size<R>(p_, A, shape);
    const std::span<T> out = std::span<T>(s_.arrays[A]).subspan(at, n);
    at += n;
    return out;
  }

  /// On a step t where the rule reads the Hessian's diagonal, the oracle's answer at the point
  /// the tensors hold (gathered into one vector), else empty. InputError without an oracle.
  std::span<const T> hessian_diagonal(std::span<const TensorRef<T>> tensors, std::int64_t t) {
    if (!R::reads_hessian(p_, t)) return {};
    if (!oracle_)
      throw InputError("optimizer '" + std::string(R::doc.name) +
                       "' reads the Hessian's diagonal, and nothing gives it here: run it on a "
                       "function with a Hessian (descent run, sweep, tune), or give an oracle "
                       "with set_hessian_diagonal()");
    point_.clear();
    for (const TensorRef<T>& r : tensors)
      point_.insert(point_.end(), r.param.begin(), r.param.end());
    hessian_.assign(point_.size(), T(0));
    oracle_(point_, hessian_);
    return hessian_;
  }

  void check_layout(std::span<const TensorRef<T>> tensors) const {
    bool same = tensors.size() == s_.shapes.size();
    for (std::size_t k = 0; same && k < tensors.size(); ++k)
      same = tensors[k].param.size() == s_.shapes[k].size();
    if (!same)
      throw std::invalid_argument("optimizer '" + std::string(R::doc.name) +
                                  "' step: " + std::to_string(tensors.size()) +
                                  " tensors that do not match the " +
                                  std::to_string(s_.shapes.size()) + " it was reset for");
  }

  Params p_;
  TensorState<R, T> s_;
  HessianDiagonal<T> oracle_;
  std::vector<T> point_, hessian_;  // the oracle's point and answer, kept between refreshes
};

namespace detail {
template <TensorRule R, std::floating_point T>
std::unique_ptr<Optimizer<T>> make_tensorwise(const OptimizerConfig& c) {
  auto opt =
      std::make_unique<Tensorwise<R, T>>(from_param_set<typename R::Params>(c.values(), R::fields));
  if (c.plain()) return opt;
  return std::make_unique<Wrapped<T>>(std::move(opt), c.preludes(), c.schedule());
}
}  // namespace detail

/// The one registry entry of tensor rule R. A configuration with preludes or a schedule makes the
/// rule's optimizer inside Wrapped.
template <TensorRule R>
const OptimizerInfo& tensor_rule_info() {
  static const OptimizerInfo info = [] {
    OptimizerInfo i = rule_entry<R>();
    i.elementwise = false;
    i.reads_hessian_diagonal = kReadsHessian<R>;
    i.make_double = [](const OptimizerConfig& c) { return detail::make_tensorwise<R, double>(c); };
    i.make_float = [](const OptimizerConfig& c) { return detail::make_tensorwise<R, float>(c); };
    return i;
  }();
  return info;
}

/// Adds tensor rule R (a project's own) to the registry. Throws std::invalid_argument if the name
/// is taken.
template <TensorRule R>
void register_tensor_rule() {
  register_optimizer(tensor_rule_info<R>());
}

}  // namespace descent
