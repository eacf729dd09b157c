#include "descent/optimizers/amsgrad.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Reddi et al. 2018 with Adam's bias corrections, the maximum taken over the corrected v.
TEST(Amsgrad, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "amsgrad:lr=0.01,beta1=0.8,beta2=0.99,eps=1e-6,weight_decay=0.05", [] {
        return
            [m = std::vector<double>(7), v = std::vector<double>(7), vmax = std::vector<double>(7)](
                std::vector<double>& w, const std::vector<double>& g, int t) mutable {
              for (std::size_t i = 0; i < w.size(); ++i) {
                const double gd = g[i] + 0.05 * w[i];
                m[i] = 0.8 * m[i] + 0.2 * gd;
                v[i] = 0.99 * v[i] + 0.01 * gd * gd;
                vmax[i] = std::max(vmax[i], v[i] / (1 - std::pow(0.99, t)));
                w[i] -= 0.01 * (m[i] / (1 - std::pow(0.8, t))) / (std::sqrt(vmax[i]) + 1e-6);
              }
            };
      });
}

// After a large gradient the corrected maximum holds: a small gradient then takes a small step,
// where adam:amsgrad=true (the maximum of the raw v, corrected afterwards) takes a larger one.
TEST(Amsgrad, KeepsTheMaximumOfTheCorrectedMoment) {
  Amsgrad<double> opt({.lr = 1.0, .beta1 = 0.0, .beta2 = 0.5, .eps = 0.0});
  opt.reset(1);
  std::vector<double> w = {0};
  opt.step(w, std::vector<double>{4});  // v = 8, corrected 16: the step is 4/4
  EXPECT_EQ(w[0], -1.0);
  EXPECT_EQ(opt.state().array("max_exp_avg_sq_hat")[0], 16.0);
  opt.step(w, std::vector<double>{1});  // v = 4.5, corrected 6 < 16: the step is 1/4
  EXPECT_EQ(w[0], -1.25);
  auto torch_form = make_optimizer<double>("adam:lr=1,beta1=0,beta2=0.5,eps=0,amsgrad=true");
  torch_form->reset(1);
  std::vector<double> u = {0};
  torch_form->step(u, std::vector<double>{4});
  torch_form->step(u, std::vector<double>{1});  // max raw v = 8, sqrt(8/0.75) < 4
  EXPECT_LT(u[0], w[0]);
}

TEST(Amsgrad, Defaults) {
  EXPECT_EQ(make_optimizer("amsgrad")->spec(),
            "amsgrad:lr=0.001,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0");
  EXPECT_THROW(make_optimizer("amsgrad:beta1=1"), InputError);
}

TEST(Amsgrad, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("amsgrad:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
