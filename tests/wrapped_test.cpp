// What every optimizer takes through the wrapper: maximize, clip_value, clip_norm, a schedule.
#include "descent/wrapped.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>

#include "descent/error.hpp"
#include "descent/registry.hpp"
#include "descent/runner.hpp"

namespace descent {
namespace {

TEST(Wrapped, SpecsRoundTripWithWrapperKeysAndSchedules) {
  const char* spec = "adam:lr=0.01,clip_norm=1,maximize=true@cosine:t_max=50,warmup=5";
  auto opt = make_optimizer(spec);
  EXPECT_EQ(opt->spec(),
            "adam:lr=0.01,beta1=0.9,beta2=0.999,eps=1e-08,weight_decay=0,amsgrad=false,"
            "maximize=true,clip_norm=1@cosine:t_max=50,eta_min=0,warmup=5,"
            "warmup_factor=0.3333333333333333");
  EXPECT_EQ(make_optimizer(opt->spec())->spec(), opt->spec());
  EXPECT_EQ(short_label(opt->spec()),
            "adam:lr=0.01,maximize=true,clip_norm=1@cosine:t_max=50,eta_min=0,warmup=5,"
            "warmup_factor=0.3333333333333333");
  // Without wrapper keys or a schedule an optimizer is not wrapped.
  EXPECT_EQ(dynamic_cast<Wrapped<double>*>(make_optimizer("sgd").get()), nullptr);
}

TEST(Wrapped, MaximizeAscends) {
  // Maximizing -(w1^2 + w2^2) is minimizing w1^2 + w2^2: the same iterates as plain SGD on it.
  auto plain = make_optimizer("sgd:lr=0.1");
  auto up = make_optimizer("sgd:lr=0.1,maximize=true");
  plain->reset(2);
  up->reset(2);
  std::vector<double> a = {1, -2}, b = {1, -2};
  for (int k = 0; k < 5; ++k) {
    plain->step(a, std::vector<double>{2 * a[0], 2 * a[1]});
    up->step(b, std::vector<double>{-2 * b[0], -2 * b[1]});  // gradient of -(w1^2 + w2^2)
  }
  EXPECT_EQ(a, b);
}

TEST(Wrapped, ClipValueAndClipNorm) {
  auto v = make_optimizer("sgd:lr=1,clip_value=0.5");
  v->reset(3);
  std::vector<double> w = {0, 0, 0};
  v->step(w, std::vector<double>{2, -0.25, -7});
  EXPECT_EQ(w, (std::vector<double>{-0.5, 0.25, 0.5}));
  auto n = make_optimizer("sgd:lr=1,clip_norm=1");
  n->reset(2);
  std::vector<double> x = {0, 0};
  n->step(x, std::vector<double>{3, 4});  // norm 5 -> scaled to 1
  EXPECT_DOUBLE_EQ(x[0], -0.6);
  EXPECT_DOUBLE_EQ(x[1], -0.8);
  n->step(x, std::vector<double>{0.3, 0.4});  // norm 0.5 <= 1: unchanged
  EXPECT_DOUBLE_EQ(x[0], -0.9);
  EXPECT_THROW(make_optimizer("sgd:clip_norm=-1"), InputError);
}

TEST(Wrapped, ScheduleSetsTheRateOfEachStep) {
  auto opt = make_optimizer("sgd:lr=1@step:step_size=2,gamma=0.5");
  opt->reset(1);
  std::vector<double> w = {0};
  std::vector<double> moves;
  for (int k = 0; k < 5; ++k) {
    const double before = w[0];
    opt->step(w, std::vector<double>{-1});
    moves.push_back(w[0] - before);
  }
  EXPECT_EQ(moves, (std::vector<double>{1, 1, 0.5, 0.5, 0.25}));
  EXPECT_EQ(opt->lr(), 1.0);  // the base rate is unchanged
}

TEST(Wrapped, ResetRestartsTheSchedule) {
  auto opt = make_optimizer("sgd:lr=1@exponential:gamma=0.5");
  opt->reset(1);
  std::vector<double> w = {0};
  opt->step(w, std::vector<double>{-1});
  opt->step(w, std::vector<double>{-1});
  EXPECT_EQ(w[0], 1.5);
  opt->reset(1);
  w = {0};
  opt->step(w, std::vector<double>{-1});
  EXPECT_EQ(w[0], 1.0);
}

TEST(Wrapped, PlateauSeesTheRunnersLoss) {
  // sgd with lr = 1 on w^2 bounces between +1 and -1 forever (loss 1, no improvement): the
  // plateau schedule halves the rate after patience + 1 = 3 stalls, and the run then converges.
  auto f = make_function("isotropic");
  auto opt = make_optimizer("sgd:lr=1@plateau:factor=0.5,patience=2");
  const std::vector<double> start = {1.0, 0.0};
  const RunResult r = run(*f, *opt, start, {.steps = 10});
  EXPECT_EQ(r.trajectory.loss[3], 1.0);
  EXPECT_EQ(r.trajectory.loss[4], 1.0);
  EXPECT_EQ(r.metrics.final_loss, 0.0);
}

}  // namespace
}  // namespace descent
