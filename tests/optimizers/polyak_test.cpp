#include "descent/optimizers/polyak.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// f(w) = sum_i c_i (w_i - 0.3)^2 + 0.5, minimum 0.5: its loss and gradient.
double bowl(const std::vector<double>& w, std::vector<double>& g) {
  double f = 0.5;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double c = 1.0 + static_cast<double>(i);
    f += c * (w[i] - 0.3) * (w[i] - 0.3);
    g[i] = 2 * c * (w[i] - 0.3);
  }
  return f;
}

// Loizou et al. 2021, SPS_max (and SPS+ with positive): gamma = min((f - f_min) / |lr g|^2,
// max_lr), w <- w - gamma lr g. Stepped with the loss, as the runner does; float within 1e-4.
TEST(Polyak, MatchesTheUpdateRule) {
  for (const bool positive : {false, true}) {
    // f_min above the minimum makes the gap negative near it: SPS+ then stops, SPS steps back.
    const std::string spec = std::string("polyak:lr=0.8,max_lr=0.7,f_min=0.6,eps=1e-3,positive=") +
                             (positive ? "true" : "false");
    auto d = make_optimizer<double>(spec);
    auto f = make_optimizer<float>(spec);
    d->reset(3);
    f->reset(3);
    std::vector<double> w = {1.5, -0.7, 2.0}, r = w, g(3), gr(3);
    std::vector<float> wf(w.begin(), w.end()), gf(3);
    for (int t = 1; t <= 25; ++t) {
      const double loss = bowl(w, g);
      d->step_with(w, g, loss, {});
      const double loss_r = bowl(r, gr);
      double u_sq = 0;
      for (double x : gr) u_sq += 0.8 * x * 0.8 * x;
      const double gap = positive ? std::max(loss_r - 0.6, 0.0) : loss_r - 0.6;
      const double gamma = std::min(gap / (u_sq + 1e-3), 0.7);
      for (std::size_t i = 0; i < 3; ++i) r[i] -= gamma * 0.8 * gr[i];
      std::vector<double> wfd(wf.begin(), wf.end()), gfd(3);
      const double loss_f = bowl(wfd, gfd);
      for (std::size_t i = 0; i < 3; ++i) gf[i] = static_cast<float>(gfd[i]);
      f->step_with(wf, gf, loss_f, {});
      for (std::size_t i = 0; i < 3; ++i) {
        ASSERT_NEAR(w[i], r[i], 1e-13 * std::max(1.0, std::abs(r[i]))) << spec << " step " << t;
        ASSERT_NEAR(wf[i], r[i], 1e-4 * std::max(1.0, std::abs(r[i]))) << spec << " step " << t;
      }
    }
  }
}

// Without a loss there is no step size: a clear error, and the point is unchanged.
TEST(Polyak, RefusesAStepWithoutTheLoss) {
  auto opt = make_optimizer<double>("polyak");
  opt->reset(2);
  std::vector<double> w = {1, 2};
  EXPECT_THROW(opt->step(w, std::vector<double>{1, 1}), InputError);
  EXPECT_EQ(w, (std::vector<double>{1, 2}));
  // At the minimum the gradient is 0: no step, not a division by 0.
  opt->step_with(w, std::vector<double>{0, 0}, 0.0, {});
  EXPECT_EQ(w, (std::vector<double>{1, 2}));
}

TEST(Polyak, Defaults) {
  EXPECT_EQ(make_optimizer("polyak")->spec(), "polyak:lr=1,max_lr=1,f_min=0,eps=0,positive=false");
  EXPECT_THROW(make_optimizer("polyak:max_lr=-1"), InputError);
}

// As optax, the step is 0 once |lr g|^2 + eps is at most machine epsilon (|g| ~ 1.5e-8), so the
// bowls stop near f ~ 1e-17, above the usual 1e-20.
TEST(Polyak, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("polyak", 1e-16);
}

}  // namespace
}  // namespace descent
