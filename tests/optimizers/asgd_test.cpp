#include "descent/optimizers/asgd.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// t0 = 10 turns averaging on within the 25 steps.
TEST(Asgd, MatchesTheUpdateRule) {
  test::expect_matches_reference("asgd:lr=0.05,lambd=0.01,alpha=0.5,t0=10,weight_decay=0.1", [] {
    return [eta = 0.05](std::vector<double>& w, const std::vector<double>& g, int t) mutable {
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double gd = g[i] + 0.1 * w[i];
        w[i] = w[i] * (1 - 0.01 * eta) - eta * gd;
      }
      eta = 0.05 / std::pow(1 + 0.01 * 0.05 * t, 0.5);
    };
  });
}

TEST(Asgd, AveragesAfterT0) {
  Asgd<double> opt({.lr = 0.5, .lambd = 0.0, .t0 = 1});
  opt.reset(1);
  std::vector<double> w = {0};
  opt.step(w, std::vector<double>{-2});  // w = 1, mu = 1 so ax = w = 1; then mu = 1/max(1, 0) = 1
  EXPECT_EQ(opt.state().array("ax")[0], 1.0);
  opt.step(w, std::vector<double>{-2});  // w = 2, ax = w; mu = 1/max(1, 2 - 1) = 1
  opt.step(w, std::vector<double>{-2});  // w = 3, ax = 3; mu = 1/2
  opt.step(w, std::vector<double>{-2});  // w = 4, ax = 3 + (4 - 3)/2 = 3.5
  EXPECT_EQ(w[0], 4.0);
  EXPECT_EQ(opt.state().array("ax")[0], 3.5);
}

TEST(Asgd, Defaults) {
  EXPECT_EQ(make_optimizer("asgd")->spec(),
            "asgd:lr=0.01,lambd=1e-04,alpha=0.75,t0=1e+06,weight_decay=0");
  EXPECT_THROW(make_optimizer("asgd:t0=-1"), InputError);
}

TEST(Asgd, ConvergesOnTheSeedsBowls) { test::expect_converges_on_the_seeds_bowls("asgd:lr=0.05"); }

}  // namespace
}  // namespace descent
