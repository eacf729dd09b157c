// descent: a model's parameter list in groups, each with its own optimizer and hyperparameters
// (torch's param_groups), stepped by one call.
//
//     descent::ParamGroups<float> groups;
//     groups.add("adamw:lr=1e-3,weight_decay=0.01", {784 * 256, 256 * 128, 128 * 10});  // weights
//     groups.add("adamw:lr=1e-3,weight_decay=0", {256, 128, 10});                        // biases
//     groups.step(tensors);  // the six (parameter, gradient) spans, in the order added
//
// Each group's optimizer keeps its state as the concatenation of its tensors and steps them all
// in one pass (Optimizer::step_tensors), so hundreds of small tensors cost little more than one
// vector of the same total size; large groups are split across threads().
//
// Grouped is the same idea as one Optimizer, made from a spec that names the groups by the
// tensors' shapes ("matrices=muon rest=adamw"), so that `descent train -o` and checkpoints take it.
#pragma once

#include <cmath>
#include <concepts>
#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "descent/optimizer.hpp"

namespace descent {

template <std::floating_point T>
class ParamGroups {
 public:
  /// Adds a group of tensors with the given sizes, stepped by a new optimizer made from `spec`
  /// (any registry spec, wrappers and schedules included). Returns the group's index. Throws
  /// InputError for a bad spec.
  std::size_t add(std::string_view spec, std::vector<std::size_t> sizes);
  /// Adds a group stepped by `optimizer`, which is reset here to the group's total size.
  std::size_t add(std::unique_ptr<Optimizer<T>> optimizer, std::vector<std::size_t> sizes);

  /// One step of every group. `tensors` lists group 0's tensors in order, then group 1's, and so
  /// on. `loss`, the loss at the point, is given to every group's optimizer; NaN: not known, which
  /// is refused with InputError when a group's optimizer must be given it
  /// (Optimizer::reads_loss()). Throws std::invalid_argument, before changing anything, if the
  /// number of tensors or any tensor's size differs from what was added.
  void step(std::span<const TensorRef<T>> tensors, double loss = NAN);

  /// The number of groups.
  std::size_t groups() const { return groups_.size(); }
  /// The number of tensors over all groups.
  std::size_t tensors() const { return tensor_count_; }
  /// The optimizer of `group` (to change its learning rate, or to checkpoint its state). Throws
  /// std::out_of_range for a bad index.
  Optimizer<T>& optimizer(std::size_t group) { return *groups_.at(group).optimizer; }
  /// The tensor sizes of `group`.
  std::span<const std::size_t> sizes(std::size_t group) const { return groups_.at(group).sizes; }

 private:
  struct Group {
    std::unique_ptr<Optimizer<T>> optimizer;
    std::vector<std::size_t> sizes;
  };
  std::vector<Group> groups_;
  std::size_t tensor_count_ = 0;
};

extern template class ParamGroups<float>;
extern template class ParamGroups<double>;

/// Which tensors a group of a grouped spec takes: matrices (both dimensions above 1), hidden (the
/// matrices between the first and the last: a network's hidden layers, where Muon is meant to
/// run), vectors (the others: biases, a lab function's point), the rest (what the groups before
/// it left), or all.
enum class TensorRole { matrices, hidden, vectors, rest, all };

/// True for a grouped spec: "ROLE=SPEC ROLE=SPEC ...", e.g.
/// "hidden=muon:lr=0.02 rest=adamw:lr=1e-3,weight_decay=0.01" (Muon for the hidden layers'
/// matrices, AdamW for the first and last layers and the biases, as Muon is used in practice).
/// make_optimizer() builds it as a Grouped.
bool is_grouped_spec(std::string_view spec);

/// Several optimizers as one: each tensor of the layout (Optimizer::reset_shapes) goes to the
/// first group whose role takes it, and every group's optimizer steps its own tensors
/// (step_tensors). A checkpoint holds the layout and every group's state. Methods that evaluate
/// the objective a second time (L-BFGS, SAM) are refused in a group. A group that reads the
/// Hessian's diagonal (Sophia) gets its tensors' pieces of the whole diagonal, which the oracle
/// given to the Grouped computes once, before any group steps, on the steps where a group reads
/// it: an oracle that throws leaves every group as it was.
template <std::floating_point T>
class Grouped final : public Optimizer<T> {
 public:
  /// Throws InputError for a bad grouped spec (a role named twice, an unknown role, a bad spec).
  explicit Grouped(std::string_view spec);
  // The groups' oracles refer to this object.
  Grouped(const Grouped&) = delete;
  Grouped& operator=(const Grouped&) = delete;

  const OptimizerInfo& info() const override;
  ParamSet params() const override { return {}; }
  /// Every group's canonical spec: "matrices=muon:... rest=adamw:...".
  std::string spec() const override;
  /// The first group's rate; set_lr scales every group's by the same factor.
  double lr() const override { return groups_.front().optimizer->lr(); }
  void set_lr(double lr) override;
  void reset(std::size_t n) override;
  /// Throws InputError if a tensor is in no group (reset(n), whose one vector may be in none,
  /// throws at the first step instead).
  void reset_shapes(std::span<const Shape> shapes) override;
  void restart() override;
  std::size_t size() const override { return n_; }
  void step(std::span<T> w, std::span<const T> g) override;
  /// Gives the loss to each group (a group evaluates nothing: `f` is not used).
  void step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>& f) override;
  void step_tensors(std::span<const TensorRef<T>> tensors) override;
  void step_tensors_with(std::span<const TensorRef<T>> tensors, double loss) override;
  void visit_state(StateVisitor<T>& visitor) override;
  bool reads_loss() const override;
  bool reads_hessian_diagonal() const override;
  void set_hessian_diagonal(HessianDiagonal<T> oracle) override;
  bool reads_hessian_diagonal_next() const override;
  /// The number of groups, and group k's optimizer and tensors (indices into the layout).
  std::size_t groups() const { return groups_.size(); }
  Optimizer<T>& optimizer(std::size_t k) { return *groups_.at(k).optimizer; }
  std::span<const std::size_t> tensors(std::size_t k) const { return groups_.at(k).tensors; }

 private:
  /// Assigns the tensors to the groups and resets them; a tensor no group takes is noted in
  /// unclaimed_.
  void layout(std::span<const Shape> shapes);
  /// One step of every group, each given the loss when `loss` is not null.
  void step_groups(std::span<const TensorRef<T>> tensors, const double* loss);

  struct Group {
    TensorRole role;
    std::unique_ptr<Optimizer<T>> optimizer;
    std::vector<std::size_t> tensors;
  };
  std::vector<Group> groups_;
  std::vector<Shape> shapes_;
  std::size_t n_ = 0;
  std::string unclaimed_;  ///< why the layout cannot be stepped, or empty
  /// The whole vector's oracle; the point of the step being taken and its diagonal, computed
  /// before the step where a group reads it.
  HessianDiagonal<T> oracle_;
  std::vector<T> point_, diagonal_;
  bool diagonal_known_ = false;
  /// Group gi's pieces of the diagonal at point_, into h.
  void group_diagonal(std::size_t gi, std::span<T> h);
};

extern template class Grouped<float>;
extern template class Grouped<double>;

}  // namespace descent
