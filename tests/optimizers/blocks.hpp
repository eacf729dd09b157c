// Checks of a matrix optimizer's `blocked` setting (Shampoo, SOAP): a blocked tensor steps as its
// blocks would step as tensors of their own, bit for bit; blocking a tensor that fits changes
// nothing; a blocked run resumes exactly from a checkpoint.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>
#include <vector>

#include "descent/checkpoint.hpp"
#include "descent/registry.hpp"
#include "descent/tensorwise.hpp"
#include "test_support.hpp"

namespace descent::test {

/// The gradient of step t at w: a fixed pattern that depends on w, so that each block's path
/// feeds back into its gradient.
template <class T>
std::vector<T> pattern_gradient(const std::vector<T>& w, int t) {
  std::vector<T> g(w.size());
  for (std::size_t k = 0; k < w.size(); ++k)
    g[k] = static_cast<T>(std::sin(1.0 + 0.7 * static_cast<double>(k) + 0.3 * t)) * (1 + w[k]);
  return g;
}

/// Rule R with max_dim 2 and blocked on a 5 x 3 matrix (rows cut 2, 2, 1; columns 2, 1) against
/// the same method stepping the six blocks as six tensors: the parameters equal bit for bit at
/// every step, and the factor arrays (0 to 3) at the end, laid out alike.
template <class R, class T>
void expect_blocks_step_apart(const std::string& settings) {
  const std::string method(R::doc.name);
  const std::size_t rows = 5, cols = 3;
  const std::vector<std::size_t> row_at = {0, 2, 4, 5}, col_at = {0, 2, 3};
  auto blocked = make_optimizer<T>(method + ":max_dim=2,blocked=true," + settings);
  auto apart = make_optimizer<T>(method + ":max_dim=2," + settings);
  blocked->reset_shapes(std::vector<Shape>{{rows, cols}});
  std::vector<Shape> shapes;
  std::vector<std::size_t> order;  // the tensor's elements in block order, each block row-major
  for (std::size_t i = 0; i + 1 < row_at.size(); ++i)
    for (std::size_t j = 0; j + 1 < col_at.size(); ++j) {
      shapes.push_back({row_at[i + 1] - row_at[i], col_at[j + 1] - col_at[j]});
      for (std::size_t r = row_at[i]; r < row_at[i + 1]; ++r)
        for (std::size_t c = col_at[j]; c < col_at[j + 1]; ++c) order.push_back(r * cols + c);
    }
  apart->reset_shapes(shapes);
  // x holds w's elements in block order; each takes the gradient at its own point.
  std::vector<T> w(rows * cols), x(rows * cols), at(rows * cols), gx(rows * cols);
  for (std::size_t k = 0; k < w.size(); ++k) w[k] = static_cast<T>(0.5 - 0.1 * k);
  for (std::size_t k = 0; k < w.size(); ++k) x[k] = w[order[k]];
  for (int t = 1; t <= 12; ++t) {
    blocked->step(w, pattern_gradient(w, t));
    for (std::size_t k = 0; k < x.size(); ++k) at[order[k]] = x[k];
    const std::vector<T> g = pattern_gradient(at, t);
    for (std::size_t k = 0; k < x.size(); ++k) gx[k] = g[order[k]];
    apart->step(x, gx);
    for (std::size_t k = 0; k < w.size(); ++k)
      ASSERT_EQ(w[order[k]], x[k]) << settings << ", step " << t << ", element " << order[k];
  }
  const auto& a = dynamic_cast<const Tensorwise<R, T>&>(*blocked).state();
  const auto& b = dynamic_cast<const Tensorwise<R, T>&>(*apart).state();
  for (std::size_t i = 0; i < 4; ++i) EXPECT_EQ(a.arrays[i], b.arrays[i]) << settings << ", " << i;
}

/// `spec` and `spec` with blocked=true on the same tensors: the same numbers. Where every side
/// fits in max_dim, a tensor is one block; with max_dim 1, every element is a block of its own,
/// copied out and back, and no block keeps a factor.
inline void expect_blocked_changes_nothing(const std::string& spec,
                                           const std::vector<Shape>& shapes) {
  auto a = make_optimizer(spec), b = make_optimizer(spec + ",blocked=true");
  a->reset_shapes(shapes);
  b->reset_shapes(shapes);
  std::vector<double> wa(a->size(), 0.3), wb(b->size(), 0.3);
  for (int t = 1; t <= 10; ++t) {
    a->step(wa, pattern_gradient(wa, t));
    b->step(wb, pattern_gradient(wb, t));
  }
  EXPECT_EQ(wa, wb) << spec;
}

/// A run of `spec` on a 5 x 3 matrix, stopped at step 5, saved and loaded, goes on as the run that
/// was not stopped.
inline void expect_blocked_run_resumes_exactly(const std::string& spec) {
  auto whole = make_optimizer(spec), first = make_optimizer(spec);
  whole->reset_shapes(std::vector<Shape>{{5, 3}});
  first->reset_shapes(std::vector<Shape>{{5, 3}});
  std::vector<double> w(15, 0.4), u(15, 0.4);
  for (int t = 1; t <= 5; ++t) {
    whole->step(w, pattern_gradient(w, t));
    first->step(u, pattern_gradient(u, t));
  }
  TempDir dir;
  const std::filesystem::path path = std::filesystem::path(dir.path()) / "blocked.ckpt";
  save_checkpoint<double>(path, *first, u, 5);
  Checkpoint<double> c = load_checkpoint<double>(path);
  for (int t = 6; t <= 12; ++t) {
    whole->step(w, pattern_gradient(w, t));
    c.optimizer->step(c.w, pattern_gradient(c.w, t));
  }
  EXPECT_EQ(w, c.w);
}

}  // namespace descent::test
