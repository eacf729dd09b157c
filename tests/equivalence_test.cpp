// Optimizers that are special cases of others take the same steps, bit for bit: each pair below
// steps the same parameters with the same gradients (exact zeros and sign changes among them) in
// float and double, and must agree on every bit. Such pairs catch drift between rules that share
// code or conventions.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "descent/registry.hpp"

namespace descent {
namespace {

struct Pair {
  const char* a;
  const char* b;
};

const Pair kPairs[] = {
    {"adamw:weight_decay=0", "adam"},
    {"adamw:weight_decay=0,amsgrad=true", "adam:amsgrad=true"},
    {"momentum:alpha=0", "sgd"},
    {"momentum:alpha=0,weight_decay=0.1", "sgd:weight_decay=0.1"},
    {"nesterov:alpha=0", "sgd"},
    {"rmsprop:momentum=0", "rmsprop"},
    {"lion:lr=0.01,beta1=0.8,beta2=0.8", "signum:lr=0.01,beta=0.8"},
    {"asgd:lambd=0,t0=1e300", "sgd:lr=0.01"},
    {"adam:clip_value=1e300", "adam"},
    {"adam:clip_norm=1e300", "adam"},
    {"gd:lr=0.3", "sgd:lr=0.3"},
    {"signsgd:lr=0.01,weight_decay=0.1", "signum:lr=0.01,beta=0,weight_decay=0.1"},
    {"nadamw:weight_decay=0", "nadam"},
};

template <class T>
std::vector<T> steps_of(const std::string& spec, int steps) {
  const std::size_t n = 33;
  auto opt = make_optimizer<T>(spec);
  opt->reset(n);
  std::vector<T> w(n), g(n);
  for (std::size_t i = 0; i < n; ++i) w[i] = static_cast<T>(0.1 * static_cast<double>(i) - 1.5);
  for (int t = 0; t < steps; ++t) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto h = (i * 2654435761u + static_cast<std::uint64_t>(t) * 40503u) % 1009u;
      g[i] = h % 13 == 0 ? T(0) : static_cast<T>((static_cast<double>(h) - 504.0) / 400.0);
    }
    opt->step(w, g);
  }
  return w;
}

template <class T>
void expect_same_steps(const Pair& p) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  const std::vector<T> a = steps_of<T>(p.a, 40), b = steps_of<T>(p.b, 40);
  for (std::size_t i = 0; i < a.size(); ++i)
    ASSERT_EQ(std::bit_cast<Bits>(a[i]), std::bit_cast<Bits>(b[i]))
        << p.a << " vs " << p.b << (sizeof(T) == 4 ? " float" : " double") << ", element " << i
        << ": " << a[i] << " vs " << b[i];
}

class Equivalent : public ::testing::TestWithParam<Pair> {};

TEST_P(Equivalent, BitForBit) {
  expect_same_steps<float>(GetParam());
  expect_same_steps<double>(GetParam());
}

INSTANTIATE_TEST_SUITE_P(Optimizers, Equivalent, ::testing::ValuesIn(kPairs),
                         [](const ::testing::TestParamInfo<Pair>& p) {
                           std::string name = std::to_string(p.index) + "_";
                           for (const char* c = p.param.a; *c && *c != ':'; ++c) name += *c;
                           return name;
                         });

}  // namespace
}  // namespace descent
