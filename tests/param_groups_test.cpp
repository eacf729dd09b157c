// ParamGroups: per-group hyperparameters in one step call, equal to stepping each group alone.
#include "descent/param_groups.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "descent/error.hpp"
#include "descent/registry.hpp"

namespace descent {
namespace {

TEST(ParamGroups, EachGroupStepsAsItsOwnOptimizer) {
  // Group 0: two weight tensors with AdamW's decay; group 1: two bias tensors without; group 2:
  // a wrapped optimizer (clipped SGD), which takes the gather/scatter path.
  ParamGroups<double> groups;
  EXPECT_EQ(groups.add("adamw:lr=0.01,weight_decay=0.1", {6, 4}), 0u);
  EXPECT_EQ(groups.add("adamw:lr=0.01,weight_decay=0", {3, 1}), 1u);
  EXPECT_EQ(groups.add("sgd:lr=0.1,clip_norm=0.5", {2}), 2u);
  EXPECT_EQ(groups.groups(), 3u);
  EXPECT_EQ(groups.tensors(), 5u);

  auto a = make_optimizer<double>("adamw:lr=0.01,weight_decay=0.1");
  auto b = make_optimizer<double>("adamw:lr=0.01,weight_decay=0");
  auto c = make_optimizer<double>("sgd:lr=0.1,clip_norm=0.5");
  a->reset(10);
  b->reset(4);
  c->reset(2);

  std::vector<double> w(16), g(16);
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = 0.1 * static_cast<double>(i) - 0.7;
  std::vector<double> wa(w.begin(), w.begin() + 10), wb(w.begin() + 10, w.begin() + 14),
      wc(w.begin() + 14, w.end());
  for (int t = 1; t <= 5; ++t) {
    for (std::size_t i = 0; i < g.size(); ++i) g[i] = std::sin(static_cast<double>(i * t));
    const std::vector<std::size_t> at = {0, 6, 10, 13, 14, 16};
    std::vector<TensorRef<double>> tensors;
    for (std::size_t k = 0; k + 1 < at.size(); ++k)
      tensors.push_back({std::span<double>(w.data() + at[k], at[k + 1] - at[k]),
                         std::span<const double>(g.data() + at[k], at[k + 1] - at[k])});
    groups.step(tensors);
    a->step(wa, std::span<const double>(g.data(), 10));
    b->step(wb, std::span<const double>(g.data() + 10, 4));
    c->step(wc, std::span<const double>(g.data() + 14, 2));
  }
  std::vector<double> expected = wa;
  expected.insert(expected.end(), wb.begin(), wb.end());
  expected.insert(expected.end(), wc.begin(), wc.end());
  EXPECT_EQ(w, expected);
  EXPECT_DOUBLE_EQ(groups.optimizer(0).params().get("weight_decay"), 0.1);
  EXPECT_EQ(groups.sizes(1).size(), 2u);
}

TEST(ParamGroups, BadInputIsRefusedBeforeAnythingChanges) {
  ParamGroups<float> groups;
  EXPECT_THROW(groups.add("adam:beta1=2", {3}), InputError);
  EXPECT_EQ(groups.groups(), 0u);
  groups.add("adam", {2});
  groups.add("sgd", {3});
  std::vector<float> w = {1, 2, 3, 4, 5}, g = {1, 1, 1, 1, 1};
  const std::vector<float> before = w;
  // Group 1's tensor is one element short: group 0 must not have been stepped either.
  const std::vector<TensorRef<float>> wrong_size = {
      {std::span<float>(w.data(), 2), std::span<const float>(g.data(), 2)},
      {std::span<float>(w.data() + 2, 2), std::span<const float>(g.data() + 2, 2)}};
  EXPECT_THROW(groups.step(wrong_size), std::invalid_argument);
  const std::vector<TensorRef<float>> too_few = {wrong_size[0]};
  EXPECT_THROW(groups.step(too_few), std::invalid_argument);
  EXPECT_EQ(w, before);
  EXPECT_THROW(groups.optimizer(7), std::out_of_range);
  EXPECT_THROW(groups.add(std::unique_ptr<Optimizer<float>>{}, {1}), std::invalid_argument);
}

}  // namespace
}  // namespace descent
