#include "descent/optimizers/signsgd.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

TEST(Signsgd, MatchesTheUpdateRule) {
  test::expect_matches_reference("signsgd:lr=0.05,weight_decay=0.1", [] {
    return [](std::vector<double>& w, const std::vector<double>& g, int) {
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double gd = g[i] + 0.1 * w[i];
        w[i] -= 0.05 * ((gd > 0) - (gd < 0));
      }
    };
  });
}

// signum with beta = 0 takes the same steps.
TEST(Signsgd, IsSignumWithoutMomentum) {
  auto a = make_optimizer<double>("signsgd:lr=0.25");
  auto b = make_optimizer<double>("signum:lr=0.25,beta=0");
  a->reset(3);
  b->reset(3);
  std::vector<double> wa = {1, -2, 3}, wb = wa;
  for (const std::vector<double>& g : {std::vector<double>{2, 0, -1}, {-1, 5, 0}}) {
    a->step(wa, g);
    b->step(wb, g);
  }
  EXPECT_EQ(wa, wb);
  EXPECT_EQ(wa, (std::vector<double>{1, -2.25, 3.25}));
}

TEST(Signsgd, Defaults) {
  EXPECT_EQ(make_optimizer("signsgd")->spec(), "signsgd:lr=0.01,weight_decay=0");
  EXPECT_THROW(make_optimizer("signsgd:lr=-1"), InputError);
}

TEST(Signsgd, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("signsgd:lr=0.01@exponential:gamma=0.99", 1e-15);
}

}  // namespace
}  // namespace descent
