#include "descent/optimizers/dog.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

double norm_sq(const std::vector<double>& a, const std::vector<double>& b = {}) {
  double s = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double d = a[i] - (b.empty() ? 0.0 : b[i]);
    s += d * d;
  }
  return s;
}

// Ivgi, Hinder & Carmon 2023, algorithm 1: eta_t = max_{i<=t} |x_i - x_0| / sqrt(sum_{i<=t}
// |g_i|^2), with r_eps (1 + |x0|) for the first distance.
TEST(Dog, MatchesTheUpdateRule) {
  test::expect_matches_reference("dog:lr=0.5,r_eps=1e-3,eps=1e-6,weight_decay=0.05", [] {
    return [x0 = std::vector<double>(), r = 0.0, sum = 0.0](
               std::vector<double>& w, const std::vector<double>& g, int t) mutable {
      if (t == 1) {
        x0 = w;
        r = 1e-3 * (1 + std::sqrt(norm_sq(w)));
      }
      std::vector<double> gd(w.size());
      for (std::size_t i = 0; i < w.size(); ++i) gd[i] = g[i] + 0.05 * w[i];
      r = std::max(r, std::sqrt(norm_sq(w, x0)));
      sum += norm_sq(gd);
      for (std::size_t i = 0; i < w.size(); ++i) w[i] -= 0.5 * r / std::sqrt(sum + 1e-6) * gd[i];
    };
  });
}

// Khaled, Mishchenko & Jin 2023, algorithm 1: r2_t = max(r2, |x_t - x_0|^2), v_t = v + r2_t
// |g_t|^2, eta_t = r2_t / sqrt(v_t).
TEST(Dowg, MatchesTheUpdateRule) {
  test::expect_matches_reference("dowg:lr=0.5,r2_init=1e-2,eps=1e-6,weight_decay=0.05", [] {
    return [x0 = std::vector<double>(), r2 = 1e-2, v = 0.0](
               std::vector<double>& w, const std::vector<double>& g, int t) mutable {
      if (t == 1) x0 = w;
      std::vector<double> gd(w.size());
      for (std::size_t i = 0; i < w.size(); ++i) gd[i] = g[i] + 0.05 * w[i];
      r2 = std::max(r2, norm_sq(w, x0));
      v += r2 * norm_sq(gd);
      for (std::size_t i = 0; i < w.size(); ++i) w[i] -= 0.5 * r2 / (std::sqrt(v) + 1e-6) * gd[i];
    };
  });
}

// The first step has length r_eps (1 + |x0|) along -g/|g| (up to eps).
TEST(Dog, FirstStepHasLengthREps) {
  Dog<double> opt({.r_eps = 0.01, .eps = 0.0});
  opt.reset(2);
  std::vector<double> w = {3, 4};
  opt.step(w, std::vector<double>{0, 2});
  EXPECT_DOUBLE_EQ(w[0], 3.0);
  EXPECT_DOUBLE_EQ(w[1], 4.0 - 0.01 * 6);
  EXPECT_EQ(opt.info().family, Family::lr_free);
  EXPECT_FALSE(opt.info().elementwise);
}

TEST(Dog, Defaults) {
  EXPECT_EQ(make_optimizer("dog")->spec(), "dog:lr=1,r_eps=1e-06,eps=1e-08,weight_decay=0");
  EXPECT_EQ(make_optimizer("dowg")->spec(), "dowg:lr=1,r2_init=1e-04,eps=1e-04,weight_decay=0");
  EXPECT_THROW(make_optimizer("dog:r_eps=0"), InputError);
  EXPECT_THROW(make_optimizer("dowg:r2_init=-1"), InputError);
}

TEST(Dog, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("dog"); }

TEST(Dowg, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("dowg"); }

}  // namespace
}  // namespace descent
