#include "descent/optimizers/swa.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// The mean of the iterates after steps 5, 8, 11, ... (start 4, every 3), the inner momentum
// stepping w as it would alone.
TEST(Swa, MatchesTheUpdateRule) {
  test::expect_answer_matches_reference("swa:start=4,every=3/momentum:lr=0.1,alpha=0.5", [] {
    return [v = std::vector<double>(7), sum = std::vector<double>(7), n = 0](
               std::vector<double>& w, std::vector<double>& x, const std::vector<double>& g,
               int t) mutable {
      for (std::size_t i = 0; i < w.size(); ++i) {
        v[i] = 0.5 * v[i] + 0.1 * g[i];
        w[i] = w[i] - v[i];
      }
      if (t <= 4 || (t - 4) % 3 != 0) return;
      ++n;
      for (std::size_t i = 0; i < w.size(); ++i) {
        sum[i] += w[i];
        x[i] = sum[i] / n;
      }
    };
  });
}

TEST(Swa, Defaults) {
  EXPECT_EQ(make_optimizer("swa/sgd")->spec(), "swa:start=0,every=1/sgd:lr=0.1,weight_decay=0");
  EXPECT_THROW(make_optimizer("swa:every=0/sgd"), InputError);
  EXPECT_THROW(make_optimizer("swa:start=-1/sgd"), InputError);
}

TEST(Swa, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("swa:start=100/sgd:lr=0.05");
}

}  // namespace
}  // namespace descent
