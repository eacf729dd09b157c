// The fused elementwise kernels: every optimizer's vector loop (at each SIMD level), its scalar
// tail, the threaded split and the many-tensor path give bit-identical parameters and state.
//
// The reference is the plainest loop there is: one optimizer of size 1 per element, so that every
// element goes through the scalar code alone. All paths use the same IEEE-754 operations in the
// same order, so equality is exact (compared bit for bit, so that -0 vs +0 and NaN payloads would
// show), not within a tolerance.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "descent/parallel.hpp"
#include "descent/registry.hpp"
#include "descent/simd.hpp"
#include "descent/spec.hpp"

namespace descent {
namespace {

// Every elementwise optimizer at its defaults, and the settings that select each variant of its
// kernel.
const std::vector<std::string>& kernel_specs() {
  static const std::vector<std::string> specs = [] {
    std::vector<std::string> out = {
        "sgd",
        "sgd:weight_decay=0.1",
        "momentum",
        "momentum:dampening=0.5,weight_decay=0.01",
        "nesterov:weight_decay=0.01",
        "rmsprop",
        "rmsprop:centered=true",
        "rmsprop:momentum=0.9",
        "rmsprop:centered=true,momentum=0.9,weight_decay=0.01",
        "adam",
        "adam:amsgrad=true,weight_decay=0.1",
        "adamw",
        "adamw:amsgrad=true",
        "adamax:weight_decay=0.01",
        "nadam:weight_decay=0.01",
        "radam:weight_decay=0.01",
        "adagrad:lr_decay=0.01,initial_accumulator_value=0.1,weight_decay=0.01",
        "adadelta:weight_decay=0.01",
        "rprop",
        "asgd",
        "asgd:t0=2,weight_decay=0.01",
        "ftrl",
        "ftrl:lr_power=-0.7,l1=0.001,l2=0.01,l2_shrinkage=0.1",
        "lion:weight_decay=0.1",
        "signsgd:weight_decay=0.01",
        "amsgrad:weight_decay=0.01",
        "nadamw:weight_decay=0.1,momentum_decay=0.01",
        "adabelief:weight_decay=0.01",
        "yogi:weight_decay=0.01,initial_accumulator_value=0.1",
        "adopt:clip=false,weight_decay=0.01",
        "adan:weight_decay=0.1",
        "ademamix:weight_decay=0.1,alpha=2",
    };
    for (const OptimizerInfo* info : optimizer_catalog())
      if (info->elementwise && info->alias_of.empty() &&
          std::find(out.begin(), out.end(), info->name) == out.end())
        out.push_back(info->name);
    return out;
  }();
  return specs;
}

// A gradient that changes sign, has exact zeros and repeats itself, deterministic in (i, t).
template <class T>
T gradient(std::size_t i, int t) {
  const std::uint64_t h = (i * 2654435761u + static_cast<std::uint64_t>(t) * 40503u) % 1009u;
  if (h % 13 == 0) return T(0);
  return static_cast<T>((static_cast<double>(h) - 504.0) / 400.0);
}

template <class T>
T start_value(std::size_t i) {
  return static_cast<T>(std::sin(0.37 * static_cast<double>(i)) * 1.5);
}

// Collects every state array, in visiting order.
template <class T>
struct Arrays final : StateVisitor<T> {
  std::vector<std::vector<T>> arrays;
  void array(std::string_view, std::vector<T>& v) override { arrays.push_back(v); }
  void real(std::string_view, double&) override {}
  void integer(std::string_view, std::int64_t&) override {}
};

template <class T>
std::vector<std::vector<T>> state_of(Optimizer<T>& opt) {
  Arrays<T> a;
  opt.visit_state(a);
  return a.arrays;
}

// Parameters followed by every state array's elements: what a step produces.
template <class T>
struct Outcome {
  std::vector<T> w;
  std::vector<std::vector<T>> state;
};

template <class T>
void expect_bit_equal(const std::vector<T>& a, const std::vector<T>& b, const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_EQ(std::bit_cast<Bits>(a[i]), std::bit_cast<Bits>(b[i]))
        << what << ", element " << i << ": " << a[i] << " vs " << b[i];
}

template <class T>
void expect_same_outcome(const Outcome<T>& a, const Outcome<T>& b, const std::string& what) {
  expect_bit_equal(a.w, b.w, what + ", parameters");
  ASSERT_EQ(a.state.size(), b.state.size()) << what;
  for (std::size_t k = 0; k < a.state.size(); ++k)
    expect_bit_equal(a.state[k], b.state[k], what + ", state array " + std::to_string(k));
}

// The reference: element i stepped by its own optimizer of size 1.
template <class T>
Outcome<T> per_element(const std::string& spec, std::size_t n, int steps) {
  std::vector<std::unique_ptr<Optimizer<T>>> opts;
  Outcome<T> out;
  for (std::size_t i = 0; i < n; ++i) {
    opts.push_back(make_optimizer<T>(spec));
    opts.back()->reset(1);
    out.w.push_back(start_value<T>(i));
  }
  for (int t = 1; t <= steps; ++t) {
    for (std::size_t i = 0; i < n; ++i) {
      const T g = gradient<T>(i, t);
      opts[i]->step(std::span<T>(&out.w[i], 1), std::span<const T>(&g, 1));
    }
  }
  auto empty = make_optimizer<T>(spec);
  empty->reset(0);
  out.state = state_of(*empty);  // as many arrays as the optimizer has, each empty
  for (std::size_t i = 0; i < n; ++i) {
    const auto s = state_of(*opts[i]);
    for (std::size_t k = 0; k < s.size(); ++k)
      out.state[k].insert(out.state[k].end(), s[k].begin(), s[k].end());
  }
  return out;
}

// The whole vector cut into tensors of the given sizes (which must sum to n), each stored at an
// odd offset in its own buffer so that no tensor starts aligned; an empty `cuts` means one
// contiguous, aligned vector stepped through step().
template <class T>
Outcome<T> as_tensors(const std::string& spec, std::size_t n, int steps,
                      const std::vector<std::size_t>& cuts) {
  auto opt = make_optimizer<T>(spec);
  opt->reset(n);
  Outcome<T> out;
  out.w.resize(n);
  for (std::size_t i = 0; i < n; ++i) out.w[i] = start_value<T>(i);
  std::vector<T> g(n);
  if (cuts.empty()) {
    for (int t = 1; t <= steps; ++t) {
      for (std::size_t i = 0; i < n; ++i) g[i] = gradient<T>(i, t);
      opt->step(out.w, g);
    }
  } else {
    std::vector<std::vector<T>> wbuf, gbuf;
    std::size_t at = 0;
    for (std::size_t c : cuts) {
      wbuf.emplace_back(c + 1);
      gbuf.emplace_back(c + 1);
      std::copy_n(out.w.begin() + static_cast<std::ptrdiff_t>(at), c, wbuf.back().begin() + 1);
      at += c;
    }
    for (int t = 1; t <= steps; ++t) {
      std::vector<TensorRef<T>> tensors;
      at = 0;
      for (std::size_t k = 0; k < cuts.size(); ++k) {
        for (std::size_t j = 0; j < cuts[k]; ++j) gbuf[k][1 + j] = gradient<T>(at + j, t);
        tensors.push_back({std::span<T>(wbuf[k].data() + 1, cuts[k]),
                           std::span<const T>(gbuf[k].data() + 1, cuts[k])});
        at += cuts[k];
      }
      opt->step_tensors(tensors);
    }
    at = 0;
    for (std::size_t k = 0; k < cuts.size(); ++k) {
      std::copy_n(wbuf[k].begin() + 1, cuts[k], out.w.begin() + static_cast<std::ptrdiff_t>(at));
      at += cuts[k];
    }
  }
  out.state = state_of(*opt);
  return out;
}

// Restores the SIMD level and thread count a test changes.
class KernelTest : public ::testing::TestWithParam<std::string> {
 protected:
  void TearDown() override {
    set_simd(simd_supported().back());
    set_threads(0);
  }
};

template <class T>
void check_small_lengths(const std::string& spec) {
  const std::string type = sizeof(T) == 4 ? " float" : " double";
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, std::size_t{7}, std::size_t{33},
                        std::size_t{100}, std::size_t{257}}) {
    const int steps = 6;
    const Outcome<T> ref = per_element<T>(spec, n, steps);
    for (Simd level : simd_supported()) {
      set_simd(level);
      const std::string what =
          spec + type + ", n=" + std::to_string(n) + ", simd " + std::string(simd_name(level));
      expect_same_outcome(as_tensors<T>(spec, n, steps, {}), ref, what + ", one vector");
      if (n >= 7) {
        // Empty tensors, a single element, odd sizes, and the rest.
        const std::vector<std::size_t> cuts = {0, 1, 3, 0, n - 7, 3};
        expect_same_outcome(as_tensors<T>(spec, n, steps, cuts), ref, what + ", tensors");
      }
    }
  }
}

TEST_P(KernelTest, EveryPathEqualsThePerElementLoop) {
  set_threads(1);
  check_small_lengths<float>(GetParam());
  check_small_lengths<double>(GetParam());
}

template <class T>
void check_threads(const std::string& spec) {
  // Large enough for two threads (2 x 65536 elements), odd, and cut into tensors whose borders do
  // not fall on the threads' chunk borders.
  const std::size_t n = 2 * 65536 + 4099;
  const std::vector<std::size_t> cuts = {65541, 3, 0, n - 65541 - 3 - 7, 7};
  set_threads(1);
  const Outcome<T> one = as_tensors<T>(spec, n, 3, {});
  set_threads(2);
  const std::string what = spec + (sizeof(T) == 4 ? " float" : " double") + ", 2 threads";
  expect_same_outcome(as_tensors<T>(spec, n, 3, {}), one, what + ", one vector");
  expect_same_outcome(as_tensors<T>(spec, n, 3, cuts), one, what + ", tensors");
}

TEST_P(KernelTest, ResultsDoNotDependOnTheThreadCount) {
  check_threads<float>(GetParam());
  check_threads<double>(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Kernels, KernelTest, ::testing::ValuesIn(kernel_specs()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           std::string name;
                           for (char c : p.param)
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(Kernels, EveryElementwiseOptimizerIsCovered) {
  std::set<std::string> covered;
  for (const std::string& spec : kernel_specs()) covered.insert(parse_spec(spec).name);
  std::set<std::string> elementwise;
  for (const OptimizerInfo* info : optimizer_catalog())
    if (info->alias_of.empty() && info->elementwise) elementwise.insert(info->name);
  // Every elementwise optimizer has a kernel test, and every tested one says it is elementwise.
  EXPECT_EQ(elementwise, covered);
  EXPECT_FALSE(make_optimizer<double>("lbfgs")->info().elementwise);
}

TEST(Kernels, MismatchedTensorsAreRefusedAndChangeNothing) {
  auto opt = make_optimizer<float>("adam");
  opt->reset(4);
  std::vector<float> w = {1, 2, 3, 4}, g = {1, 1, 1, 1};
  const auto before = state_of(*opt);
  const std::vector<TensorRef<float>> short_grad = {
      {std::span<float>(w.data(), 2), std::span<const float>(g.data(), 1)},
      {std::span<float>(w.data() + 2, 2), std::span<const float>(g.data() + 2, 2)}};
  EXPECT_THROW(opt->step_tensors(short_grad), std::invalid_argument);
  const std::vector<TensorRef<float>> too_few = {
      {std::span<float>(w.data(), 3), std::span<const float>(g.data(), 3)}};
  EXPECT_THROW(opt->step_tensors(too_few), std::invalid_argument);
  EXPECT_EQ(state_of(*opt), before);
  EXPECT_EQ(w, (std::vector<float>{1, 2, 3, 4}));
}

TEST(Kernels, NonElementwiseOptimizersStepTensorsByGathering) {
  // L-BFGS and wrapped optimizers take the default path: the same result as one vector.
  for (const std::string spec : {"lbfgs", "adam:maximize=true,clip_norm=0.5"}) {
    auto a = make_optimizer<double>(spec);
    auto b = make_optimizer<double>(spec);
    a->reset(5);
    b->reset(5);
    std::vector<double> w = {1, -2, 3, 0.5, 2}, v = w;
    const std::vector<double> g = {0.3, -1, 2, 0, 1};
    a->step(w, g);
    const std::vector<TensorRef<double>> parts = {
        {std::span<double>(v.data(), 2), std::span<const double>(g.data(), 2)},
        {std::span<double>(v.data() + 2, 3), std::span<const double>(g.data() + 2, 3)}};
    b->step_tensors(parts);
    EXPECT_EQ(v, w) << spec;
  }
}

TEST(Simd, LevelsCanBeChosenAmongTheSupportedOnes) {
  const std::vector<Simd> levels = simd_supported();
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(simd(), levels.back()) << "the widest level is the default";
  for (Simd s : levels) {
    set_simd(s);
    EXPECT_EQ(simd(), s);
  }
  set_simd(levels.back());
  EXPECT_EQ(simd_name(Simd::avx512), "avx512");
}

}  // namespace
}  // namespace descent
