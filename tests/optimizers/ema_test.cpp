#include "descent/optimizers/ema.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// The inner optimizer (sgd) steps w as it would alone; the answer starts at w after the first
// step and then averages: x <- 0.8 x + 0.2 w.
TEST(Ema, MatchesTheUpdateRule) {
  test::expect_answer_matches_reference("ema:decay=0.8/sgd:lr=0.1", [] {
    return [](std::vector<double>& w, std::vector<double>& x, const std::vector<double>& g, int t) {
      for (std::size_t i = 0; i < w.size(); ++i) {
        w[i] = w[i] - 0.1 * g[i];
        x[i] = t == 1 ? w[i] : 0.8 * x[i] + 0.2 * w[i];
      }
    };
  });
}

TEST(Ema, Defaults) {
  EXPECT_EQ(make_optimizer("ema/sgd")->spec(), "ema:decay=0.99/sgd:lr=0.1,weight_decay=0");
  EXPECT_THROW(make_optimizer("ema:decay=1/sgd"), InputError);
  // Before its first step it has no answer of its own.
  auto opt = make_optimizer("ema/sgd");
  opt->reset(1);
  std::vector<double> w = {1}, x = {0};
  EXPECT_FALSE(opt->solution(w, x));
}

TEST(Ema, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("ema/sgd:lr=0.05");
}

}  // namespace
}  // namespace descent
