#include "descent/optimizers/lion.hpp"

#include <gtest/gtest.h>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Chen et al. (2023), program 1, by hand. lr = 0.5, beta1 = 0.5, beta2 = 0.75, wd = 0.5, w = 1:
//   step 1, g = 2:  c = 0.5*0 + 0.5*2 = 1 > 0;       w = 1 - 0.5*(1 + 0.5*1) = 0.25
//                   m = 0.75*0 + 0.25*2 = 0.5
//   step 2, g = -4: c = 0.5*0.5 + 0.5*(-4) = -1.75;  w = 0.25 - 0.5*(-1 + 0.5*0.25) = 0.6875
//                   m = 0.75*0.5 + 0.25*(-4) = -0.625
//   step 3, g = 1.25: c = 0.5*(-0.625) + 0.5*1.25 = 0.3125; w = 0.6875 - 0.5*(1 + 0.34375)
//                   = 0.015625
TEST(Lion, ThreeStepsByHand) {
  Lion<double> opt({.lr = 0.5, .beta1 = 0.5, .beta2 = 0.75, .weight_decay = 0.5});
  opt.reset(1);
  std::vector<double> w = {1};
  opt.step(w, std::vector<double>{2});
  EXPECT_EQ(w[0], 0.25);
  EXPECT_EQ(opt.state().array("exp_avg")[0], 0.5);
  opt.step(w, std::vector<double>{-4});
  EXPECT_EQ(w[0], 0.6875);
  EXPECT_EQ(opt.state().array("exp_avg")[0], -0.625);
  opt.step(w, std::vector<double>{1.25});
  EXPECT_EQ(w[0], 0.015625);
}

TEST(Lion, MatchesTheUpdateRule) {
  test::expect_matches_reference("lion:lr=0.01,beta1=0.8,beta2=0.95,weight_decay=0.1", [] {
    return [m = std::vector<double>(7)](std::vector<double>& w, const std::vector<double>& g,
                                        int) mutable {
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double c = 0.8 * m[i] + 0.2 * g[i];
        w[i] -= 0.01 * ((c > 0) - (c < 0) + 0.1 * w[i]);
        m[i] = 0.95 * m[i] + 0.05 * g[i];
      }
    };
  });
}

TEST(Lion, Defaults) {
  EXPECT_EQ(make_optimizer("lion")->spec(), "lion:lr=1e-04,beta1=0.9,beta2=0.99,weight_decay=0");
  EXPECT_THROW(make_optimizer("lion:beta2=1.5"), InputError);
}

TEST(Lion, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("lion:lr=0.01@exponential:gamma=0.99", 1e-15);
}

}  // namespace
}  // namespace descent
