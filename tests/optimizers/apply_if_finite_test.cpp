#include "descent/optimizers/apply_if_finite.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// With finite gradients, the inner optimizer alone.
TEST(Apply_if_finite, MatchesTheUpdateRule) {
  test::expect_matches_reference("apply_if_finite/momentum:lr=0.1,alpha=0.9", [] {
    return [v = std::vector<double>(7)](std::vector<double>& w, const std::vector<double>& g,
                                        int) mutable {
      for (std::size_t i = 0; i < w.size(); ++i) {
        v[i] = 0.9 * v[i] + 0.1 * g[i];
        w[i] -= v[i];
      }
    };
  });
}

// A NaN or an infinity anywhere in g skips the step, leaving the momentum as it was, up to
// max_errors times in a row; the next one is let through.
TEST(Apply_if_finite, SkipsNonFiniteGradientsUpToTheLimit) {
  auto opt = make_optimizer("apply_if_finite:max_errors=2/momentum:lr=0.1,alpha=0.5");
  opt->reset(2);
  std::vector<double> w = {1, 1};
  opt->step(w, std::vector<double>{1, 2});  // v = (0.1, 0.2)
  EXPECT_DOUBLE_EQ(w[0], 0.9);
  const double inf = std::numeric_limits<double>::infinity();
  opt->step(w, std::vector<double>{NAN, 1});
  opt->step(w, std::vector<double>{1, inf});
  EXPECT_DOUBLE_EQ(w[0], 0.9);
  EXPECT_DOUBLE_EQ(w[1], 0.8);
  opt->step(w, std::vector<double>{1, 1});  // v = (0.15, 0.2): the momentum skipped the two
  EXPECT_DOUBLE_EQ(w[0], 0.9 - 0.15);
  EXPECT_DOUBLE_EQ(w[1], 0.8 - 0.2);
  opt->step(w, std::vector<double>{NAN, 0});
  opt->step(w, std::vector<double>{NAN, 0});
  EXPECT_DOUBLE_EQ(w[1], 0.6);
  opt->step(w, std::vector<double>{NAN, 0});  // the third in a row goes through
  EXPECT_TRUE(std::isnan(w[0]));
}

TEST(Apply_if_finite, Defaults) {
  EXPECT_EQ(make_optimizer("apply_if_finite/sgd")->spec(),
            "apply_if_finite:max_errors=5/sgd:lr=0.1,weight_decay=0");
  EXPECT_THROW(make_optimizer("apply_if_finite:max_errors=-1/sgd"), InputError);
}

TEST(Apply_if_finite, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("apply_if_finite/sgd:lr=0.05");
}

}  // namespace
}  // namespace descent
