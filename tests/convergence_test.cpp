// Every optimizer, in float and in double, converges on the convex test functions: the seed's
// round bowl and its narrow valley (w1^2 + 8 w2^2), from (1, 1), in 2000 steps.
//
// The settings are each method's own: adaptive methods whose step does not shrink with the
// gradient (Adam's family, RMSProp, Lion) get a schedule that takes the rate to 0, since with a
// constant rate they hover around the minimum at a distance ~lr instead of converging.
//
// Tolerances on the final loss: double 1e-20 (a run that converges gets far below it; the loss is
// a sum of squares, so 1e-20 means |w| ~ 1e-10); float 1e-10 (|w| ~ 1e-5, a few hundred float
// ulps of the start's scale, which methods that divide by running averages of tiny float
// gradients cannot beat reliably). Rprop's step_min = 1e-6 default stops its precision near
// |w| ~ 1e-6, hence step_min = 0 here; L-BFGS stops itself at tolerance_grad. Lion moves every
// coordinate by exactly +-lr_t, so its precision is its last step, 0.01 * 0.99^2000 ~ 2e-11 here:
// its double tolerance is 1e-15 (|w| ~ 3e-8).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "descent/registry.hpp"

namespace descent {
namespace {

struct Case {
  std::string spec;
  double tol_double = 1e-20;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.spec; }

class Convergence : public ::testing::TestWithParam<Case> {};

template <class T>
double final_loss(const std::string& spec, const Objective& f, int steps) {
  auto opt = make_optimizer<T>(spec);
  opt->reset(2);
  std::vector<T> w = {T(1), T(1)}, g(2);
  const Closure<T> closure = [&](std::span<const T> x, std::span<T> gx) {
    const std::vector<double> xd(x.begin(), x.end());
    std::vector<double> gd(2);
    const double loss = f.value_and_gradient(xd, gd);
    for (std::size_t i = 0; i < 2; ++i) gx[i] = static_cast<T>(gd[i]);
    return loss;
  };
  for (int k = 0; k < steps && opt->converged().empty(); ++k) {
    const double loss = closure(w, g);
    opt->step_with(w, g, loss, closure);
  }
  const std::vector<double> wd(w.begin(), w.end());
  return f.value(wd);
}

TEST_P(Convergence, OnTheSeedsBowls) {
  const std::string& spec = GetParam().spec;
  for (const char* function : {"isotropic", "anisotropic:ratio=8"}) {
    const auto f = make_function(function);
    EXPECT_LE(final_loss<double>(spec, *f, 2000), GetParam().tol_double)
        << spec << " on " << function;
    EXPECT_LE(final_loss<float>(spec, *f, 2000), 1e-10) << spec << " (float) on " << function;
  }
}

INSTANTIATE_TEST_SUITE_P(
    EveryOptimizer, Convergence,
    ::testing::Values(Case{"sgd:lr=0.1"}, Case{"gd:lr=0.05"}, Case{"momentum:lr=0.05,alpha=0.5"},
                      Case{"nesterov:lr=0.05,alpha=0.5"}, Case{"rmsprop:lr=0.01@cosine:t_max=2000"},
                      Case{"adam:lr=0.05@cosine:t_max=2000"},
                      Case{"adamw:lr=0.05,weight_decay=0@cosine:t_max=2000"},
                      Case{"adamax:lr=0.05@cosine:t_max=2000"},
                      Case{"nadam:lr=0.05@cosine:t_max=2000"},
                      Case{"radam:lr=0.05@cosine:t_max=2000"}, Case{"adagrad:lr=0.5"},
                      Case{"adadelta:lr=0.5,rho=0.99"}, Case{"rprop:lr=0.01,step_min=0"},
                      Case{"asgd:lr=0.05"}, Case{"ftrl:lr=0.5"},
                      Case{"lion:lr=0.01@exponential:gamma=0.99", 1e-15}, Case{"lbfgs"}),
    [](const auto& test_info) {
      std::string n = test_info.param.spec.substr(0, test_info.param.spec.find(':'));
      return n;
    });

// The registry and this table agree: every optimizer has a row.
TEST(Convergence, EveryOptimizerHasARow) {
  std::vector<std::string> names;
  for (const auto& c :
       {"sgd", "gd", "momentum", "nesterov", "rmsprop", "adam", "adamw", "adamax", "nadam", "radam",
        "adagrad", "adadelta", "rprop", "asgd", "ftrl", "lion", "lbfgs"})
    names.push_back(c);
  ASSERT_EQ(names.size(), optimizer_catalog().size());
  for (std::size_t i = 0; i < names.size(); ++i) EXPECT_EQ(optimizer_catalog()[i]->name, names[i]);
}

}  // namespace
}  // namespace descent
