// Allocations made by optimizer steps, counted by replacing the global operator new: a program of
// its own, so that the count sees nothing else.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "descent/functions/rosenbrock.hpp"
#include "descent/registry.hpp"

namespace {
std::atomic<std::size_t> allocations{0};
}  // namespace

void* operator new(std::size_t size) {
  ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace descent {
namespace {

// Once its history is full, an L-BFGS iteration (line search included) allocates nothing, alone
// or wrapped.
TEST(Allocation, LbfgsIterationsAllocateNothing) {
  const Rosenbrock f({.n = 200});
  for (const char* spec : {"lbfgs", "lbfgs:history=5,clip_norm=1000"}) {
    auto opt = make_optimizer(spec);
    opt->reset(f.dim());
    std::vector<double> w = f.default_start(), g(f.dim());
    const Closure<double> closure = [&](std::span<const double> x, std::span<double> gx) {
      return f.value_and_gradient(x, gx);
    };
    const auto step = [&] { opt->step_with(w, g, closure(w, g), closure); };
    for (int k = 0; k < 30; ++k) step();
    const std::size_t before = allocations.load();
    for (int k = 0; k < 100; ++k) step();
    EXPECT_EQ(allocations.load() - before, 0u) << spec;
    EXPECT_EQ(opt->converged(), "") << spec;  // every step was an iteration
  }
}

}  // namespace
}  // namespace descent
