#include "descent/optimizers/rprop.hpp"

#include <gtest/gtest.h>

#include <gmock/gmock.h>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

TEST(Rprop, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "rprop:lr=0.05,eta_minus=0.4,eta_plus=1.3,step_min=0.01,step_max=0.2", [] {
        return [prev = std::vector<double>(7), step = std::vector<double>(7, 0.05)](
                   std::vector<double>& w, const std::vector<double>& g, int) mutable {
          for (std::size_t i = 0; i < w.size(); ++i) {
            double gi = g[i];
            const double s = gi * prev[i];
            if (s > 0) step[i] = std::min(step[i] * 1.3, 0.2);
            if (s < 0) {
              step[i] = std::max(step[i] * 0.4, 0.01);
              gi = 0;
            }
            w[i] -= (gi > 0 ? 1 : gi < 0 ? -1 : 0) * step[i];
            prev[i] = gi;
          }
        };
      });
}

// By hand: steps 0.5, then the sign holds (x1.2 = 0.6), then it flips (x0.5 = 0.3, no move),
// then after the flip the previous gradient is 0, so the step size is kept and used.
TEST(Rprop, SignLogicByHand) {
  Rprop<double> opt({.lr = 0.5});
  opt.reset(1);
  std::vector<double> w = {0};
  opt.step(w, std::vector<double>{1});
  EXPECT_EQ(w[0], -0.5);
  opt.step(w, std::vector<double>{3});
  const double after_two = -0.5 - 0.6;
  EXPECT_EQ(w[0], after_two);
  opt.step(w, std::vector<double>{-2});
  EXPECT_EQ(w[0], after_two);
  EXPECT_EQ(opt.state().array("step_size")[0], 0.3);
  opt.step(w, std::vector<double>{-2});
  EXPECT_EQ(w[0], after_two + 0.3);
}

TEST(Rprop, Defaults) {
  EXPECT_EQ(make_optimizer("rprop")->spec(),
            "rprop:lr=0.01,eta_minus=0.5,eta_plus=1.2,step_min=1e-06,step_max=50");
  EXPECT_THROW(make_optimizer("rprop:eta_plus=1"), InputError);
  EXPECT_THROW(make_optimizer("rprop:eta_minus=1"), InputError);
  try {
    make_optimizer("rprop:step_min=2,step_max=1");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), ::testing::HasSubstr("step_min must not exceed step_max"));
  }
}

TEST(Rprop, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("rprop:lr=0.01,step_min=0");
}

}  // namespace
}  // namespace descent
