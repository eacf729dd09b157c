#include "descent/param_groups.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

#include "descent/error.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/registry.hpp"
#include "descent/tensorwise.hpp"
#include "descent/wrapper.hpp"

namespace descent {
namespace {

// Why a grouped step without the loss is refused (before any group moves).
constexpr const char* kGroupReadsLoss =
    "a group's optimizer must be given the loss at each step (a plateau schedule, Polyak's step "
    "size): step with the loss";

// Whether a group's optimizer must be given the loss (ParamGroups' and Grouped's groups alike).
template <class Groups>
bool any_reads_loss(const Groups& groups) {
  return std::ranges::any_of(groups, [](const auto& g) { return g.optimizer->reads_loss(); });
}

}  // namespace

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
void ParamGroups<T>::step(std::span<const TensorRef<T>> tensors, double loss) {
  if (std::isnan(loss) && any_reads_loss(groups_))
    throw InputError(std::string("ParamGroups::step: ") + kGroupReadsLoss);
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
    const auto mine = tensors.subspan(first, g.sizes.size());
    if (std::isnan(loss))
      g.optimizer->step_tensors(mine);
    else
      g.optimizer->step_tensors_with(mine, loss);
    first += g.sizes.size();
  }
}

template class ParamGroups<float>;
template class ParamGroups<double>;

namespace {

constexpr std::string_view kRoleNames[] = {"matrices", "hidden", "vectors", "rest", "all"};

// Whether `role` takes tensor k of `shapes`.
bool takes(TensorRole role, std::span<const Shape> shapes, std::size_t k) {
  const auto matrix = [&](std::size_t j) { return shapes[j].matrix(); };
  switch (role) {
    case TensorRole::matrices:
      return matrix(k);
    case TensorRole::hidden: {  // a matrix with matrices before and after it
      bool before = false, after = false;
      for (std::size_t j = 0; j < shapes.size(); ++j)
        (j < k ? before : after) |= j != k && matrix(j);
      return matrix(k) && before && after;
    }
    case TensorRole::vectors:
      return !matrix(k);
    case TensorRole::rest:
    case TensorRole::all:
      break;
  }
  return true;
}

std::string_view role_name(TensorRole r) { return kRoleNames[static_cast<int>(r)]; }

}  // namespace

bool is_grouped_spec(std::string_view spec) {
  const std::size_t start = spec.find_first_not_of(" \t");
  if (start == std::string_view::npos) return false;
  spec.remove_prefix(start);
  return std::ranges::any_of(kRoleNames, [&](std::string_view role) {
    return spec.starts_with(role) && spec.substr(role.size()).starts_with('=');
  });
}

template <std::floating_point T>
Grouped<T>::Grouped(std::string_view spec) {
  std::istringstream in{std::string(spec)};
  std::string part;
  while (in >> part) {
    const std::size_t eq = part.find('=');
    const auto role = std::ranges::find(kRoleNames, part.substr(0, eq));
    if (eq == std::string::npos || role == std::end(kRoleNames))
      throw InputError("grouped optimizer '" + std::string(spec) + "': '" + part +
                       "' is not ROLE=SPEC with ROLE one of matrices, hidden, vectors, rest, all");
    const auto r = static_cast<TensorRole>(role - std::begin(kRoleNames));
    if (std::ranges::any_of(groups_, [&](const Group& g) { return g.role == r; }))
      throw InputError("grouped optimizer '" + std::string(spec) + "': role '" +
                       std::string(*role) + "' is given twice");
    const std::string inner = part.substr(eq + 1);
    if (is_grouped_spec(inner))
      throw InputError("grouped optimizer '" + std::string(spec) + "': groups do not nest");
    // Counted through any wrappers around it ("lookahead/sam/adam").
    if (OptimizerConfig::parse(inner).evaluations_per_step() > 1)
      throw InputError("optimizer '" + inner +
                       "' evaluates the objective again within a step, which a group cannot do");
    groups_.push_back({r, make_optimizer<T>(inner), {}});
  }
  if (groups_.empty()) throw InputError("grouped optimizer: no groups given");
}

template <std::floating_point T>
const OptimizerInfo& Grouped<T>::info() const {
  static const OptimizerInfo info = [] {
    OptimizerInfo i;
    i.name = "grouped";
    i.doc =
        "several optimizers, each stepping the tensors its role takes (matrices, vectors, rest)";
    i.family = Family::layerwise;
    i.elementwise = false;
    return i;
  }();
  return info;
}

template <std::floating_point T>
std::string Grouped<T>::spec() const {
  std::string out;
  for (const Group& g : groups_)
    out += (out.empty() ? "" : " ") + std::string(role_name(g.role)) + "=" + g.optimizer->spec();
  return out;
}

template <std::floating_point T>
void Grouped<T>::set_lr(double lr) {
  const double now = this->lr();
  for (Group& g : groups_) g.optimizer->set_lr(now > 0 ? g.optimizer->lr() * (lr / now) : lr);
}

template <std::floating_point T>
void Grouped<T>::reset(std::size_t n) {
  // One vector of n: the layout is not known (a checkpoint being loaded brings its own), so a
  // vector no group takes is refused at the first step rather than here.
  const Shape one{n, 1};
  layout(std::span<const Shape>(&one, 1));
}

template <std::floating_point T>
void Grouped<T>::reset_shapes(std::span<const Shape> shapes) {
  layout(shapes);
  if (!unclaimed_.empty()) throw InputError(unclaimed_);
}

template <std::floating_point T>
void Grouped<T>::restart() {
  const std::vector<Shape> shapes = shapes_;  // layout() replaces shapes_
  layout(shapes);
}

template <std::floating_point T>
void Grouped<T>::layout(std::span<const Shape> shapes) {
  std::vector<std::vector<Shape>> taken(groups_.size());
  std::vector<std::vector<std::size_t>> indices(groups_.size());
  unclaimed_.clear();
  for (std::size_t k = 0; k < shapes.size(); ++k) {
    std::size_t gi = 0;
    while (gi < groups_.size() && !takes(groups_[gi].role, shapes, k)) ++gi;
    if (gi == groups_.size()) {
      if (unclaimed_.empty())
        unclaimed_ = "grouped optimizer '" + spec() + "': tensor " + std::to_string(k) + " (" +
                     std::to_string(shapes[k].rows) + " x " + std::to_string(shapes[k].cols) +
                     ") is in no group (add rest=SPEC)";
      continue;
    }
    taken[gi].push_back(shapes[k]);
    indices[gi].push_back(k);
  }
  shapes_.assign(shapes.begin(), shapes.end());
  n_ = 0;
  for (const Shape& s : shapes_) n_ += s.size();
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    groups_[gi].optimizer->reset_shapes(taken[gi]);
    groups_[gi].tensors = std::move(indices[gi]);
  }
}

template <std::floating_point T>
void Grouped<T>::step(std::span<T> w, std::span<const T> g) {
  detail::check_step_sizes(n_, w.size(), g.size());
  const TensorRef<T> one{w, g};
  step_tensors(std::span<const TensorRef<T>>(&one, 1));
}

template <std::floating_point T>
void Grouped<T>::step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>&) {
  detail::check_step_sizes(n_, w.size(), g.size());
  const TensorRef<T> one{w, g};
  step_groups(std::span<const TensorRef<T>>(&one, 1), &loss);
}

template <std::floating_point T>
void Grouped<T>::step_tensors(std::span<const TensorRef<T>> tensors) {
  step_groups(tensors, nullptr);
}

template <std::floating_point T>
void Grouped<T>::step_tensors_with(std::span<const TensorRef<T>> tensors, double loss) {
  step_groups(tensors, &loss);
}

template <std::floating_point T>
bool Grouped<T>::reads_loss() const {
  return any_reads_loss(groups_);
}

template <std::floating_point T>
void Grouped<T>::step_groups(std::span<const TensorRef<T>> tensors, const double* loss) {
  if (!unclaimed_.empty()) throw InputError(unclaimed_);
  if ((loss == nullptr || std::isnan(*loss)) && reads_loss())
    throw InputError("grouped optimizer '" + spec() + "': " + kGroupReadsLoss);
  detail::check_tensors(n_, tensors);
  // Refused before any group steps, rather than by that group after the others stepped.
  if (!oracle_ && reads_hessian_diagonal())
    throw InputError("grouped optimizer '" + spec() +
                     "': a group reads the Hessian's diagonal, and nothing gives it here: run it "
                     "on a function with a Hessian, train it with descent train, or give an "
                     "oracle with set_hessian_diagonal()");
  std::vector<TensorRef<T>> all;
  if (tensors.size() == 1 && shapes_.size() != 1) {  // the whole vector, split by the layout
    std::size_t at = 0;
    for (const Shape& s : shapes_) {
      all.push_back(
          {tensors[0].param.subspan(at, s.size()), tensors[0].grad.subspan(at, s.size())});
      at += s.size();
    }
  } else {
    bool same = tensors.size() == shapes_.size();
    for (std::size_t k = 0; same && k < tensors.size(); ++k)
      same = tensors[k].param.size() == shapes_[k].size();
    if (!same)
      throw std::invalid_argument("grouped optimizer step: " + std::to_string(tensors.size()) +
                                  " tensors that do not match the " +
                                  std::to_string(shapes_.size()) + " it was reset for");
    all.assign(tensors.begin(), tensors.end());
  }
  diagonal_known_ = false;
  if (oracle_ && reads_hessian_diagonal_next()) {  // at the point every group steps from
    point_.clear();
    for (const TensorRef<T>& t : all) point_.insert(point_.end(), t.param.begin(), t.param.end());
    diagonal_.assign(n_, T(0));
    oracle_(point_, diagonal_);
    diagonal_known_ = true;
  }
  std::vector<TensorRef<T>> mine;
  for (Group& g : groups_) {
    if (g.tensors.empty()) continue;
    mine.clear();
    for (std::size_t k : g.tensors) mine.push_back(all[k]);
    if (loss)
      g.optimizer->step_tensors_with(mine, *loss);
    else
      g.optimizer->step_tensors(mine);
  }
}

template <std::floating_point T>
void Grouped<T>::visit_state(StateVisitor<T>& visitor) {
  const std::vector<Shape> shapes = detail::visit_layout(visitor, shapes_, n_);
  if (shapes != shapes_) layout(shapes);
  for (std::size_t k = 0; k < groups_.size(); ++k) {
    detail::PrefixedVisitor<T> prefixed(visitor, "group" + std::to_string(k) + ".");
    groups_[k].optimizer->visit_state(prefixed);
  }
}

template <std::floating_point T>
bool Grouped<T>::reads_hessian_diagonal() const {
  return std::ranges::any_of(groups_,
                             [](const Group& g) { return g.optimizer->reads_hessian_diagonal(); });
}

template <std::floating_point T>
void Grouped<T>::set_hessian_diagonal(HessianDiagonal<T> oracle) {
  oracle_ = reads_hessian_diagonal() ? std::move(oracle) : nullptr;
  for (std::size_t gi = 0; gi < groups_.size(); ++gi) {
    Optimizer<T>& o = *groups_[gi].optimizer;
    if (!o.reads_hessian_diagonal()) continue;
    if (oracle_)
      o.set_hessian_diagonal(
          [this, gi](std::span<const T>, std::span<T> h) { group_diagonal(gi, h); });
    else
      o.set_hessian_diagonal({});
  }
}

template <std::floating_point T>
bool Grouped<T>::reads_hessian_diagonal_next() const {
  if (shapes_.empty()) return reads_hessian_diagonal();  // no tensors yet: unsure
  return std::ranges::any_of(groups_, [](const Group& g) {
    return !g.tensors.empty() && g.optimizer->reads_hessian_diagonal_next();
  });
}

template <std::floating_point T>
void Grouped<T>::group_diagonal(std::size_t gi, std::span<T> h) {
  if (!diagonal_known_)
    throw std::logic_error("grouped optimizer: group " + std::to_string(gi) +
                           " read the Hessian's diagonal on a step it did not announce");
  std::vector<std::size_t> offset(shapes_.size() + 1, 0);
  for (std::size_t k = 0; k < shapes_.size(); ++k) offset[k + 1] = offset[k] + shapes_[k].size();
  std::size_t at = 0;
  for (std::size_t k : groups_[gi].tensors) {
    const std::size_t size = shapes_[k].size();
    if (at + size > h.size()) break;
    std::copy_n(diagonal_.begin() + static_cast<std::ptrdiff_t>(offset[k]), size,
                h.begin() + static_cast<std::ptrdiff_t>(at));
    at += size;
  }
  if (at != h.size())
    throw std::logic_error("grouped optimizer: group " + std::to_string(gi) + " asked for " +
                           std::to_string(h.size()) + " values of the Hessian's diagonal; its " +
                           "tensors have " + std::to_string(at));
}

template class Grouped<float>;
template class Grouped<double>;

}  // namespace descent
