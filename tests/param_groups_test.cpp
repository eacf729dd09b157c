// ParamGroups: per-group hyperparameters in one step call, equal to stepping each group alone.
#include "descent/param_groups.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <vector>

#include "descent/checkpoint.hpp"
#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "test_support.hpp"

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

// An MLP's layout: 784-16-8-10 would be large; 6-5-4-3 has the same shape of layers.
const std::vector<Shape> kMlp = {{5, 6}, {5, 1}, {4, 5}, {4, 1}, {3, 4}, {3, 1}};

std::vector<double> ramp(std::size_t n, double scale) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = scale * std::sin(1.0 + static_cast<double>(i));
  return v;
}

TEST(Grouped, TensorsGoToTheFirstGroupWhoseRoleTakesThem) {
  const std::size_t n = 30 + 5 + 20 + 4 + 12 + 3;
  Grouped<double> hidden("hidden=muon rest=adamw");
  hidden.reset_shapes(kMlp);
  EXPECT_EQ(std::vector<std::size_t>(hidden.tensors(0).begin(), hidden.tensors(0).end()),
            (std::vector<std::size_t>{2}));
  EXPECT_EQ(std::vector<std::size_t>(hidden.tensors(1).begin(), hidden.tensors(1).end()),
            (std::vector<std::size_t>{0, 1, 3, 4, 5}));
  EXPECT_EQ(hidden.size(), n);
  Grouped<double> by_shape("vectors=sgd matrices=lamb");
  by_shape.reset_shapes(kMlp);
  EXPECT_EQ(std::vector<std::size_t>(by_shape.tensors(0).begin(), by_shape.tensors(0).end()),
            (std::vector<std::size_t>{1, 3, 5}));
  // A tensor no group takes is refused.
  Grouped<double> only("matrices=muon");
  EXPECT_THROW(only.reset_shapes(kMlp), InputError);
}

// The grouped step is each group's optimizer stepping its own tensors.
TEST(Grouped, StepsAsItsGroupsOptimizersWould) {
  auto grouped = make_optimizer<double>("hidden=muon:lr=0.05 rest=adamw:lr=0.01");
  EXPECT_EQ(grouped->spec(),
            "hidden=muon:lr=0.05,beta=0.95,nesterov=true,bias_correction=true,ns_steps=5,"
            "eps=1e-08,weight_decay=0,consistent_rms=0 rest=adamw:lr=0.01,beta1=0.9,beta2=0.999,"
            "eps=1e-08,weight_decay=0.01,amsgrad=false");
  grouped->reset_shapes(kMlp);
  auto muon = make_optimizer<double>("muon:lr=0.05");
  muon->reset_shapes(std::vector<Shape>{{4, 5}});
  ParamGroups<double> rest;
  rest.add("adamw:lr=0.01", {30, 5, 4, 12, 3});
  std::vector<double> w = ramp(74, 0.5), v = w;
  for (int t = 0; t < 5; ++t) {
    const std::vector<double> g = ramp(74, 1.0 + t);
    grouped->step(w, g);
    std::vector<TensorRef<double>> others;
    std::size_t at = 0;
    for (std::size_t k = 0; k < kMlp.size(); ++k) {
      const std::size_t size = kMlp[k].size();
      const TensorRef<double> ref{std::span(v).subspan(at, size),
                                  std::span<const double>(g).subspan(at, size)};
      if (k == 2)
        muon->step(ref.param, ref.grad);
      else
        others.push_back(ref);
      at += size;
    }
    rest.step(others);
    ASSERT_EQ(w, v) << "step " << t;
  }
}

// The loss reaches every group's optimizer (step_with, step_tensors_with, ParamGroups::step): a
// plateau schedule in a group lowers the rate as it does alone, and Polyak's step in a group
// (which reads the loss) steps as Polyak alone.
TEST(Grouped, TheLossReachesEveryGroup) {
  for (const char* spec : {"sgd:lr=0.1@plateau:patience=1,factor=0.5", "polyak:lr=0.5"}) {
    SCOPED_TRACE(spec);
    auto grouped = make_optimizer<double>(std::string("all=") + spec);
    grouped->reset_shapes(kMlp);
    auto alone = make_optimizer<double>(spec);
    alone->reset(74);
    ParamGroups<double> groups;
    groups.add(spec, {30, 5, 20, 4, 12, 3});
    EXPECT_TRUE(grouped->reads_loss());
    EXPECT_TRUE(alone->reads_loss());
    std::vector<double> w = ramp(74, 0.5), v = w, u = w, moves;
    for (int t = 0; t < 6; ++t) {
      const std::vector<double> g = ramp(74, 1.0);
      const double loss = 3.0;  // never falling: the plateau halves the rate
      const double before = v[1];
      grouped->step_with(w, g, loss, {});
      alone->step_with(v, g, loss, {});
      std::vector<TensorRef<double>> tensors;
      std::size_t at = 0;
      for (const Shape& s : kMlp) {
        tensors.push_back(
            {std::span(u).subspan(at, s.size()), std::span<const double>(g).subspan(at, s.size())});
        at += s.size();
      }
      groups.step(tensors, loss);
      ASSERT_EQ(w, v) << "step " << t;
      ASSERT_EQ(u, v) << "step " << t;
      moves.push_back(std::abs(v[1] - before));
    }
    if (std::string(spec).starts_with("sgd")) {
      EXPECT_LT(moves.back(), moves.front() / 2);
    }
  }
}

// A grouped step without the loss is refused before any group moves when a group's optimizer must
// be given it (Polyak's step cannot be taken without it).
TEST(Grouped, AStepWithoutTheLossIsRefusedWhereAGroupReadsIt) {
  auto grouped = make_optimizer<double>("matrices=sgd rest=polyak");
  grouped->reset_shapes(kMlp);
  std::vector<double> w = ramp(74, 0.5);
  const std::vector<double> before = w, g = ramp(74, 1.0);
  EXPECT_THROW(grouped->step(w, g), InputError);
  EXPECT_THROW(grouped->step_with(w, g, NAN, {}), InputError);
  EXPECT_EQ(w, before);
  grouped->step_with(w, g, 2.0, {});
  EXPECT_NE(w, before);

  ParamGroups<double> groups;
  groups.add("sgd", {3});
  groups.add("sgd@plateau", {2});
  std::vector<double> u = {1, 2, 3, 4, 5};
  const std::vector<double> gu = {1, 1, 1, 1, 1};
  const std::vector<TensorRef<double>> tensors = {
      {std::span(u).subspan(0, 3), std::span<const double>(gu).subspan(0, 3)},
      {std::span(u).subspan(3, 2), std::span<const double>(gu).subspan(3, 2)}};
  EXPECT_THROW(groups.step(tensors), InputError);
  EXPECT_EQ(u, (std::vector<double>{1, 2, 3, 4, 5}));
  groups.step(tensors, 1.0);
  EXPECT_EQ(u[0], 0.9);
}

// Which optimizers read the loss: a plateau schedule (in a wrapper, around L-BFGS, in a group)
// or Polyak's step size; no other schedule or method.
TEST(Grouped, ReadsTheLossWhereAGroupDoes) {
  for (const char* spec : {"sgd@plateau", "lbfgs@plateau", "lookahead/adam@plateau", "polyak",
                           "matrices=muon rest=adamw@plateau"})
    EXPECT_TRUE(make_optimizer<double>(spec)->reads_loss()) << spec;
  for (const char* spec : {"sgd", "adam@cosine:t_max=5", "lbfgs", "muon", "lookahead/adam",
                           "matrices=muon rest=adamw"})
    EXPECT_FALSE(make_optimizer<double>(spec)->reads_loss()) << spec;
}

// A wrapped optimizer (a schedule or preludes around L-BFGS) is given the loss without a closure
// too: L-BFGS's test of the loss's change stops it as it stops L-BFGS alone.
TEST(Grouped, AWrappedOptimizerIsGivenTheLoss) {
  for (const char* spec : {"lbfgs", "lbfgs@cosine:t_max=10", "lbfgs:clip_value=10"}) {
    auto o = make_optimizer<double>(spec);
    o->reset(2);
    std::vector<double> w = {1.0, 2.0};
    const std::vector<double> g = {0.5, -0.25};
    for (int t = 0; t < 3 && o->converged().empty(); ++t) o->step_with(w, g, 1.0, {});
    EXPECT_THAT(o->converged(), ::testing::HasSubstr("changed the loss")) << spec;
  }
}

// A checkpoint holds the layout and every group's state; it resumes exactly.
TEST(Grouped, CheckpointsResumeExactly) {
  const test::TempDir dir;
  const std::string path = dir.path() + "/g.ckpt";
  auto a = make_optimizer<double>("hidden=muon rest=adam@cosine:t_max=10");
  a->reset_shapes(kMlp);
  std::vector<double> w = ramp(74, 0.5);
  a->step(w, ramp(74, 1.0));
  save_checkpoint<double>(path, *a, w, 1);
  Checkpoint<double> c = load_checkpoint<double>(path);
  std::vector<double> wb = c.w;
  for (int t = 0; t < 3; ++t) {
    const std::vector<double> g = ramp(74, 2.0 + t);
    a->step(w, g);
    c.optimizer->step(wb, g);
  }
  EXPECT_EQ(w, wb);
  EXPECT_EQ(c.optimizer->spec(), a->spec());
}

TEST(Grouped, BadSpecsAreRefused) {
  EXPECT_TRUE(is_grouped_spec("matrices=muon rest=adam"));
  EXPECT_FALSE(is_grouped_spec("adam:lr=0.1"));
  for (const char* bad :
       {"matrices=muon rest=adam bias=sgd", "matrices=muon matrices=adam", "matrices=hidden=muon",
        "rest=lbfgs", "rest=sam/sgd", "rest=lookahead/sam/adam", "rest=lookahead/lbfgs",
        "rest=adam:lr=-1", "matrices=muon rest"})
    EXPECT_THROW(make_optimizer<double>(bad), InputError) << bad;
}

TEST(Grouped, LabelsShowEachGroup) {
  EXPECT_EQ(short_label(make_optimizer<float>("hidden=muon:lr=0.05 rest=adamw")->spec()),
            "hidden=muon:lr=0.05,beta=0.95 rest=adamw:lr=0.001");
}

TEST(Grouped, SetLrScalesEveryGroup) {
  Grouped<double> g("matrices=muon:lr=0.02 rest=adam:lr=0.001");
  g.set_lr(0.04);
  EXPECT_DOUBLE_EQ(g.optimizer(0).lr(), 0.04);
  EXPECT_DOUBLE_EQ(g.optimizer(1).lr(), 0.002);
}

}  // namespace
}  // namespace descent
