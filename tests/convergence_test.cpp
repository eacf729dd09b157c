// Every optimizer, in float and in double, converges on the convex test functions: the seed's
// round bowl and its narrow valley, from (1, 1), in 2000 steps. Each optimizer's own test file
// holds its case (`Name.ConvergesOnTheSeedsBowls`, with the settings of that method; see
// test::expect_converges_on_the_seeds_bowls); this file runs them and checks that none is missing.
//
// Rprop's step_min = 1e-6 default stops its precision near |w| ~ 1e-6, hence step_min = 0 in its
// case; L-BFGS stops itself at tolerance_grad.
#include <gtest/gtest.h>

#include <cctype>
#include <span>
#include <string>
#include <vector>

#include "descent/registry.hpp"
#include "optimizers/reference.hpp"

namespace descent::test {

namespace {

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
  // The exact Hessian diagonal, for the methods that read it (Sophia).
  std::vector<double> hessian(4);
  opt->set_hessian_diagonal([&](std::span<const T> x, std::span<T> h) {
    const std::vector<double> xd(x.begin(), x.end());
    ASSERT_TRUE(f.hessian(xd, hessian));
    for (std::size_t i = 0; i < 2; ++i) h[i] = static_cast<T>(hessian[i * 2 + i]);
  });
  for (int k = 0; k < steps && opt->converged().empty(); ++k) {
    const double loss = closure(w, g);
    opt->step_with(w, g, loss, closure);
  }
  const std::vector<double> wd(w.begin(), w.end());
  return f.value(wd);
}

}  // namespace

void expect_converges_on_the_seeds_bowls(const std::string& spec, double tol_double,
                                         double tol_float) {
  for (const char* function : {"isotropic", "anisotropic:ratio=8"}) {
    const auto f = make_function(function);
    EXPECT_LE(final_loss<double>(spec, *f, 2000), tol_double) << spec << " on " << function;
    EXPECT_LE(final_loss<float>(spec, *f, 2000), tol_float) << spec << " (float) on " << function;
  }
}

namespace {

// Every optimizer has its convergence case.
TEST(Convergence, EveryOptimizerHasACase) {
  const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
  for (const OptimizerInfo* info : optimizer_catalog()) {
    if (!info->alias_of.empty()) continue;
    std::string suite = info->name;
    suite[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(suite[0])));
    bool found = false;
    for (int i = 0; i < unit.total_test_suite_count(); ++i) {
      const ::testing::TestSuite& s = *unit.GetTestSuite(i);
      for (int j = 0; s.name() == suite && j < s.total_test_count(); ++j)
        found = found || std::string(s.GetTestInfo(j)->name()) == "ConvergesOnTheSeedsBowls";
    }
    EXPECT_TRUE(found) << info->name << " has no test " << suite << ".ConvergesOnTheSeedsBowls";
  }
}

}  // namespace
}  // namespace descent::test
