// Schedules: closed forms at chosen steps (torch's sequences themselves are compared by
// tests/torch/compare_torch.py), warm-up, reduce-on-plateau's logic, and spec errors.
#include "descent/schedule.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "descent/error.hpp"

namespace descent {
namespace {

using ::testing::HasSubstr;

TEST(Schedule, StepMultistepExponential) {
  auto s = make_schedule("step:step_size=3,gamma=0.5");
  EXPECT_EQ(s->lr(0, 1.0), 1.0);
  EXPECT_EQ(s->lr(2, 1.0), 1.0);
  EXPECT_EQ(s->lr(3, 1.0), 0.5);
  EXPECT_EQ(s->lr(9, 1.0), 0.125);
  auto m = make_schedule("multistep:milestones=2;5,gamma=0.1");
  EXPECT_EQ(m->lr(1, 2.0), 2.0);
  EXPECT_EQ(m->lr(2, 2.0), 2.0 * 0.1);
  EXPECT_EQ(m->lr(5, 2.0), 2.0 * std::pow(0.1, 2));
  EXPECT_EQ(m->spec(), "multistep:milestones=2;5,gamma=0.1");
  auto e = make_schedule("exponential:gamma=0.5");
  EXPECT_EQ(e->lr(4, 1.0), 0.0625);
}

TEST(Schedule, CosineAndRestarts) {
  auto c = make_schedule("cosine:t_max=10,eta_min=0.1");
  EXPECT_EQ(c->lr(0, 1.0), 1.0);
  EXPECT_DOUBLE_EQ(c->lr(5, 1.0), 0.55);  // halfway: the mean of 1 and 0.1
  EXPECT_DOUBLE_EQ(c->lr(10, 1.0), 0.1);
  auto r = make_schedule("cosine_restarts:t_0=4,t_mult=2");
  EXPECT_EQ(r->lr(0, 1.0), 1.0);
  EXPECT_EQ(r->lr(4, 1.0), 1.0);   // restart after 4
  EXPECT_EQ(r->lr(12, 1.0), 1.0);  // then after 8 more
  EXPECT_DOUBLE_EQ(r->lr(8, 1.0), 0.5);
}

TEST(Schedule, OneCycleRisesThenFalls) {
  auto o = make_schedule("onecycle:total_steps=100");
  EXPECT_NEAR(o->lr(0, 1.0), 1.0 / 25, 1e-15);  // torch's formula rounds 9 ulps off here
  EXPECT_DOUBLE_EQ(o->lr(29, 1.0), 1.0);        // pct_start*total - 1
  EXPECT_DOUBLE_EQ(o->lr(99, 1.0), 1.0 / 25 / 1e4);
  for (std::uint64_t t = 1; t < 30; ++t) EXPECT_GT(o->lr(t, 1.0), o->lr(t - 1, 1.0));
  for (std::uint64_t t = 30; t < 100; ++t) EXPECT_LT(o->lr(t, 1.0), o->lr(t - 1, 1.0));
}

TEST(Schedule, WarmupIsLinearFromTheFactor) {
  auto s = make_schedule("constant:warmup=4,warmup_factor=0.2");
  EXPECT_DOUBLE_EQ(s->lr(0, 1.0), 0.2);
  EXPECT_DOUBLE_EQ(s->lr(2, 1.0), 0.6);
  EXPECT_EQ(s->lr(4, 1.0), 1.0);
  EXPECT_EQ(s->spec(), "constant:warmup=4,warmup_factor=0.2");
  auto c = make_schedule("step:step_size=2,gamma=0.5,warmup=2");
  EXPECT_EQ(c->lr(2, 1.0), 1.0);  // the main schedule starts at its own step 0
  EXPECT_EQ(c->lr(4, 1.0), 0.5);
}

TEST(Schedule, PlateauReducesAfterPatience) {
  auto p = make_schedule("plateau:factor=0.5,patience=2");
  double lr = p->lr(0, 1.0);
  const double losses[] = {5, 4, 4, 4, 4, 3.9, 3.9, 3.9, 3.9};
  std::vector<double> seen;
  ScheduleState state;
  for (std::uint64_t t = 0; t < 9; ++t) {
    seen.push_back(p->lr(t, 1.0, state));
    p->observe(t, losses[t], 1.0, state);
  }
  (void)lr;
  // Improvements at t = 0, 1; three stalls (t = 2, 3, 4) exceed patience 2 after t = 4; 3.9 is an
  // improvement (> 1e-4 relative); then three more stalls after t = 8.
  EXPECT_EQ(seen, (std::vector<double>{1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0.5}));
  EXPECT_EQ(p->lr(9, 1.0, state), 0.25);
}

TEST(Schedule, BadSpecsNameTheProblem) {
  const auto error = [](const char* spec) {
    try {
      make_schedule(spec);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  EXPECT_THAT(error("linear"), HasSubstr("unknown schedule 'linear'; valid: constant, step"));
  EXPECT_THAT(error("step:size=3"), HasSubstr("unknown key 'size'"));
  EXPECT_THAT(error("step:size=3"), HasSubstr("step_size, gamma, warmup, warmup_factor"));
  EXPECT_THAT(error("step:step_size=0"), HasSubstr("step_size=0 is out of range"));
  EXPECT_THAT(error("multistep:milestones=5;2"), HasSubstr("milestones must be increasing"));
  EXPECT_THAT(error("multistep:milestones=5;x"), HasSubstr("malformed value for milestones"));
  EXPECT_THAT(error("cosine:warmup=-1"), HasSubstr("warmup=-1 is out of range"));
  EXPECT_THAT(error("onecycle:anneal=square"), HasSubstr("expected one of cos|linear"));
}

}  // namespace
}  // namespace descent
