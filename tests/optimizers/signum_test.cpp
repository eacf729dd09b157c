#include "descent/optimizers/signum.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

TEST(Signum, MatchesTheUpdateRule) {
  test::expect_matches_reference("signum:lr=0.05,beta=0.8,weight_decay=0.1", [] {
    return [m = std::vector<double>(7)](std::vector<double>& w, const std::vector<double>& g,
                                        int) mutable {
      for (std::size_t i = 0; i < w.size(); ++i) {
        m[i] = 0.8 * m[i] + 0.2 * (g[i] + 0.1 * w[i]);
        w[i] -= 0.05 * ((m[i] > 0) - (m[i] < 0));
      }
    };
  });
}

// By hand, lr = 0.25, beta = 0.5: g = 2 gives m = 1 and a step of -lr; g = -4 gives m = -1.5 and
// a step of +lr; g = 1.5 gives m = 0, no step.
TEST(Signum, ThreeStepsByHand) {
  Signum<double> opt({.lr = 0.25, .beta = 0.5});
  opt.reset(1);
  std::vector<double> w = {1};
  opt.step(w, std::vector<double>{2});
  EXPECT_EQ(w[0], 0.75);
  opt.step(w, std::vector<double>{-4});
  EXPECT_EQ(w[0], 1.0);
  EXPECT_EQ(opt.state().array("momentum")[0], -1.5);
  opt.step(w, std::vector<double>{1.5});
  EXPECT_EQ(w[0], 1.0);
  EXPECT_EQ(opt.state().array("momentum")[0], 0.0);
}

TEST(Signum, Defaults) {
  EXPECT_EQ(make_optimizer("signum")->spec(), "signum:lr=0.01,beta=0.9,weight_decay=0");
  EXPECT_THROW(make_optimizer("signum:beta=1"), InputError);
}

TEST(Signum, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("signum:lr=0.01@exponential:gamma=0.99", 1e-15);
}

}  // namespace
}  // namespace descent
