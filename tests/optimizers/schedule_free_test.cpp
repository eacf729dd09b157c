#include "descent/optimizers/schedule_free.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Defazio et al. 2024, Algorithm 1, as the authors run it: y moves toward z by c_t and along the
// gradient by lr_t (beta (1 - c_t) - 1), z takes the base step; c_t = w_t / sum w, with
// w_t = t^r lr_max^power and lr_t warmed up linearly (and, for AdamW, times sqrt(1 - beta2^t)).
test::ReferenceStep schedule_free(bool adam, double lr, double beta1, double beta2, double eps,
                                  double wd, int warmup, double r, double power) {
  return [=, z = std::vector<double>(), v = std::vector<double>(7), lr_max = -1.0,
          weight_sum = 0.0](std::vector<double>& w, const std::vector<double>& g, int t) mutable {
    if (t == 1) z = w;
    double lr_t = lr * (t <= warmup ? double(t) / warmup : 1.0);
    if (adam) lr_t *= std::sqrt(1 - std::pow(beta2, t));
    lr_max = std::max(lr_max, lr_t);
    const double weight = std::pow(t, r) * std::pow(lr_max, power);
    weight_sum += weight;
    const double c = weight / weight_sum;
    for (std::size_t i = 0; i < w.size(); ++i) {
      double u = g[i] + wd * w[i];
      if (adam) {
        v[i] = beta2 * v[i] + (1 - beta2) * g[i] * g[i];
        u = g[i] / (std::sqrt(v[i]) + eps) + wd * w[i];
      }
      w[i] = w[i] + c * (z[i] - w[i]) + lr_t * (beta1 * (1 - c) - 1) * u;
      z[i] -= lr_t * u;
    }
  };
}

TEST(Schedule_free_sgd, MatchesTheUpdateRule) {
  test::expect_matches_reference("schedule_free_sgd:lr=0.05",
                                 [] { return schedule_free(false, 0.05, 0.9, 0, 0, 0, 0, 0, 2); });
  test::expect_matches_reference(
      "schedule_free_sgd:lr=0.05,momentum=0.5,weight_decay=0.1,warmup_steps=5,r=1,"
      "weight_lr_power=1",
      [] { return schedule_free(false, 0.05, 0.5, 0, 0, 0.1, 5, 1, 1); });
}

TEST(Schedule_free_adamw, MatchesTheUpdateRule) {
  test::expect_matches_reference("schedule_free_adamw:lr=0.05", [] {
    return schedule_free(true, 0.05, 0.9, 0.999, 1e-8, 0, 0, 0, 2);
  });
  test::expect_matches_reference(
      "schedule_free_adamw:lr=0.05,beta1=0.5,beta2=0.99,eps=1e-3,weight_decay=0.1,"
      "warmup_steps=5,r=1,weight_lr_power=1",
      [] { return schedule_free(true, 0.05, 0.5, 0.99, 1e-3, 0.1, 5, 1, 1); });
}

// The answer is x = y + (1 - 1/beta)(z - y), the average of the z's; before any step, y itself.
TEST(Schedule_free_sgd, ReportsTheAverageAsItsSolution) {
  ScheduleFreeSgd<double> opt({.lr = 0.1, .momentum = 0.5});
  opt.reset(1);
  std::vector<double> w = {2}, x(1);
  ASSERT_TRUE(opt.solution(w, x));
  EXPECT_EQ(x[0], 2.0);
  opt.step(w, std::vector<double>{4});  // c = 1: y = z = 2 - 0.4 = 1.6, x = 1.6
  EXPECT_DOUBLE_EQ(w[0], 1.6);
  opt.step(w, std::vector<double>{2});  // c = 1/2: z = 1.4, x = (1.6 + 1.4)/2 = 1.5
  ASSERT_TRUE(opt.solution(w, x));
  EXPECT_DOUBLE_EQ(x[0], 1.5);
  EXPECT_DOUBLE_EQ(w[0], 0.5 * 1.5 + 0.5 * 1.4);
  // Other methods answer with w itself.
  auto sgd = make_optimizer("sgd");
  sgd->reset(1);
  EXPECT_FALSE(sgd->solution(w, x));
}

TEST(Schedule_free_sgd, Defaults) {
  EXPECT_EQ(make_optimizer("schedule_free_sgd")->spec(),
            "schedule_free_sgd:lr=1,momentum=0.9,weight_decay=0,warmup_steps=0,r=0,"
            "weight_lr_power=2");
  EXPECT_THROW(make_optimizer("schedule_free_sgd:momentum=0"), InputError);
  EXPECT_THROW(make_optimizer("schedule_free_sgd:warmup_steps=-1"), InputError);
}

TEST(Schedule_free_adamw, Defaults) {
  EXPECT_EQ(make_optimizer("schedule_free_adamw")->spec(),
            "schedule_free_adamw:lr=0.0025,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0,"
            "warmup_steps=0,r=0,weight_lr_power=2");
  EXPECT_THROW(make_optimizer("schedule_free_adamw:beta1=1"), InputError);
  EXPECT_THROW(make_optimizer("schedule_free_adamw:weight_lr_power=-1"), InputError);
}

TEST(Schedule_free_sgd, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("schedule_free_sgd:lr=0.2");
}

TEST(Schedule_free_adamw, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("schedule_free_adamw:lr=0.05@cosine:t_max=2000");
}

}  // namespace
}  // namespace descent
