#include "descent/param_groups.hpp"

#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "descent/registry.hpp"

namespace descent {

template <std::floating_point T>
std::size_t ParamGroups<T>::add(std::string_view spec, std::vector<std::size_t> sizes) {
  return add(make_optimizer<T>(spec), std::move(sizes));
}

template <std::floating_point T>
std::size_t ParamGroups<T>::add(std::unique_ptr<Optimizer<T>> optimizer,
                                std::vector<std::size_t> sizes) {
  if (!optimizer) throw std::invalid_argument("ParamGroups::add: no optimizer");
  optimizer->reset(std::accumulate(sizes.begin(), sizes.end(), std::size_t{0}));
  tensor_count_ += sizes.size();
  groups_.push_back({std::move(optimizer), std::move(sizes)});
  return groups_.size() - 1;
}

template <std::floating_point T>
void ParamGroups<T>::step(std::span<const TensorRef<T>> tensors) {
  if (tensors.size() != tensor_count_)
    throw std::invalid_argument("ParamGroups::step: " + std::to_string(tensors.size()) +
                                " tensors given, " + std::to_string(tensor_count_) + " added");
  std::size_t k = 0;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    for (std::size_t size : groups_[gi].sizes) {
      const TensorRef<T>& t = tensors[k];
      if (t.param.size() != size || t.grad.size() != size)
        throw std::invalid_argument("ParamGroups::step: tensor " + std::to_string(k) + " (group " +
                                    std::to_string(gi) + ") has " + std::to_string(t.param.size()) +
                                    " parameters and " + std::to_string(t.grad.size()) +
                                    " gradient elements; it was added with " +
                                    std::to_string(size));
      ++k;
    }
  }
  std::size_t first = 0;
  for (Group& g : groups_) {
    g.optimizer->step_tensors(tensors.subspan(first, g.sizes.size()));
    first += g.sizes.size();
  }
}

template class ParamGroups<float>;
template class ParamGroups<double>;

}  // namespace descent
