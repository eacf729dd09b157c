// descent's L-BFGS against ensmallen's L-BFGS on chained Rosenbrock (descent's `rosenbrock:n=N`),
// from descent's default start (-1.2, 1, -1.2, 1, ...). Both call the same function and gradient
// code (descent::Rosenbrock::value_and_gradient), both keep 10 pairs and use c1 = 1e-4, c2 = 0.9;
// descent stops on max|g| <= 1e-7, ensmallen on ||g||_2 < 1e-7 (ensmallen's other stop, a
// relative loss change of at most 1e-15, is left at its default). Prints, for each, the best and
// median time of `repeats` solves, iterations, evaluations, final loss and max |x_i - 1|.
//
//   lbfgs_ensmallen [n = 1000] [repeats = 7]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ensmallen.hpp>
#include <span>
#include <vector>

#include "descent/functions/rosenbrock.hpp"
#include "descent/optimizers/lbfgs.hpp"
#include "descent/runner.hpp"

namespace {

struct Outcome {
  double seconds;
  long iterations, evaluations;
  double loss, error;
};

double max_error(std::span<const double> x) {
  double e = 0;
  for (double v : x) e = std::max(e, std::abs(v - 1));
  return e;
}

template <class Solve>
Outcome timed(Solve solve) {
  const auto t0 = std::chrono::steady_clock::now();
  Outcome o = solve();
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return o;
}

// Timed without recording the trajectory; with `record`, the final point's error is measured too.
Outcome descent_solve(const descent::Rosenbrock& f, bool record = false) {
  descent::Lbfgs<double> opt({.history = 10, .tolerance_grad = 1e-7});
  const descent::RunResult r =
      descent::run(f, opt, f.default_start(), {.steps = 1000000, .record = record});
  const double error = record ? max_error(r.trajectory.point(r.trajectory.size() - 1)) : -1;
  return {0, static_cast<long>(r.stop_step), static_cast<long>(r.evaluations), r.metrics.final_loss,
          error};
}

// ensmallen's function interface over descent's Rosenbrock, counting evaluations.
struct EnsRosenbrock {
  const descent::Rosenbrock& f;
  long evaluations = 0;
  double EvaluateWithGradient(const arma::mat& x, arma::mat& g) {
    ++evaluations;
    g.set_size(x.n_rows, x.n_cols);
    return f.value_and_gradient({x.memptr(), x.n_elem}, {g.memptr(), g.n_elem});
  }
  double Evaluate(const arma::mat& x) {
    ++evaluations;
    return f.value({x.memptr(), x.n_elem});
  }
};

struct CountSteps {
  long steps = 0;
  template <class Optimizer, class Function, class Mat>
  bool StepTaken(Optimizer&, Function&, Mat&) {
    ++steps;
    return false;
  }
};

Outcome ensmallen_solve(const descent::Rosenbrock& f) {
  const std::vector<double> start = f.default_start();
  arma::mat x(start);
  EnsRosenbrock fn{f};
  ens::L_BFGS lbfgs(10, 1000000, 1e-4, 0.9, 1e-7);
  CountSteps steps;
  const double loss = lbfgs.Optimize(fn, x, steps);
  return {0, steps.steps, fn.evaluations, loss, max_error({x.memptr(), x.n_elem})};
}

void report(const char* name, std::vector<Outcome> runs, double error) {
  std::ranges::sort(runs, {}, &Outcome::seconds);
  Outcome o = runs.front();
  if (error >= 0) o.error = error;
  std::printf("%-10s best %8.2f ms  median %8.2f ms  iterations %6ld  evaluations %6ld  loss %.3g",
              name, 1e3 * o.seconds, 1e3 * runs[runs.size() / 2].seconds, o.iterations,
              o.evaluations, o.loss);
  std::printf("  max|x-1| %.2g\n", o.error);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 7;
  const descent::Rosenbrock f({.n = n});
  std::vector<Outcome> ours, theirs;
  for (int k = 0; k < repeats; ++k) {  // interleaved, so that both see the same machine
    ours.push_back(timed([&] { return descent_solve(f); }));
    theirs.push_back(timed([&] { return ensmallen_solve(f); }));
  }
  std::printf("chained Rosenbrock n = %d, %d repeats\n", n, repeats);
  report("descent", ours, descent_solve(f, true).error);
  report("ensmallen", theirs, -1);
}
