#include "descent/spec.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include "descent/error.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/params.hpp"
#include "descent/registry.hpp"
#include "descent/schedule.hpp"
#include "key_hints.hpp"
#include "util/text.hpp"

namespace descent {
namespace {

using ::testing::HasSubstr;

std::string error_of(auto&& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(ParseSpec, NameOnly) {
  const Spec s = parse_spec("momentum");
  EXPECT_EQ(s.name, "momentum");
  EXPECT_TRUE(s.args.empty());
}

TEST(ParseSpec, KeysInOrderWithSpacesTrimmed) {
  const Spec s = parse_spec(" momentum : lr = 0.1 , alpha=0.99");
  EXPECT_EQ(s.name, "momentum");
  ASSERT_EQ(s.args.size(), 2u);
  EXPECT_EQ(s.args[0], (std::pair<std::string, std::string>{"lr", "0.1"}));
  EXPECT_EQ(s.args[1], (std::pair<std::string, std::string>{"alpha", "0.99"}));
}

TEST(ParseSpec, MalformedSpecsAreRejectedWithTheReason) {
  EXPECT_THAT(error_of([] { parse_spec(""); }), HasSubstr("the name is empty"));
  EXPECT_THAT(error_of([] { parse_spec(":lr=1"); }), HasSubstr("the name is empty"));
  EXPECT_THAT(error_of([] { parse_spec("sgd:"); }), HasSubstr("nothing follows ':'"));
  EXPECT_THAT(error_of([] { parse_spec("sgd:lr"); }), HasSubstr("'lr' has no '='"));
  EXPECT_THAT(error_of([] { parse_spec("sgd:lr="); }), HasSubstr("'lr' has no value"));
  EXPECT_THAT(error_of([] { parse_spec("sgd:=1"); }), HasSubstr("no valid key"));
  EXPECT_THAT(error_of([] { parse_spec("sgd:lr=1,,"); }), HasSubstr("empty key=value"));
  EXPECT_THAT(error_of([] { parse_spec("sgd:lr=1,lr=2"); }), HasSubstr("'lr' is given twice"));
  EXPECT_THAT(error_of([] { parse_spec("s g d"); }), HasSubstr("invalid characters"));
}

const std::vector<ParamInfo>& infos() {
  static const std::vector<ParamInfo> v = [] {
    std::vector<ParamInfo> p;
    p.push_back(real_param("lr", 0.1, 0.0, INFINITY, "learning rate", true, false, true));
    p.push_back(real_param("alpha", 0.9, 0.0, 1.0, "momentum", true, false));
    ParamInfo flag;
    flag.name = "centered";
    flag.type = ParamType::boolean;
    p.push_back(flag);
    ParamInfo steps;
    steps.name = "history";
    steps.type = ParamType::integer;
    steps.default_value = 10;
    steps.min = 1;
    p.push_back(steps);
    ParamInfo choice;
    choice.name = "line_search";
    choice.type = ParamType::choice;
    choice.choices = {"strong_wolfe", "none"};
    p.push_back(choice);
    return p;
  }();
  return v;
}

TEST(ResolveParams, DefaultsFillWhatTheSpecLeavesOut) {
  const ParamSet s = resolve_params("optimizer", parse_spec("x:alpha=0.5"), infos());
  EXPECT_EQ(s.get("lr"), 0.1);
  EXPECT_EQ(s.get("alpha"), 0.5);
  EXPECT_EQ(s.get("history"), 10);
  EXPECT_EQ(format_spec("x", infos(), s),
            "x:lr=0.1,alpha=0.5,centered=false,history=10,line_search=strong_wolfe");
}

TEST(ResolveParams, TypedValues) {
  const ParamSet s = resolve_params(
      "optimizer", parse_spec("x:centered=true,history=3,line_search=none,lr=1e-3"), infos());
  EXPECT_TRUE(s.get_bool("centered"));
  EXPECT_EQ(s.get("history"), 3);
  EXPECT_EQ(s.get("line_search"), 1);
  EXPECT_EQ(s.get("lr"), 1e-3);
}

TEST(ResolveParams, ErrorsNameTheProblemAndTheChoices) {
  const auto resolve = [](const char* text) {
    return error_of([&] { resolve_params("optimizer", parse_spec(text), infos()); });
  };
  EXPECT_THAT(resolve("x:beta=1"),
              HasSubstr("unknown key 'beta' for optimizer 'x'; valid keys: lr, alpha, centered, "
                        "history, line_search"));
  EXPECT_THAT(resolve("x:lr=fast"), HasSubstr("malformed value for lr: 'fast'"));
  EXPECT_THAT(resolve("x:lr=0.1.2"), HasSubstr("malformed value for lr"));
  EXPECT_THAT(resolve("x:lr=-1"), HasSubstr("lr=-1 is out of range [0, inf)"));
  EXPECT_THAT(resolve("x:alpha=1"), HasSubstr("alpha=1 is out of range [0, 1)"));
  EXPECT_THAT(resolve("x:lr=nan"), HasSubstr("lr must be finite"));
  EXPECT_THAT(resolve("x:lr=inf"), HasSubstr("lr must be finite"));
  EXPECT_THAT(resolve("x:lr=1e999"), HasSubstr("lr must be finite"));
  EXPECT_THAT(resolve("x:centered=yes"), HasSubstr("expected true or false"));
  EXPECT_THAT(resolve("x:history=2.5"), HasSubstr("history must be an integer"));
  EXPECT_THAT(resolve("x:history=0"), HasSubstr("history=0 is out of range [1, inf), integer"));
  EXPECT_THAT(resolve("x:line_search=armijo"), HasSubstr("expected one of strong_wolfe|none"));
  // A list says what its items are: numbers (eigenvalues) or integers (milestones).
  ParamInfo numbers = infos()[0], integers = infos()[0];
  numbers.type = ParamType::real_list;
  integers.type = ParamType::integer_list;
  EXPECT_THAT(error_of([&] { numbers.parse_list(";1"); }),
              HasSubstr("malformed value for lr: '' (expected a number)"));
  EXPECT_THAT(error_of([&] { integers.parse_list("2;x"); }),
              HasSubstr("malformed value for lr: 'x' (expected an integer)"));
}

TEST(FormatDouble, ShortestRoundTrip) {
  EXPECT_EQ(format_double(0.1), "0.1");
  EXPECT_EQ(format_double(1e-10), "1e-10");
  EXPECT_EQ(format_double(3.5200000000000009), "3.520000000000001");
  EXPECT_EQ(format_double(-0.0), "-0");
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    const auto bits = rng();
    double x;
    std::memcpy(&x, &bits, sizeof x);
    if (!std::isfinite(x)) continue;
    const auto back = parse_double(format_double(x));
    ASSERT_TRUE(back.has_value()) << format_double(x);
    ASSERT_EQ(std::memcmp(&*back, &x, sizeof x), 0) << format_double(x);
  }
}

TEST(ParseDouble, WholeStringOnly) {
  EXPECT_EQ(parse_double("1.5"), 1.5);
  EXPECT_EQ(parse_double("+2"), 2.0);
  EXPECT_EQ(parse_double("-1e-3"), -1e-3);
  EXPECT_EQ(parse_double("1e999"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(parse_double("1e-999"), 0.0);
  EXPECT_FALSE(parse_double("").has_value());
  EXPECT_FALSE(parse_double("1.5x").has_value());
  EXPECT_FALSE(parse_double(" 1").has_value());
  EXPECT_FALSE(parse_double("++1").has_value());
  EXPECT_FALSE(parse_double("0x10").has_value());
}

}  // namespace
}  // namespace descent

namespace descent {
namespace {

TEST(SpecText, SplitListKeepsEveryPieceAndTrimLeavesTheInside) {
  using V = std::vector<std::string_view>;
  EXPECT_EQ(split_list("a,b", ','), (V{"a", "b"}));
  EXPECT_EQ(split_list("a,,b", ','), (V{"a", "", "b"}));
  EXPECT_EQ(split_list("", ','), (V{""}));
  EXPECT_EQ(split_list(",", ','), (V{"", ""}));
  EXPECT_EQ(split_list("lr=1e-3:1:log:256", ':'), (V{"lr=1e-3", "1", "log", "256"}));
  EXPECT_EQ(trim("  a b\t"), "a b");
  EXPECT_EQ(trim(" \t "), "");
}

TEST(Suggest, EditDistanceCountsSwapsAsOne) {
  EXPECT_EQ(edit_distance("adma", "adam"), 1u);
  EXPECT_EQ(edit_distance("stpes", "steps"), 1u);
  EXPECT_EQ(edit_distance("rosenbrok", "rosenbrock"), 1u);
  EXPECT_EQ(edit_distance("", "abc"), 3u);
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  const std::vector<std::string> names = {"sgd", "momentum", "adam", "adamw"};
  EXPECT_EQ(closest("adma", names), "adam");
  EXPECT_EQ(closest("momentun", names), "momentum");
  EXPECT_EQ(closest("mom", names), "momentum");  // a beginning of three letters or more
  EXPECT_EQ(closest("xyz", names), "");
  EXPECT_EQ(closest("adam", names), "adamw");  // never the word itself
  EXPECT_EQ(did_you_mean("sdg", names), " (did you mean 'sgd'?)");
}

// Misspelt names and keys of optimizers, functions and schedules are answered with the closest.
TEST(Suggest, UnknownNamesAndKeysNameTheClosest) {
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("adma"); }),
              HasSubstr("unknown optimizer 'adma' (did you mean 'adam'?); valid: sgd"));
  EXPECT_THAT(error_of([] { make_function("rosenbrok"); }),
              HasSubstr("(did you mean 'rosenbrock'?)"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("momentum:alph=0.9"); }),
              HasSubstr("unknown key 'alph' for optimizer 'momentum' (did you mean 'alpha'?); "
                        "valid keys: lr, alpha"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("momentum").set_text("alpah", "0.5"); }),
              HasSubstr("(did you mean 'alpha'?)"));
  EXPECT_THAT(error_of([] { make_function("anisotropic:ratoi=2"); }),
              HasSubstr("(did you mean 'ratio'?)"));
  EXPECT_THAT(error_of([] { make_schedule("cosin:t_max=10"); }),
              HasSubstr("(did you mean 'cosine'?)"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("sgd:zzz=1"); }),
              ::testing::Not(HasSubstr("did you mean")));
}

// Keys in torch.optim's, optax's or keras' words get descent's word for them.
TEST(Suggest, ForeignKeysGetDescentsName) {
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("rmsprop:alpha=0.99"); }),
              HasSubstr("torch's alpha is descent's beta"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("sgd:momentum=0.9"); }),
              HasSubstr("momentum:alpha=0.9"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("gd:momentum=0.9"); }),
              HasSubstr("momentum:alpha=0.9"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("momentum:momentum=0.9"); }),
              HasSubstr("torch's momentum is descent's alpha"));
  // A tuple reaches the key check whole.
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("adam:betas=(0.9, 0.999)"); }),
              HasSubstr("descent's beta1 and beta2"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("adamw:b2=0.99"); }),
              HasSubstr("optax's b2 is descent's beta2"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("adam:learning_rate=0.1"); }),
              HasSubstr("optax and keras' learning_rate is descent's lr"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("adam:epsilon=1e-7"); }),
              HasSubstr("keras' epsilon is descent's eps"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("adam:lr_decay=0.1"); }),
              HasSubstr("only adagrad takes it"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("rprop:etas=(0.5,1.2)"); }),
              HasSubstr("eta_minus and eta_plus"));
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("lbfgs:history_size=5"); }),
              HasSubstr("torch's history_size is descent's history"));
  // The hint of a key that names descent's key is given only where that key exists.
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("sgd:epsilon=1"); }),
              ::testing::Not(HasSubstr("descent's eps")));
  // The same through the set_text path that sweeps and tunes use.
  EXPECT_THAT(error_of([] { OptimizerConfig::parse("rmsprop").set_text("alpha", "0.9"); }),
              HasSubstr("torch's alpha is descent's beta"));
}

// Every entry of the table names real optimizers and real keys, and never a key the optimizer
// takes itself (whose hint could not be reached).
TEST(Suggest, ForeignKeyTableNamesRealKeys) {
  for (const ForeignKey& f : foreign_keys()) {
    std::vector<const OptimizerInfo*> named;
    if (f.optimizers.empty()) {
      named = optimizer_catalog();
    } else {
      for (const std::string_view name : split_list(f.optimizers, ' '))
        named.push_back(&find_optimizer(name));
    }
    bool reachable = false;
    for (const OptimizerInfo* info : named) {
      const OptimizerConfig c(*info);
      std::vector<std::string> keys;
      for (const ParamInfo& p : c.method().params) keys.push_back(p.name);
      for (const ParamInfo& p : prelude_params()) keys.push_back(p.name);
      const bool takes = std::find(keys.begin(), keys.end(), f.key) != keys.end();
      if (!f.optimizers.empty()) {
        EXPECT_FALSE(takes) << info->name << " takes " << f.key;
      }
      if (takes) continue;
      if (!f.descent_key.empty() &&
          std::find(keys.begin(), keys.end(), f.descent_key) == keys.end()) {
        EXPECT_TRUE(f.optimizers.empty()) << info->name << " has no " << f.descent_key;
        continue;
      }
      reachable = true;
      EXPECT_THAT(foreign_key_hint(info->name, f.key, keys), HasSubstr(std::string(f.key)));
    }
    EXPECT_TRUE(reachable) << f.library << "'s " << f.key;
  }
}

}  // namespace
}  // namespace descent
