// The driver of tensor rules (tensorwise.hpp): layouts, whole-vector steps, checkpoints and
// wrappers, for every built-in tensor rule.
#include "descent/tensorwise.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <random>
#include <tuple>
#include <vector>

#include "descent/checkpoint.hpp"
#include "descent/optimizers/muon.hpp"
#include "descent/registry.hpp"
#include "test_support.hpp"

namespace descent {
namespace {

std::vector<std::string> tensor_rules() {
  std::vector<std::string> out;
  for (const OptimizerInfo* info : optimizer_catalog())
    if (info->family == Family::layerwise) out.push_back(info->name);
  return out;
}

std::vector<double> random_vector(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}

const std::vector<Shape> kLayout = {{3, 4}, {3, 1}, {2, 3}};  // 12 + 3 + 6 = 21 values

class EveryTensorRule : public ::testing::TestWithParam<std::string> {};

// A tensor's step depends on that tensor alone: stepping the layout equals stepping each tensor
// with an optimizer of its own, bit for bit; and one span of the whole vector is split by the
// layout.
TEST_P(EveryTensorRule, StepsEachTensorAsIfAlone) {
  const auto& params = find_optimizer(GetParam()).params;
  const bool decays = std::any_of(params.begin(), params.end(),
                                  [](const ParamInfo& p) { return p.name == "weight_decay"; });
  const std::string spec = GetParam() + (decays ? ":weight_decay=0.01" : "");
  auto all = make_optimizer<double>(spec), whole = make_optimizer<double>(spec);
  all->reset_shapes(kLayout);
  whole->reset_shapes(kLayout);
  std::vector<std::unique_ptr<Optimizer<double>>> alone;
  for (const Shape& s : kLayout) {
    alone.push_back(make_optimizer<double>(spec));
    alone.back()->reset_shapes(std::vector<Shape>{s});
  }
  std::vector<double> w = random_vector(21, 1), w_whole = w, w_alone = w;
  for (int t = 0; t < 10; ++t) {
    const std::vector<double> g = random_vector(21, 100 + static_cast<std::uint64_t>(t));
    std::vector<TensorRef<double>> tensors;
    std::size_t at = 0;
    for (std::size_t k = 0; k < kLayout.size(); ++k) {
      const std::size_t n = kLayout[k].size();
      tensors.push_back({std::span(w).subspan(at, n), std::span<const double>(g).subspan(at, n)});
      alone[k]->step(std::span(w_alone).subspan(at, n), std::span<const double>(g).subspan(at, n));
      at += n;
    }
    all->step_tensors(tensors);
    whole->step(w_whole, g);
    ASSERT_EQ(w, w_alone) << spec << " step " << t;
    ASSERT_EQ(w, w_whole) << spec << " step " << t;
  }
}

// A tensor with no elements (n x 0, 0 x n) steps as nothing: the others step as if alone, and no
// product is asked of the BLAS with an empty side (OpenBLAS would print that a call had an
// illegal argument).
TEST_P(EveryTensorRule, TensorsWithoutElementsStepAsNothing) {
  const std::vector<Shape> layout = {{3, 0}, {2, 3}, {0, 4}};
  auto all = make_optimizer<double>(GetParam()), alone = make_optimizer<double>(GetParam());
  all->reset_shapes(layout);
  alone->reset_shapes(std::vector<Shape>{{2, 3}});
  std::vector<double> w = random_vector(6, 1), w_alone = w;
  testing::internal::CaptureStdout();
  testing::internal::CaptureStderr();
  for (int t = 0; t < 4; ++t) {
    const std::vector<double> g = random_vector(6, 100 + static_cast<std::uint64_t>(t));
    const std::vector<TensorRef<double>> tensors = {{{}, {}}, {w, g}, {{}, {}}};
    all->step_tensors(tensors);
    alone->step(w_alone, g);
  }
  const std::string out = testing::internal::GetCapturedStdout();
  EXPECT_EQ(out + testing::internal::GetCapturedStderr(), "") << GetParam();
  EXPECT_EQ(w, w_alone) << GetParam();
}

// Tensors that are not the layout's are refused before anything changes.
TEST_P(EveryTensorRule, RefusesTensorsOfAnotherLayout) {
  auto opt = make_optimizer<double>(GetParam());
  opt->reset_shapes(kLayout);
  std::vector<double> w = random_vector(21, 1), g = random_vector(21, 2);
  const std::vector<double> before = w;
  const std::vector<TensorRef<double>> two = {
      {std::span(w).first(10), std::span<const double>(g).first(10)},
      {std::span(w).last(11), std::span<const double>(g).last(11)}};
  EXPECT_THROW(opt->step_tensors(two), std::invalid_argument);
  EXPECT_EQ(w, before);
}

// A checkpoint keeps the layout: loaded into a fresh optimizer (reset for one vector), it resumes
// with the saved tensors' shapes, exactly.
TEST_P(EveryTensorRule, CheckpointsKeepTheLayout) {
  const test::TempDir dir;
  const std::filesystem::path path = std::filesystem::path(dir.path()) / "opt.ckpt";
  auto a = make_optimizer<double>(GetParam());
  a->reset_shapes(kLayout);
  std::vector<double> w = random_vector(21, 1);
  a->step(w, random_vector(21, 2));
  save_checkpoint<double>(path, *a, w, 1);
  Checkpoint<double> c = load_checkpoint<double>(path);
  std::vector<double> wb = c.w;
  const std::vector<double> g = random_vector(21, 3);
  a->step(w, g);
  c.optimizer->step(wb, g);
  EXPECT_EQ(w, wb);
}

// Preludes and schedules wrap the rule (Wrapped) and keep its layout: with clip_value far above
// the gradients and a constant schedule, the steps are the plain rule's.
TEST_P(EveryTensorRule, WrappersKeepTheLayout) {
  auto plain = make_optimizer<double>(GetParam());
  auto wrapped = make_optimizer<double>(GetParam() + ":clip_value=100@constant");
  for (auto* o : {plain.get(), wrapped.get()}) o->reset_shapes(kLayout);
  std::vector<double> w = random_vector(21, 1), wb = w;
  for (int t = 0; t < 5; ++t) {
    const std::vector<double> g = random_vector(21, 10 + static_cast<std::uint64_t>(t));
    plain->step(w, g);
    wrapped->step(wb, g);
  }
  EXPECT_EQ(w, wb);
}

INSTANTIATE_TEST_SUITE_P(Tensorwise, EveryTensorRule, ::testing::ValuesIn(tensor_rules()),
                         [](const auto& p) { return p.param; });

// 5 x 3 in blocks of 2: rows cut 2, 2, 1, columns 2, 1, row-major; a tensor with no side longer
// than the block size, or not cut (size 0), is one block, even an empty one.
TEST(Tensorwise, BlocksCutEachLongSideInPiecesOfTheBlockSize) {
  const Blocks b{{5, 3}, 2};
  std::vector<std::tuple<std::size_t, std::size_t, Shape>> seen;
  b.each([&](std::size_t r, std::size_t c, Shape s) { seen.emplace_back(r, c, s); });
  using T = std::tuple<std::size_t, std::size_t, Shape>;
  EXPECT_EQ(seen, (std::vector<T>{T{0, 0, {2, 2}}, T{0, 2, {2, 1}}, T{2, 0, {2, 2}},
                                  T{2, 2, {2, 1}}, T{4, 0, {1, 2}}, T{4, 2, {1, 1}}}));
  EXPECT_EQ(b.count(), 6u);
  const auto longer_than_1 = [](Shape, std::size_t n) { return n > 1; };
  EXPECT_EQ(b.factor_size(true, longer_than_1), 4u * 4u);   // the 2-row blocks
  EXPECT_EQ(b.factor_size(false, longer_than_1), 3u * 4u);  // the 2-column blocks
  for (const Blocks one : {Blocks{{5, 3}, 0}, Blocks{{5, 3}, 5}, Blocks{{0, 4}, 0}}) {
    seen.clear();
    one.each([&](std::size_t r, std::size_t c, Shape s) { seen.emplace_back(r, c, s); });
    EXPECT_EQ(seen, (std::vector<T>{T{0, 0, one.shape}}));
    EXPECT_EQ(one.count(), 1u);
  }
  EXPECT_EQ((Blocks{{0, 4}, 0}.factor_size(false, longer_than_1)), 16u);
}

TEST(Tensorwise, EveryBuiltInTensorRuleIsTested) { EXPECT_EQ(tensor_rules().size(), 8u); }

// A saved layout whose sizes do not add up to the point's is refused.
TEST(Tensorwise, RefusesASavedLayoutOfAnotherSize) {
  struct Rows4 : StateVisitor<double> {
    void array(std::string_view, std::vector<double>&) override {}
    void real(std::string_view, double&) override {}
    void integer(std::string_view name, std::int64_t& v) override {
      if (name == "tensor0.rows") v = 4;  // 4 x 1 where the point has 21 values
    }
  } bad;
  Muon<double> opt;
  opt.reset(21);
  EXPECT_THROW(opt.visit_state(bad), std::invalid_argument);
  // A negative step count (bias corrections of 0) is refused, and the state keeps its own.
  struct NegativeStep : StateVisitor<double> {
    void array(std::string_view, std::vector<double>&) override {}
    void real(std::string_view, double&) override {}
    void integer(std::string_view name, std::int64_t& v) override {
      if (name == "step") v = -3;
    }
  } negative;
  EXPECT_THROW(opt.visit_state(negative), std::invalid_argument);
  EXPECT_EQ(opt.state().step, 0);
}

// The rule of docs/extending.md, a project's own: registered, it runs by name.
struct NormalizedSgdRule {
  static constexpr OptimizerDoc doc = {.name = "normalized_sgd",
                                       .summary = "SGD with each tensor's gradient normalised",
                                       .rule = "w <- w - lr * g / |g|, per tensor",
                                       .source = "a test's own, 2026",
                                       .differs = "none",
                                       .family = Family::layerwise,
                                       .year = 2026};
  struct Params {
    double lr = 0.1;
  };
  static constexpr auto fields = std::tuple{learning_rate(&Params::lr)};
  static constexpr TensorArray arrays[] = {{"last_norm", Extent::one}};
  template <class T>
  static void update(const Params& p, const TensorStep<T>& s, std::span<T> last) {
    const double n = norm<T>(s.g);
    last[0] = static_cast<T>(n);
    if (n > 0)
      for (std::size_t i = 0; i < s.w.size(); ++i) s.w[i] -= static_cast<T>(p.lr / n) * s.g[i];
  }
};

TEST(Tensorwise, AProjectsOwnTensorRuleRunsByName) {
  register_tensor_rule<NormalizedSgdRule>();
  auto opt = make_optimizer<double>("normalized_sgd:lr=0.5");
  opt->reset_shapes(std::vector<Shape>{{2, 1}, {1, 1}});
  std::vector<double> w = {1, 1, 1};
  opt->step(w, std::vector<double>{3, 4, -2});
  EXPECT_EQ(w, (std::vector<double>{1 - 0.5 * 0.6, 1 - 0.5 * 0.8, 1.5}));
  Tensorwise<NormalizedSgdRule, float> f;
  EXPECT_EQ(f.spec(), "normalized_sgd:lr=0.1");
}

}  // namespace
}  // namespace descent
