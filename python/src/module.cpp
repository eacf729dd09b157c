// descent._descent: the native half of the Python package (python/descent/ is the other).
//
//   Optimizer   one optimizer from its spec, stepping float32 or float64 numpy arrays in place
//               (one array, or a list of arrays stepped as parameter groups of one state), with
//               its learning rate, its state as a dict of arrays and numbers, and its registry
//               entry
//   api         the JSON API of `descent serve` (docs/api.md) as a call: method, path and body
//               in, status and body out, with no limit but the machine's
//   render      a figure of paths on a 2-D function as PNG, SVG or PDF bytes
//   catalog     the registry's optimizers and functions
//
// Every InputError becomes ValueError with the same message the command line prints.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "api.hpp"
#include "descent/error.hpp"
#include "descent/objective.hpp"
#include "descent/optimizer.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/parallel.hpp"
#include "descent/plot/figures.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"
#include "descent/schedule.hpp"
#include "descent/sweep.hpp"
#include "descent/tune.hpp"
#include "run_json.hpp"
#include "tune_json.hpp"

namespace nb = nanobind;
using json = nlohmann::json;

namespace {

template <class T>
using Array = nb::ndarray<T, nb::numpy, nb::c_contig, nb::device::cpu>;
template <class T>
using ReadOnly = nb::ndarray<const T, nb::c_contig, nb::device::cpu>;

// The limits of `descent serve` are for a server; a program's own calls have none.
descent::cli::ApiLimits unlimited() {
  descent::cli::ApiLimits l;
  l.max_body = std::numeric_limits<std::size_t>::max() / 2;
  l.max_steps = 1'000'000'000;
  l.max_optimizers = 1u << 20;
  l.max_sweep_cells = std::size_t{1} << 40;
  l.max_sweep_steps = 1'000'000'000;
  l.max_sweep_work = 1e300;
  l.max_surface_resolution = 1u << 20;
  l.max_dim = std::size_t{1} << 40;
  l.max_memory = 1e300;
  l.max_work = 1e300;
  l.max_answer_values = std::size_t{1} << 40;
  l.time_budget = std::chrono::hours(24 * 365 * 100);  // a century: no budget, without overflow
  return l;
}

// Collects an optimizer's state (arrays copied out) or puts it back from a dict.
template <class T>
class DictVisitor final : public descent::StateVisitor<T> {
 public:
  explicit DictVisitor(nb::dict* out) : out_(out) {}
  explicit DictVisitor(const nb::dict& in, bool) : in_(&in) {}
  void array(std::string_view name, std::vector<T>& values) override {
    const nb::str key(name.data(), name.size());
    if (out_ != nullptr) {
      T* copy = new T[values.size()];
      std::copy(values.begin(), values.end(), copy);
      nb::capsule owner(copy, [](void* p) noexcept { delete[] static_cast<T*>(p); });
      (*out_)[key] = nb::cast(Array<T>(copy, {values.size()}, owner));
      return;
    }
    if (!in_->contains(key))
      throw descent::InputError("the state lacks '" + std::string(name) + "'");
    const auto a = nb::cast<ReadOnly<T>>((*in_)[key]);
    if (a.size() != values.size())
      throw descent::InputError("the state's '" + std::string(name) + "' has " +
                                std::to_string(a.size()) + " values where the optimizer holds " +
                                std::to_string(values.size()));
    std::copy(a.data(), a.data() + a.size(), values.begin());
  }
  void real(std::string_view name, double& value) override { scalar(name, value); }
  void integer(std::string_view name, std::int64_t& value) override { scalar(name, value); }

 private:
  template <class V>
  void scalar(std::string_view name, V& value) {
    const nb::str key(name.data(), name.size());
    if (out_ != nullptr) {
      (*out_)[key] = value;
      return;
    }
    if (!in_->contains(key))
      throw descent::InputError("the state lacks '" + std::string(name) + "'");
    value = nb::cast<V>((*in_)[key]);
  }
  nb::dict* out_ = nullptr;
  const nb::dict* in_ = nullptr;
};

// One optimizer, made for the element type of the first arrays it steps. A step runs without
// the GIL; a mutex keeps another thread's reset, load or read from the state meanwhile.
class PyOptimizer {
 public:
  explicit PyOptimizer(const std::string& spec)
      : spec_(spec), f64_(descent::make_optimizer<double>(spec)) {
    spec_ = f64_->spec();
  }

  const std::string& spec() const { return spec_; }
  const std::string& name() const { return f64_->info().name; }
  std::string dtype() const { return f32_ ? "float32" : (started_ ? "float64" : ""); }
  std::size_t size() {
    const auto lock = hold();
    return started_ ? (f32_ ? f32_->size() : f64_->size()) : 0;
  }
  double lr() {
    const auto lock = hold();
    return f32_ ? f32_->lr() : f64_->lr();
  }
  // Whether the next step reads the Hessian's diagonal (Sophia: on steps 1, 1 + k, ...).
  bool reads_hessian_diagonal_next() {
    const auto lock = hold();
    return f32_ ? f32_->reads_hessian_diagonal_next() : f64_->reads_hessian_diagonal_next();
  }
  static void check_lr(double lr) {
    if (!(lr >= 0) || !std::isfinite(lr))
      throw descent::InputError("lr: must be a number >= 0, not " + std::to_string(lr));
  }
  void set_lr(double lr) {
    check_lr(lr);
    const auto lock = hold();
    if (f32_) f32_->set_lr(lr);
    f64_->set_lr(lr);
  }

  // Steps the arrays of `params` (an array or a list of arrays) along `grads` (the same shapes),
  // in place. The first call fixes the element type and the number of values.
  void step(nb::handle params, nb::handle grads, std::optional<double> loss,
            nb::object hessian_diagonal) {
    refuse_inside_step();
    const bool many = nb::isinstance<nb::list>(params) || nb::isinstance<nb::tuple>(params);
    std::vector<nb::handle> ps, gs;
    if (many) {
      for (nb::handle p : params) ps.push_back(p);
      for (nb::handle g : grads) gs.push_back(g);
    } else {
      ps.push_back(params);
      gs.push_back(grads);
    }
    if (ps.size() != gs.size() || ps.empty())
      throw descent::InputError("step: give as many gradients as parameter arrays (" +
                                std::to_string(ps.size()) + " and " + std::to_string(gs.size()) +
                                ")");
    if (nb::isinstance<ReadOnly<float>>(ps[0]))
      step_as<float>(ps, gs, loss, hessian_diagonal);
    else if (nb::isinstance<ReadOnly<double>>(ps[0]))
      step_as<double>(ps, gs, loss, hessian_diagonal);
    else
      throw descent::InputError(
          "step: the parameters must be C-contiguous float32 or float64 numpy arrays on the CPU");
  }

  void reset() {
    const auto lock = hold();
    started_ = false;
    f32_.reset();
    const double lr = f64_->lr();
    f64_ = descent::make_optimizer<double>(spec_);
    f64_->set_lr(lr);
  }

  nb::dict state() {
    const auto lock = hold();
    nb::dict out;
    out["spec"] = spec_;
    out["dtype"] = dtype();
    out["size"] = started_ ? (f32_ ? f32_->size() : f64_->size()) : 0;
    out["lr"] = f32_ ? f32_->lr() : f64_->lr();
    if (!started_) return out;
    nb::list shapes;
    for (const descent::Shape& sh : shapes_) shapes.append(nb::make_tuple(sh.rows, sh.cols));
    out["shapes"] = shapes;
    nb::dict arrays;
    if (f32_) {
      DictVisitor<float> v(&arrays);
      f32_->visit_state(v);
    } else {
      DictVisitor<double> v(&arrays);
      f64_->visit_state(v);
    }
    out["state"] = arrays;
    return out;
  }

  // Loads into new optimizers and keeps them only when the whole state fits: a state that does
  // not leaves this one as it was.
  void load_state(const nb::dict& in) {
    try {
      const std::string spec = nb::cast<std::string>(in["spec"]);
      if (spec != spec_)
        throw descent::InputError("the state is of '" + spec + "', not of '" + spec_ + "'");
      const std::string type = nb::cast<std::string>(in["dtype"]);
      const std::size_t n = nb::cast<std::size_t>(in["size"]);
      // The arrays' shapes (a state saved before they were kept: one vector of n).
      std::vector<descent::Shape> shapes;
      if (in.contains("shapes")) {
        for (nb::handle sh : nb::cast<nb::list>(in["shapes"])) {
          const auto pair = nb::cast<nb::tuple>(sh);
          if (nb::len(pair) != 2)
            throw descent::InputError("the state's shapes must be (rows, cols) pairs");
          shapes.push_back({nb::cast<std::size_t>(pair[0]), nb::cast<std::size_t>(pair[1])});
        }
      } else {
        shapes.push_back({n, 1});
      }
      std::size_t total = 0;
      for (const descent::Shape& sh : shapes) total += sh.size();
      if (total != n)
        throw descent::InputError("the state's shapes hold " + std::to_string(total) +
                                  " values, its size is " + std::to_string(n));
      auto f64 = descent::make_optimizer<double>(spec_);
      std::unique_ptr<descent::Optimizer<float>> f32;
      const double lr = in.contains("lr") ? nb::cast<double>(in["lr"]) : f64->lr();
      check_lr(lr);
      f64->set_lr(lr);
      if (!type.empty()) {
        if (type != "float32" && type != "float64")
          throw descent::InputError("the state's dtype '" + type + "' is not float32 or float64");
        const nb::dict arrays = nb::cast<nb::dict>(in["state"]);
        if (type == "float32") {
          f32 = descent::make_optimizer<float>(spec_);
          f32->set_lr(lr);
          f32->reset_shapes(shapes);
          DictVisitor<float> v(arrays, true);
          f32->visit_state(v);
        } else {
          f64->reset_shapes(shapes);
          DictVisitor<double> v(arrays, true);
          f64->visit_state(v);
        }
      }
      const auto lock = hold();
      f64_ = std::move(f64);
      f32_ = std::move(f32);
      shapes_ = std::move(shapes);
      started_ = !type.empty();
    } catch (const nb::cast_error&) {
      throw descent::InputError(
          "the state is not one that state_dict() gave: a dict of spec, dtype, size, lr and "
          "state (arrays and numbers)");
    } catch (const nb::python_error& e) {
      throw descent::InputError(std::string("the state is not one that state_dict() gave: ") +
                                e.what());
    }
  }

 private:
  // Waits for a step in another thread to end, without holding the GIL meanwhile.
  std::unique_lock<std::mutex> hold() {
    refuse_inside_step();
    std::unique_lock<std::mutex> lock(mutex_, std::defer_lock);
    if (!lock.try_lock()) {
      nb::gil_scoped_release unlocked;
      lock.lock();
    }
    return lock;
  }

  // The first step fixes the layout: each array's shape (what a layer-wise method such as Muon,
  // Shampoo or SOAP steps by; elementwise methods see the total only).
  void start(bool single, const std::vector<descent::Shape>& shapes) {
    if (single) {
      f32_ = descent::make_optimizer<float>(spec_);
      f32_->set_lr(f64_->lr());
      f32_->reset_shapes(shapes);
    } else {
      f64_->reset_shapes(shapes);
    }
    shapes_ = shapes;
    started_ = true;
  }

  template <class A, class B>
  static bool same_shape(const A& a, const B& b) {
    if (a.ndim() != b.ndim()) return false;
    for (std::size_t i = 0; i < a.ndim(); ++i)
      if (a.shape(i) != b.shape(i)) return false;
    return true;
  }
  // An array's shape as numpy writes it: (3, 2), (4,), ().
  template <class A>
  static std::string shape_text(const A& a) {
    std::string out = "(";
    for (std::size_t i = 0; i < a.ndim(); ++i) out += (i ? ", " : "") + std::to_string(a.shape(i));
    return out + (a.ndim() == 1 ? ",)" : ")");
  }
  // An array as the optimizers see it: a vector (n x 1), a matrix, or an array of higher rank as
  // the matrix of its first dimension by the rest (a convolution's kernel, out x in*kh*kw).
  template <class A>
  static descent::Shape shape_of(const A& a) {
    if (a.ndim() == 0) return {1, 1};
    if (a.ndim() == 1 || a.shape(0) == 0) return {a.size(), 1};
    return {a.shape(0), a.size() / a.shape(0)};
  }

  // The oracle of the Hessian's diagonal for a method that reads it: `fn` (a Python callable)
  // called with the point as one float64 vector, answering the diagonal as one array as long.
  template <class T>
  static descent::HessianDiagonal<T> python_oracle(nb::object fn) {
    return [fn](std::span<const T> w, std::span<T> h) {
      const nb::gil_scoped_acquire held;
      const std::size_t n = w.size();
      double* copy = new double[n];  // the function may keep the array
      std::copy(w.begin(), w.end(), copy);
      nb::capsule owner(copy, [](void* q) noexcept { delete[] static_cast<double*>(q); });
      const nb::object out = fn(Array<double>(copy, {n}, owner));
      const auto answer = nb::cast<nb::ndarray<const double, nb::c_contig, nb::device::cpu>>(
          nb::module_::import_("numpy").attr("ascontiguousarray")(out, "float64"));
      if (answer.size() != n)
        throw descent::InputError("hessian_diagonal: gave " + std::to_string(answer.size()) +
                                  " values for a point of " + std::to_string(n));
      for (std::size_t i = 0; i < n; ++i) h[i] = static_cast<T>(answer.data()[i]);
    };
  }

  template <class T>
  void step_as(const std::vector<nb::handle>& ps, const std::vector<nb::handle>& gs,
               std::optional<double> loss, nb::object hessian_diagonal) {
    const char* want = std::is_same_v<T, float> ? "float32" : "float64";
    std::vector<Array<T>> p;
    std::vector<ReadOnly<T>> g;
    std::vector<descent::Shape> shapes;
    std::size_t n = 0;
    for (std::size_t k = 0; k < ps.size(); ++k) {
      if (!nb::isinstance<Array<T>>(ps[k]))
        throw descent::InputError(
            std::string("step: parameter array ") + std::to_string(k) +
            (nb::isinstance<ReadOnly<T>>(ps[k])
                 ? " is read-only"
                 : std::string(" is not a C-contiguous ") + want + " numpy array"));
      if (!nb::isinstance<ReadOnly<T>>(gs[k]))
        throw descent::InputError(std::string("step: gradient ") + std::to_string(k) +
                                  " is not a C-contiguous " + want + " array");
      p.push_back(nb::cast<Array<T>>(ps[k]));
      g.push_back(nb::cast<ReadOnly<T>>(gs[k]));
      if (p.back().size() != g.back().size())
        throw descent::InputError("step: parameter array " + std::to_string(k) + " has " +
                                  std::to_string(p.back().size()) + " values and its gradient " +
                                  std::to_string(g.back().size()));
      // The same shape too: a method that reads a matrix's rows and columns (Muon, Shampoo)
      // would read a transposed gradient in the parameter's layout.
      if (!same_shape(p.back(), g.back()))
        throw descent::InputError("step: parameter array " + std::to_string(k) + " has shape " +
                                  shape_text(p.back()) + " and its gradient " +
                                  shape_text(g.back()));
      n += p.back().size();
      shapes.push_back(shape_of(p.back()));
    }
    // A schedule that reads the loss (plateau) would never move without it, and Polyak's step
    // cannot be taken: such steps are refused.
    if (f64_->reads_loss() && !loss)
      throw descent::InputError("step: " + spec_ +
                                " reads the loss at each step (a schedule that lowers the rate "
                                "when it stops falling, or a step size made from it): give the "
                                "loss (step(..., loss=f), or a closure in descent.torch)");
    const bool given = !hessian_diagonal.is_none();
    if (given && !PyCallable_Check(hessian_diagonal.ptr()))
      throw descent::InputError("hessian_diagonal: must be a function of the point, not " +
                                nb::cast<std::string>(nb::str(hessian_diagonal.type())));
    // Checked before the first step fixes the layout, so that a refused step changes nothing.
    if (f64_->reads_hessian_diagonal() && !given)
      throw descent::InputError("step: " + f64_->info().name +
                                " reads the Hessian's diagonal: pass hessian_diagonal=f, with "
                                "f(w) the diagonal at the point w (one vector of the arrays' "
                                "values, in order)");
    // The arrays stay referenced by p and g, so their memory outlives the step without the GIL.
    nb::gil_scoped_release unlocked;
    const std::lock_guard<std::mutex> lock(mutex_);
    // This thread steps: hessian_diagonal may not use this optimizer meanwhile (refused, where
    // it would wait for itself).
    struct Stepping {
      std::atomic<std::thread::id>& id;
      explicit Stepping(std::atomic<std::thread::id>& i) : id(i) {
        id = std::this_thread::get_id();
      }
      ~Stepping() { id = std::thread::id(); }
    } stepping(stepping_);
    if (!started_) start(std::is_same_v<T, float>, shapes);
    if ((f32_ != nullptr) != std::is_same_v<T, float>)
      throw descent::InputError(std::string("step: this optimizer steps ") + dtype() +
                                " arrays, not " + want + " (reset() to start afresh)");
    descent::Optimizer<T>& o = opt<T>();
    // The oracle, for this step only (it refers to a Python object).
    struct Oracle {
      descent::Optimizer<T>& o;
      bool set = false;
      ~Oracle() {
        if (!set) return;
        const nb::gil_scoped_acquire held;  // drops the Python reference
        o.set_hessian_diagonal({});
      }
    } oracle{o};
    if (given) {
      const nb::gil_scoped_acquire held;  // copies a Python reference
      o.set_hessian_diagonal(python_oracle<T>(hessian_diagonal));
      oracle.set = true;
    }
    if (n != o.size())
      throw descent::InputError("step: " + std::to_string(n) +
                                " values where the optimizer holds " + std::to_string(o.size()) +
                                " (reset() to start on new arrays)");
    if (shapes != shapes_ && !o.info().elementwise)
      throw descent::InputError("step: " + o.info().name +
                                " steps each array by its shape, and these arrays are not "
                                "shaped as at the first step (reset() to start on new arrays)");
    std::vector<descent::TensorRef<T>> t;
    for (std::size_t k = 0; k < p.size(); ++k)
      t.push_back(
          {std::span<T>(p[k].data(), p[k].size()), std::span<const T>(g[k].data(), g[k].size())});
    if (loss)
      o.step_tensors_with(t, *loss);
    else
      o.step_tensors(t);
  }

  template <class T>
  descent::Optimizer<T>& opt() {
    if constexpr (std::is_same_v<T, float>)
      return *f32_;
    else
      return *f64_;
  }

  std::string spec_;
  std::unique_ptr<descent::Optimizer<double>> f64_;
  std::unique_ptr<descent::Optimizer<float>> f32_;
  std::vector<descent::Shape> shapes_;
  bool started_ = false;
  std::mutex mutex_;
  std::atomic<std::thread::id> stepping_{};  // the thread inside step_as, if any

  void refuse_inside_step() const {
    if (stepping_.load() == std::this_thread::get_id())
      throw descent::InputError(
          "this optimizer is taking a step: hessian_diagonal must not use it (its state, lr or "
          "step) meanwhile");
  }
};

json param_json(const descent::ParamInfo& p) {
  json j = {{"name", p.name},
            {"default", p.default_value},
            {"range", p.range_text()},
            {"doc", p.doc},
            {"log_scale", p.log_scale}};
  if (!p.choices.empty()) j["choices"] = p.choices;
  if (!p.default_list.empty()) j["default"] = p.default_list;
  return j;
}

// The registry as JSON text: {"optimizers": [...], "functions": [...]}.
std::string catalog() {
  json opts = json::array();
  for (const descent::OptimizerInfo* o : descent::optimizer_catalog()) {
    json params = json::array();
    for (const auto& p : o->params) params.push_back(param_json(p));
    opts.push_back({{"name", o->name},
                    {"doc", o->doc},
                    {"rule", o->rule},
                    {"reference", o->reference},
                    {"differs", o->differs},
                    {"family", std::string(descent::to_string(o->family))},
                    {"alias_of", o->alias_of},
                    {"elementwise", o->elementwise},
                    {"evaluations_per_step", o->evaluations_per_step},
                    {"reads_hessian_diagonal", o->reads_hessian_diagonal},
                    {"params", params}});
  }
  return json{{"optimizers", opts}}.dump();
}

// A figure of paths on a 2-D function: each path a label and its points (k x 2).
nb::bytes render(const std::string& kind, const std::string& function,
                 const std::vector<std::tuple<std::string, std::vector<std::vector<double>>,
                                              std::vector<double>, bool>>& paths,
                 const std::string& format) {
  const auto f = descent::make_function(function);
  descent::plot::Scene scene;
  scene.function = f.get();
  for (const auto& [label, points, loss, diverged] : paths) {
    descent::plot::Path p;
    p.label = label;
    p.diverged = diverged;
    p.trajectory.dim = f->dim();
    for (std::size_t k = 0; k < points.size(); ++k) {
      if (points[k].size() != f->dim())
        throw descent::InputError("a path's point has " + std::to_string(points[k].size()) +
                                  " coordinates; the function takes " + std::to_string(f->dim()));
      p.trajectory.steps.push_back(k);
      p.trajectory.points.insert(p.trajectory.points.end(), points[k].begin(), points[k].end());
      p.trajectory.loss.push_back(k < loss.size() ? loss[k] : f->value(points[k]));
    }
    scene.paths.push_back(std::move(p));
  }
  const std::string bytes = descent::plot::render(descent::plot::parse_kind(kind), scene,
                                                  descent::plot::parse_format(format));
  return nb::bytes(bytes.data(), bytes.size());
}

// Runs each optimizer on a Python function `fn(w) -> (value, gradient)` from `start`, and answers
// as POST /api/run does (JSON text). The function is called with the GIL held, one point at a
// time; an exception it raises ends the run and reaches the caller unchanged.
std::string run_callable(const nb::callable& fn, const std::string& name,
                         const std::vector<double>& start, const std::vector<std::string>& specs,
                         std::size_t steps, double tol) {
  const std::size_t dim = start.size();
  if (dim == 0) throw descent::InputError("start: a Python function needs a start point");
  if (specs.empty()) throw descent::InputError("optimizers: give at least one");
  descent::GradientFunction gradient = [&fn, dim](std::span<const double> x,
                                                  std::span<double> g) -> double {
    double* copy = new double[dim];
    std::copy(x.begin(), x.end(), copy);
    nb::capsule owner(copy, [](void* p) noexcept { delete[] static_cast<double*>(p); });
    const nb::object out = fn(Array<double>(copy, {dim}, owner));
    const char* shape = "the function must return (value, gradient): a number and float64 values";
    if (!nb::isinstance<nb::tuple>(out) || nb::len(out) != 2) throw descent::InputError(shape);
    const nb::tuple pair = nb::borrow<nb::tuple>(out);
    double value = 0;
    ReadOnly<double> grad;
    if (!nb::try_cast(pair[0], value) || !nb::try_cast(pair[1], grad))
      throw descent::InputError(shape);
    if (grad.size() != dim)
      throw descent::InputError("the function's gradient has " + std::to_string(grad.size()) +
                                " values at a point of " + std::to_string(dim));
    std::copy(grad.data(), grad.data() + dim, g.begin());
    return value;
  };
  descent::ObjectiveInfo info;
  info.name = name;
  info.formula = "a Python function";
  info.start = start;
  const descent::FunctionObjective f = descent::objective(gradient, dim, info);
  descent::RunOptions options;
  options.steps = steps;
  options.tol = tol;
  json results = json::array();
  for (const std::string& spec : specs) {
    const auto o = descent::make_optimizer<double>(spec);
    const descent::RunResult r = descent::run(f, *o, start, options);
    results.push_back(descent::cli::run_result_json(r, f, descent::cli::RunJsonLayout::api));
  }
  return json{{"function", name}, {"formula", info.formula}, {"start", start}, {"results", results}}
      .dump();
}

// `descent tune`'s search (descent/tune.hpp), answered as its tune.json (JSON text).
std::string tune(const std::string& function, const std::vector<double>& start,
                 const std::vector<std::string>& optimizers, const std::vector<std::string>& keys,
                 std::size_t budget, const std::string& search, std::size_t steps, double tol,
                 const std::string& metric, std::size_t starts, std::size_t seeds, double noise,
                 std::size_t batch, std::uint64_t seed) {
  descent::TuneConfig c;
  c.function = function;
  c.start = start;
  for (const std::string& spec : optimizers)
    c.optimizers.push_back(descent::OptimizerConfig::parse(spec));
  c.keys = keys;
  c.budget = budget;
  c.search = descent::parse_tune_search(search);
  c.options.steps = steps;
  c.options.tol = tol;
  c.metric = descent::parse_sweep_metric(metric);
  c.starts = starts;
  c.seeds = seeds;
  c.noise = noise;
  c.batch = batch;
  c.seed = seed;
  descent::check_tune(c);
  const descent::TuneResult r = [&] {
    nb::gil_scoped_release unlocked;
    return descent::tune(c);
  }();
  return descent::cli::tune_json(r, *descent::make_function(function)).dump();
}

// The C++ step alone, for the Python call's overhead (bench/python_step.py): seconds per step of
// `spec` on n float64 values, over `calls` steps.
double bench_step(const std::string& spec, std::size_t n, std::size_t calls) {
  const auto o = descent::make_optimizer<double>(spec);
  o->reset(n);
  std::vector<double> w(n, 1.0), g(n, 1e-3);
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t k = 0; k < calls; ++k) o->step(w, g);
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!std::isfinite(w[0])) throw descent::InputError("the benchmark's steps diverged");
  return s / static_cast<double>(calls);
}

// The class bad input raises: descent.DescentError (a ValueError), which the package hands over
// once it is defined (set_error_class); ValueError before that. A reference kept for the life
// of the process.
PyObject* g_error_class = PyExc_ValueError;

}  // namespace

NB_MODULE(_descent, m) {
  m.doc() = "descent's native module: optimizers on numpy arrays, the JSON API, figures";
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const descent::InputError& e) {
      PyErr_SetString(g_error_class, e.what());
    } catch (const std::invalid_argument& e) {
      PyErr_SetString(g_error_class, e.what());
    }
  });
  m.def(
      "set_error_class",
      [](nb::handle cls) {
        if (!PyType_Check(cls.ptr()) || !PyObject_IsSubclass(cls.ptr(), PyExc_ValueError))
          throw descent::InputError("set_error_class: give a subclass of ValueError");
        g_error_class = cls.inc_ref().ptr();
      },
      nb::arg("cls"), "Makes bad input raise `cls` (descent.DescentError) instead of ValueError.");
  nb::class_<PyOptimizer>(m, "Optimizer")
      .def(nb::init<const std::string&>(), nb::arg("spec"))
      .def_prop_ro("spec", &PyOptimizer::spec)
      .def_prop_ro("name", &PyOptimizer::name)
      .def_prop_ro("dtype", &PyOptimizer::dtype)
      .def_prop_ro("size", &PyOptimizer::size)
      .def_prop_rw("lr", &PyOptimizer::lr, &PyOptimizer::set_lr)
      .def_prop_ro("reads_hessian_diagonal_next", &PyOptimizer::reads_hessian_diagonal_next)
      .def("step", &PyOptimizer::step, nb::arg("params"), nb::arg("grads"),
           nb::arg("loss") = nb::none(), nb::arg("hessian_diagonal") = nb::none())
      .def("reset", &PyOptimizer::reset)
      .def("state", &PyOptimizer::state)
      .def("load_state", &PyOptimizer::load_state, nb::arg("state"));
  m.def(
      "api",
      [](const std::string& method, const std::string& path, const std::string& body) {
        const descent::cli::ApiResponse r = [&] {
          nb::gil_scoped_release unlocked;
          return descent::cli::handle_api(method, path, body, unlimited());
        }();
        return std::make_tuple(r.status, r.body);
      },
      nb::arg("method"), nb::arg("path"), nb::arg("body") = "");
  m.def("catalog", &catalog);
  m.def("tune", &tune, nb::arg("function"), nb::arg("start"), nb::arg("optimizers"),
        nb::arg("keys"), nb::arg("budget"), nb::arg("search"), nb::arg("steps"), nb::arg("tol"),
        nb::arg("metric"), nb::arg("starts"), nb::arg("seeds"), nb::arg("noise"), nb::arg("batch"),
        nb::arg("seed"));
  m.def("run_callable", &run_callable, nb::arg("fn"), nb::arg("name"), nb::arg("start"),
        nb::arg("optimizers"), nb::arg("steps"), nb::arg("tol"));
  m.def(
      "bench_step", &bench_step, nb::arg("spec"), nb::arg("n"), nb::arg("calls"),
      "Seconds per C++ step of `spec` on n float64 values (the reference of bench/python_step.py)");
  m.def("threads", &descent::threads,
        "The number of threads a large step, a sweep or a landscape spreads over");
  m.def("set_threads", &descent::set_threads, nb::arg("n"),
        "Sets the number of threads (0: every hardware thread); results do not depend on it");
  m.def("render", &render, nb::arg("kind"), nb::arg("function"), nb::arg("paths"),
        nb::arg("format") = "png");
}
