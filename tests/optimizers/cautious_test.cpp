#include "descent/optimizers/cautious.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Liang et al. 2024, algorithm 1 around heavy-ball momentum: the step u = -v is kept where
// u_i g_i < 0, scaled by n / (kept + 1) (or not), the momentum advancing as usual.
TEST(Cautious, MatchesTheUpdateRule) {
  for (const bool rescale : {true, false}) {
    test::expect_matches_reference(
        std::string("cautious:rescale=") + (rescale ? "true" : "false") +
            "/momentum:lr=0.1,alpha=0.9",
        [rescale] {
          return [rescale, v = std::vector<double>(7)](std::vector<double>& w,
                                                       const std::vector<double>& g, int) mutable {
            std::size_t kept = 0;
            for (std::size_t i = 0; i < w.size(); ++i) {
              v[i] = 0.9 * v[i] + 0.1 * g[i];
              kept += -v[i] * g[i] < 0;
            }
            const double scale = rescale ? 7.0 / static_cast<double>(kept + 1) : 1.0;
            for (std::size_t i = 0; i < w.size(); ++i)
              if (-v[i] * g[i] < 0) w[i] = w[i] + (-v[i]) * scale;
          };
        },
        1e-12);
  }
}

TEST(Cautious, Defaults) {
  // It reads g as the direction of descent: maximize (on the inner gradient) is refused, but not
  // under a wrapper that does not read it.
  EXPECT_THROW(make_optimizer("cautious/sgd:maximize=true"), InputError);
  EXPECT_THROW(make_optimizer("cautious/lookahead/sgd:maximize=true"), InputError);
  EXPECT_NO_THROW(make_optimizer("lookahead/sgd:maximize=true"));
  EXPECT_EQ(make_optimizer("cautious/sgd")->spec(),
            "cautious:rescale=true/sgd:lr=0.1,weight_decay=0");
}

TEST(Cautious, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("cautious/momentum:lr=0.05");
}

}  // namespace
}  // namespace descent
