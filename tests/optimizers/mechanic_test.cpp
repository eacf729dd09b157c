#include "descent/optimizers/mechanic.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/tune.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Cutkosky et al. 2023, algorithm 1 as optax.contrib.mechanize computes it, around sgd:lr=1
// (whose step is -g), with three tuners: the sum of the inner steps is replayed from x0 at the
// learned scale sum(s).
TEST(Mechanic, MatchesTheUpdateRule) {
  test::expect_matches_reference(
      "mechanic:weight_decay=0.1,eps=1e-6,s_init=1e-3,num_betas=3/sgd:lr=1",
      [] {
        return [x0 = std::vector<double>(), s = std::vector<double>(3, 1e-3),
                m = std::vector<double>(3), v = std::vector<double>(3), r = std::vector<double>(3)](
                   std::vector<double>& w, const std::vector<double>& g, int t) mutable {
          if (t == 1) x0 = w;
          const double sum = s[0] + s[1] + s[2];
          double gn = 0, wn = 0;
          for (std::size_t i = 0; i < w.size(); ++i) {
            gn += g[i] * g[i];
            wn += w[i] * w[i];
          }
          const double c = 0.1 * sum * std::sqrt(gn) / (std::sqrt(wn) + 1e-6);
          double h = 0;
          for (std::size_t i = 0; i < w.size(); ++i)
            h += (g[i] + c * w[i]) * (x0[i] - w[i]) / (sum + 1e-6);
          const double betas[] = {0.9, 0.99, 0.999};
          for (int j = 0; j < 3; ++j) {
            r[j] = betas[j] * r[j] + std::min(std::max(h, -m[j]), m[j]) * s[j];
            m[j] = std::max(betas[j] * m[j], std::abs(h) + 1e-6);
            v[j] = betas[j] * betas[j] * v[j] + h * h;
            s[j] = (1e-3 / 3 * m[j] + std::max(r[j], 0.0)) / (std::sqrt(v[j]) + 1e-6);
          }
          const double scale = s[0] + s[1] + s[2];
          for (std::size_t i = 0; i < w.size(); ++i)
            w[i] = x0[i] - scale * ((x0[i] - w[i]) / (sum + 1e-6) + g[i]);
        };
      },
      1e-10);
}

TEST(Mechanic, Defaults) {
  EXPECT_EQ(make_optimizer("mechanic/sgd")->spec(),
            "mechanic:weight_decay=0.01,eps=1e-08,s_init=1e-06,num_betas=6/"
            "sgd:lr=0.1,weight_decay=0");
  EXPECT_THROW(make_optimizer("mechanic:num_betas=0/sgd"), InputError);
  EXPECT_THROW(make_optimizer("mechanic:s_init=0/sgd"), InputError);
  EXPECT_THROW(make_optimizer("mechanic:eps=0/sgd"), InputError);  // its first step is 0/0
  // It reads g as the direction of descent: maximize (on the inner gradient) is refused.
  EXPECT_THROW(make_optimizer("mechanic/sgd:maximize=true"), InputError);
  // Its weight_decay is its own; the inner optimizer's is named through its level.
  OptimizerConfig c = OptimizerConfig::parse("mechanic/sgd");
  c.set("weight_decay", 0.5);
  c.set("sgd.weight_decay", 0.25);
  EXPECT_EQ(c.spec(),
            "mechanic:weight_decay=0.5,eps=1e-08,s_init=1e-06,num_betas=6/"
            "sgd:lr=0.1,weight_decay=0.25");
  // A key the levels share is named through its level in the list of keys, which tuning
  // searches.
  const OptimizerConfig adam = OptimizerConfig::parse("mechanic/adam");
  std::vector<std::string> names;
  for (const ParamInfo& p : adam.keys()) names.push_back(p.name);
  EXPECT_NE(std::find(names.begin(), names.end(), "mechanic.eps"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "adam.eps"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "lr"), names.end());
  const std::vector<TuneAxis> axes = tune_space(adam, {"adam.eps"});
  ASSERT_EQ(axes.size(), 1u);
  EXPECT_EQ(axes[0].key, "adam.eps");
  EXPECT_EQ(adam.with(axes[0].key, 1e-6).get("adam.eps"), 1e-6);
  EXPECT_EQ(adam.with(axes[0].key, 1e-6).get("mechanic.eps"), 1e-8);
}

// Mechanic's scale is a coin-betting wealth: near the minimum it keeps betting, and w swings
// around it at a loss of ~1e-8 rather than going in (optax's mechanize does the same; see
// compare_optax.py). The loss falls from 1 or 9 to below 1e-7 in 2000 steps.
TEST(Mechanic, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("mechanic/momentum:lr=0.01", 1e-7, 1e-7);
}

}  // namespace
}  // namespace descent
