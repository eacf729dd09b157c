// The registry: every entry is complete and consistent, specs round-trip, unknown names list the
// valid ones.
#include "descent/registry.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <string>

#include "descent/error.hpp"
#include "descent/optimizer_config.hpp"
#include "descent/optimizers/momentum.hpp"
#include "descent/optimizers/sgd.hpp"
#include "descent/spec.hpp"

namespace descent {
namespace {

using ::testing::HasSubstr;

class EveryOptimizer : public ::testing::TestWithParam<const OptimizerInfo*> {};

TEST_P(EveryOptimizer, EntryIsComplete) {
  const OptimizerInfo& info = *GetParam();
  EXPECT_FALSE(info.doc.empty());
  EXPECT_FALSE(info.reference.empty());
  if (info.alias_of.empty()) {
    // The doc block of its header: the update rule and where others differ.
    EXPECT_FALSE(info.rule.empty()) << info.name << " states no update rule";
    EXPECT_FALSE(info.differs.empty()) << info.name << " says nothing of torch, optax and keras";
  }
  // Its family and the year of its paper, which the listings group and sort by; the year is the
  // one its source cites.
  EXPECT_GE(info.year, 1800) << info.name << " has no year";
  EXPECT_THAT(info.reference, HasSubstr(std::to_string(info.year))) << info.name;
  EXPECT_EQ(parse_family(std::string(to_string(info.family))), info.family);
  ASSERT_FALSE(info.params.empty());
  if (info.family != Family::wrapper) {  // a wrapper's rate is its inner optimizer's
    EXPECT_EQ(info.params.front().name, "lr") << "every optimizer's first key is lr";
  }
  std::set<std::string> names;
  for (const ParamInfo& p : info.params) {
    EXPECT_TRUE(names.insert(p.name).second) << "duplicate key " << p.name;
    EXPECT_FALSE(p.doc.empty()) << p.name;
    EXPECT_FALSE(p.check(p.default_value).has_value()) << p.name << " default out of range";
  }
}

// A spec with a random in-range value for every key makes an optimizer whose canonical spec
// parses back to the same values, in double and in float.
TEST_P(EveryOptimizer, SpecRoundTrips) {
  const OptimizerInfo& info = *GetParam();
  std::mt19937_64 rng(1);
  int made = 0;
  for (int trial = 0; trial < 20; ++trial) {
    std::string spec = info.name;
    char sep = ':';
    for (const ParamInfo& p : info.params) {
      double v = p.default_value;
      if (p.type == descent::ParamType::real) {
        const double lo = std::isfinite(p.min) ? p.min : -10;
        const double hi = std::isfinite(p.max) ? p.max : lo + 10;
        v = std::uniform_real_distribution<double>(lo, hi)(rng);
        if (p.check(v)) v = p.default_value;
      }
      spec += sep + p.name + "=" + p.format(v);
      sep = ',';
    }
    // A constraint between keys (rprop: step_min <= step_max) or on a value within its range
    // (dadapt_sgd: growth_rate 0 or at least 1) may reject a random draw, with the rule's message.
    // A wrapper wraps sgd.
    const std::string inner = info.family == Family::wrapper ? "/sgd:lr=0.1,weight_decay=0" : "";
    spec += inner;
    std::unique_ptr<Optimizer<double>> d;
    try {
      d = make_optimizer<double>(spec);
    } catch (const InputError& e) {
      ASSERT_TRUE(info.validate) << spec << ": " << e.what();  // every value was in range
      EXPECT_THAT(e.what(), HasSubstr("optimizer '" + info.name + "': ")) << spec;
      continue;
    }
    ++made;
    const auto f = make_optimizer<float>(spec);
    // An alias makes the optimizer it stands for, which reports its own name.
    const std::string expected =
        info.alias_of.empty() ? spec : info.alias_of + spec.substr(info.name.size());
    EXPECT_EQ(d->spec(), expected);
    EXPECT_EQ(f->spec(), expected);
    EXPECT_EQ(make_optimizer(d->spec())->spec(), expected);
    EXPECT_EQ(d->info().name, info.alias_of.empty() ? info.name : info.alias_of);
  }
  EXPECT_GE(made, 5) << "too few random specs were valid";
}

// Every optimizer has a test that checks it against a reference written plainly from its update
// rule (tests/optimizers/NAME_test.cpp: `Name.MatchesTheUpdateRule`), and a section in the docs.
TEST_P(EveryOptimizer, HasAReferenceTestAndADocsEntry) {
  const OptimizerInfo& info = *GetParam();
  if (!info.alias_of.empty()) return;
  std::string suite = info.name;
  suite[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(suite[0])));
  bool found = false;
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  for (int i = 0; i < unit.total_test_suite_count(); ++i) {
    const ::testing::TestSuite& s = *unit.GetTestSuite(i);
    if (s.name() != suite) continue;
    for (int j = 0; j < s.total_test_count(); ++j)
      found = found || std::string(s.GetTestInfo(j)->name()) == "MatchesTheUpdateRule";
  }
  EXPECT_TRUE(found) << info.name << " has no test " << suite << ".MatchesTheUpdateRule";
  std::ifstream in(std::string(DESCENT_SOURCE_DIR) + "/docs/optimizers.md");
  const std::string docs((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_NE(docs.find("## `" + info.name + "`"), std::string::npos)
      << info.name << " has no section in docs/optimizers.md";
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryOptimizer, ::testing::ValuesIn(optimizer_catalog()),
                         [](const auto& p) { return p.param->name; });

TEST(Registry, HoldsTheSeedsOptimizersAndFunctions) {
  // The seed's list: GD, SGD, Momentum, RMSProp, Adam, Adagrad, Adadelta, FTRL, L-BFGS; and the
  // rest of torch.optim.
  for (const char* name :
       {"gd", "sgd", "momentum", "rmsprop", "adam", "adagrad", "adadelta", "ftrl", "lbfgs",
        "nesterov", "adamw", "adamax", "nadam", "radam", "rprop", "asgd", "lion"})
    EXPECT_EQ(find_optimizer(name).name, name);
  for (const char* name : {"isotropic", "anisotropic"}) EXPECT_EQ(find_function(name).name, name);
}

TEST(Registry, AnOptimizerTakesOnlyItsOwnMethodsConfiguration) {
  const Momentum<double> own(OptimizerConfig::parse("momentum:lr=0.05,alpha=0.5"));
  EXPECT_EQ(own.params().get("lr"), 0.05);
  EXPECT_EQ(own.params().get("alpha"), 0.5);
  const Sgd<double> alias(OptimizerConfig::parse("gd:lr=0.2"));
  EXPECT_EQ(alias.params().get("lr"), 0.2);
  // momentum's keys include sgd's: without the check this would build an sgd silently.
  try {
    const Sgd<double> other(OptimizerConfig::parse("momentum:lr=0.05"));
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("a configuration of 'momentum' given to optimizer 'sgd'"));
  }
}

// A function's cost is known before it is built, and tells its dimension right.
TEST(Registry, EveryFunctionsCostGivesItsDimensionBeforeItIsBuilt) {
  for (const FunctionInfo* info : function_catalog()) {
    std::vector<std::string> specs = {info->name};
    for (const ParamInfo& p : info->params)
      if (p.name == "n" || p.name == "d") specs.push_back(info->name + ":" + p.name + "=3");
    for (const std::string& spec : specs) {
      const FunctionCost cost = function_cost(spec);
      EXPECT_EQ(cost.dim, make_function(spec)->dim()) << spec;
      EXPECT_GT(cost.evaluation, 0) << spec;
    }
  }
  EXPECT_EQ(function_cost("x^2 + y^2 + z").dim, 3u);
  EXPECT_EQ(function_cost("rosenbrock:n=10000000").dim, 10000000u);  // not built
  EXPECT_GT(function_cost("least_squares:n=1000000,d=1000").memory, 8e9);
  EXPECT_THROW(function_cost("bowl"), InputError);
  EXPECT_THROW(function_cost("rosenbrock:n=1"), InputError);
  // L-BFGS's line search evaluates the function up to 25 more times in a step.
  EXPECT_EQ(find_optimizer("lbfgs").evaluations_per_step, 26u);
  EXPECT_EQ(find_optimizer("adam").evaluations_per_step, 1u);
}

// A value that is 0 in float32 but not in double (a positive epsilon, a clipping threshold) is
// refused when an optimizer is built for float, naming the key; double takes it.
TEST(Registry, FloatOptimizersRefuseValuesThatAreZeroInFloat) {
  const std::pair<const char*, const char*> cases[] = {
      {"adam:eps=1e-50", "optimizer 'adam': eps=1e-50 is 0 in float32"},
      {"rmsprop:eps=1e-46", "optimizer 'rmsprop': eps=1e-46 is 0 in float32"},
      {"adam:lr=0.1,clip_norm=1e-60", "clip_norm=1e-60 is 0 in float32"},
  };
  for (const auto& [spec, message] : cases) {
    try {
      (void)make_optimizer<float>(spec);
      ADD_FAILURE() << spec << ": no error";
    } catch (const InputError& e) {
      EXPECT_THAT(e.what(), HasSubstr(message)) << spec;
    }
    EXPECT_NO_THROW((void)make_optimizer<double>(spec)) << spec;
  }
  // 0 itself, the smallest float32 above 0, and thresholds that are infinite in float32.
  for (const char* spec : {"adam:eps=0", "adam:eps=1.5e-45", "adam:eps=1e-8",
                           "adam:clip_value=1e300", "asgd:lambd=0,t0=1e300"})
    EXPECT_NO_THROW((void)make_optimizer<float>(spec)) << spec;
}

TEST(Registry, NamesAreUnique) {
  std::set<std::string> names;
  for (const auto* o : optimizer_catalog()) EXPECT_TRUE(names.insert(o->name).second) << o->name;
  names.clear();
  for (const auto* f : function_catalog()) EXPECT_TRUE(names.insert(f->name).second) << f->name;
}

TEST(Registry, UnknownNamesListTheValidOnes) {
  try {
    make_optimizer("adamx");
    FAIL() << "no error";
  } catch (const InputError& e) {
    std::string valid;
    for (const OptimizerInfo* o : optimizer_catalog())
      valid += (valid.empty() ? "" : ", ") + o->name;
    EXPECT_THAT(e.what(),
                HasSubstr("unknown optimizer 'adamx' (did you mean 'adam'?); valid: " + valid));
    EXPECT_THAT(e.what(), HasSubstr("valid: sgd, gd, momentum, nesterov, rmsprop, adam, adamw"));
  }
  try {
    make_function("bowl");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(),
                HasSubstr("unknown function 'bowl'; valid: isotropic, anisotropic, quadratic"));
  }
  try {
    make_function("isotropic:ratio=2");
    FAIL() << "no error";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("unknown key 'ratio' for function 'isotropic'"));
  }
}

}  // namespace
}  // namespace descent
