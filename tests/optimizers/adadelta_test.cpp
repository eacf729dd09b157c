#include "descent/optimizers/adadelta.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

TEST(Adadelta, MatchesTheUpdateRule) {
  test::expect_matches_reference("adadelta:lr=0.5,rho=0.95,eps=1e-5,weight_decay=0.1", [] {
    return [sq = std::vector<double>(7), acc = std::vector<double>(7)](
               std::vector<double>& w, const std::vector<double>& g, int) mutable {
      for (std::size_t i = 0; i < w.size(); ++i) {
        const double gd = g[i] + 0.1 * w[i];
        sq[i] = 0.95 * sq[i] + 0.05 * gd * gd;
        const double dx = std::sqrt(acc[i] + 1e-5) / std::sqrt(sq[i] + 1e-5) * gd;
        acc[i] = 0.95 * acc[i] + 0.05 * dx * dx;
        w[i] -= 0.5 * dx;
      }
    };
  });
}

TEST(Adadelta, Defaults) {
  EXPECT_EQ(make_optimizer("adadelta")->spec(), "adadelta:lr=1,rho=0.9,eps=1e-06,weight_decay=0");
  EXPECT_THROW(make_optimizer("adadelta:rho=1"), InputError);
}

TEST(Adadelta, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("adadelta:lr=0.5,rho=0.99");
}

}  // namespace
}  // namespace descent
