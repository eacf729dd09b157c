#include "descent/optimizers/adamw.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

TEST(Adamw, MatchesTheUpdateRule) {
  for (const bool amsgrad : {false, true}) {
    test::expect_matches_reference(
        std::string("adamw:lr=0.01,weight_decay=0.3,amsgrad=") + (amsgrad ? "true" : "false"),
        [amsgrad] {
          return [amsgrad, m = std::vector<double>(7), v = std::vector<double>(7),
                  vmax = std::vector<double>(7)](std::vector<double>& w,
                                                 const std::vector<double>& g, int t) mutable {
            for (std::size_t i = 0; i < w.size(); ++i) {
              w[i] *= 1 - 0.01 * 0.3;  // decoupled: the gradient is not changed
              m[i] = 0.9 * m[i] + 0.1 * g[i];
              v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
              vmax[i] = std::max(vmax[i], v[i]);
              const double m_hat = m[i] / (1 - std::pow(0.9, t));
              const double v_hat = (amsgrad ? vmax[i] : v[i]) / (1 - std::pow(0.999, t));
              w[i] -= 0.01 * m_hat / (std::sqrt(v_hat) + 1e-8);
            }
          };
        });
  }
}

// With a zero gradient Adam's moments stay 0 and only the decay acts: w <- w * (1 - lr*wd).
TEST(Adamw, DecayIsDecoupled) {
  Adamw<double> opt({.lr = 0.5, .weight_decay = 0.5});
  opt.reset(1);
  std::vector<double> w = {2};
  opt.step(w, std::vector<double>{0});
  EXPECT_EQ(w[0], 1.5);
}

TEST(Adamw, Defaults) {
  EXPECT_EQ(make_optimizer("adamw")->spec(),
            "adamw:lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0.01,amsgrad=false");
  EXPECT_THROW(make_optimizer("adamw:weight_decay=-1"), InputError);
}

TEST(Adamw, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("adamw:lr=0.05,weight_decay=0@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
