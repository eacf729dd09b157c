#include "descent/optimizers/lookahead.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "descent/error.hpp"
#include "descent/optimizer_config.hpp"
#include "reference.hpp"

namespace descent {
namespace {

// Zhang et al. 2019, algorithm 1 around heavy-ball momentum (v <- 0.9 v + 0.1 g, w <- w - v): the
// slow weights start at w0, move 0.3 of the way to the fast ones every 3 steps, and the fast
// weights (and, with reset_state, the momentum) restart there. The answer is the slow weights.
TEST(Lookahead, MatchesTheUpdateRule) {
  for (const bool reset : {false, true}) {
    const std::string spec = std::string("lookahead:sync_period=3,slow_step=0.3,reset_state=") +
                             (reset ? "true" : "false") + "/momentum:lr=0.1,alpha=0.9";
    const auto reference = [reset] {
      return [reset, slow = std::vector<double>(), v = std::vector<double>(7), k = 0](
                 std::vector<double>& w, std::vector<double>& x, const std::vector<double>& g,
                 int t) mutable {
        if (t == 1) slow = w;
        for (std::size_t i = 0; i < w.size(); ++i) {
          v[i] = 0.9 * v[i] + 0.1 * g[i];
          w[i] = w[i] - v[i];
        }
        if (++k == 3) {
          k = 0;
          for (std::size_t i = 0; i < w.size(); ++i) {
            slow[i] += 0.3 * (w[i] - slow[i]);
            w[i] = slow[i];
          }
          if (reset) v.assign(w.size(), 0.0);
        }
        x = slow;
      };
    };
    test::expect_answer_matches_reference(spec, reference);
    // The fast weights alone, in float too.
    test::expect_matches_reference(spec, [&] {
      return [r = reference(), x = std::vector<double>()](std::vector<double>& w,
                                                          const std::vector<double>& g,
                                                          int t) mutable { r(w, x, g, t); };
    });
  }
}

// reset_state restarts the inner optimizer with the layout it was given. With a sync every step
// and slow_step 1, every step is a fresh LAMB's first step on the same two tensors, each scaled
// by its own trust ratio; the whole vector seen as one tensor would scale both alike.
TEST(Lookahead, ResetStateKeepsTheTensorsLayout) {
  const std::vector<Shape> shapes = {{2, 2}, {3, 1}};
  auto opt = make_optimizer<double>("lookahead:sync_period=1,slow_step=1,reset_state=true/lamb");
  opt->reset_shapes(shapes);
  std::vector<double> w = {1.0, -2.0, 0.5, 3.0, 0.1, -0.2, 0.3}, r = w;
  for (int t = 0; t < 3; ++t) {
    std::vector<double> g(w.size());
    for (std::size_t i = 0; i < g.size(); ++i)
      g[i] = std::sin(1.0 + static_cast<double>(t * 7 + i));
    opt->step(w, g);
    auto fresh = make_optimizer<double>("lamb");
    fresh->reset_shapes(shapes);
    fresh->step(r, g);
    ASSERT_EQ(w, r) << "step " << t + 1;
  }
}

TEST(Lookahead, Defaults) {
  EXPECT_EQ(make_optimizer("lookahead/sgd")->spec(),
            "lookahead:sync_period=5,slow_step=0.5,reset_state=false/sgd:lr=0.1,weight_decay=0");
  EXPECT_THROW(make_optimizer("lookahead:slow_step=0/sgd"), InputError);
  EXPECT_THROW(make_optimizer("lookahead:sync_period=0/sgd"), InputError);
}

// Wrappers nest (the innermost optimizer takes the schedule), up to kMaxWrappers of them.
TEST(Lookahead, NestsWithOtherWrappers) {
  const OptimizerConfig c =
      OptimizerConfig::parse("ema/lookahead:sync_period=3/sgd@cosine:t_max=9");
  EXPECT_EQ(c.method().name, "ema");
  ASSERT_NE(c.inner(), nullptr);
  EXPECT_EQ(c.inner()->method().name, "lookahead");
  EXPECT_EQ(c.innermost().method().name, "sgd");
  ASSERT_NE(c.schedule(), nullptr);
  EXPECT_EQ(c.label(), "ema/lookahead:sync_period=3/sgd:lr=0.1@" + c.schedule()->spec());
  EXPECT_EQ(OptimizerConfig::parse(c.spec()).spec(), c.spec());
  std::string deep = "sgd";
  for (std::size_t i = 0; i < kMaxWrappers; ++i) deep = "ema/" + deep;
  EXPECT_NO_THROW(OptimizerConfig::parse(deep));
  EXPECT_THROW(OptimizerConfig::parse("ema/" + deep), InputError);
  // A key named through its level, wrapped or not.
  OptimizerConfig plain = OptimizerConfig::parse("adam");
  plain.set("adam.lr", 0.5);
  plain.set_text("adam.eps", "1e-6");
  EXPECT_EQ(plain.get("lr"), 0.5);
  EXPECT_EQ(plain.get("eps"), 1e-6);
  EXPECT_THROW(plain.set("sgd.lr", 0.5), InputError);
  OptimizerConfig wrapped = OptimizerConfig::parse("lookahead/adam");
  wrapped.set("clip_norm", 2);  // a prelude key: the innermost optimizer's
  EXPECT_EQ(wrapped.inner()->preludes().clip_norm, 2.0);
  EXPECT_TRUE(wrapped.spec().ends_with(",clip_norm=2")) << wrapped.spec();
  EXPECT_THROW(wrapped.set("lookahead.clip_norm", 1), InputError);
}

TEST(Lookahead, ConvergesOnTheSeedsBowls) {
  test::expect_converges_on_the_seeds_bowls("lookahead/momentum:lr=0.05");
}

}  // namespace
}  // namespace descent
