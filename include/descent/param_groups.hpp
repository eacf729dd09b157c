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
#pragma once

#include <concepts>
#include <cstddef>
#include <memory>
#include <span>
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
  /// on. Throws std::invalid_argument, before changing anything, if the number of tensors or any
  /// tensor's size differs from what was added.
  void step(std::span<const TensorRef<T>> tensors);

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

}  // namespace descent
