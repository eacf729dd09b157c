#include "descent/optimizers/nesterov.hpp"

#include <gtest/gtest.h>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Two steps by hand: lr = 0.5, alpha = 0.5, w = 3, g = 2 then 4.
//   b = 2 (first step),   w = 3 - 0.5*(2 + 0.5*2) = 1.5
//   b = 0.5*2 + 4 = 5,    w = 1.5 - 0.5*(4 + 0.5*5) = -1.75
TEST(Nesterov, TwoStepsByHand) {
  Nesterov<double> opt({.lr = 0.5, .alpha = 0.5});
  opt.reset(1);
  std::vector<double> w = {3};
  opt.step(w, std::vector<double>{2});
  EXPECT_EQ(w[0], 1.5);
  opt.step(w, std::vector<double>{4});
  EXPECT_EQ(w[0], -1.75);
  EXPECT_EQ(opt.state().array("buffer")[0], 5.0);
}

TEST(Nesterov, MatchesTheUpdateRule) {
  test::expect_matches_reference("nesterov:lr=0.05,alpha=0.8,weight_decay=0.1", [] {
    return [b = std::vector<double>(7)](std::vector<double>& w, const std::vector<double>& g,
                                        int t) mutable {
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double gd = g[i] + 0.1 * w[i];
        b[i] = t == 1 ? gd : 0.8 * b[i] + gd;
        w[i] -= 0.05 * (gd + 0.8 * b[i]);
      }
    };
  });
}

TEST(Nesterov, Defaults) {
  EXPECT_EQ(make_optimizer("nesterov")->spec(), "nesterov:lr=0.1,alpha=0.9,weight_decay=0");
  EXPECT_THROW(make_optimizer("nesterov:alpha=1"), InputError);
}

TEST(Nesterov, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("nesterov:lr=0.05,alpha=0.5");
}

}  // namespace
}  // namespace descent
