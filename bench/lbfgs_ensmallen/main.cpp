// descent's L-BFGS against ensmallen's L-BFGS on chained Rosenbrock (descent's `rosenbrock:n=N`),
// from descent's default start (-1.2, 1, -1.2, 1, ...). Both call the same function and gradient
// code (descent::Rosenbrock::value_and_gradient), both keep 10 pairs with c1 = 1e-4, and both stop
// by the same test, at the first iterate whose gradient has a Euclidean norm below a target
// (default 1e-6, which both reach at n = 1000; neither reaches 1e-7 there, where rounding leaves
// ||g||_2 near 5e-7): ensmallen by its own test (minGradientNorm), descent by run()'s
// stop_grad_norm, with L-BFGS's own max|g| test switched off (tolerance_grad = 0). Each keeps its
// other safeguards (ensmallen: a loss change of at most 1e-15; descent: tolerance_change 1e-9)
// and its own line search (ensmallen's asks c2 = 0.9, descent's its default 0.4); the output says
// why each stopped. Prints, for each, the best and median CPU time of `repeats` solves,
// iterations, evaluations, and the final loss, ||g||_2 and max |x_i - 1|, then descent's speed
// relative to ensmallen's.
//
//   lbfgs_ensmallen [n = 1000] [repeats = 7] [gradient norm target = 1e-6]
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <ensmallen.hpp>
#include <span>
#include <string>
#include <vector>

#include "descent/functions/rosenbrock.hpp"
#include "descent/optimizers/lbfgs.hpp"
#include "descent/runner.hpp"

namespace {

double grad_norm_target = 1e-6;  // both stop at the first iterate whose ||g||_2 is below this

struct Outcome {
  double seconds = 0;
  long iterations = 0, evaluations = 0;
  double loss = 0, grad_norm = 0, error = 0;
  std::string why;
};

// ||g(x)||_2 and max |x_i - 1| at x.
void measure_end(const descent::Rosenbrock& f, std::span<const double> x, Outcome& o) {
  std::vector<double> g(x.size());
  f.value_and_gradient(x, g);
  double s = 0, e = 0;
  for (double v : g) s += v * v;
  for (double v : x) e = std::max(e, std::abs(v - 1));
  o.grad_norm = std::sqrt(s);
  o.error = e;
}

// The CPU time of this thread, in seconds: on a machine shared with other work, time spent
// waiting for a core counts for neither side.
double cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

template <class Solve>
Outcome timed(Solve solve) {
  const double t0 = cpu_seconds();
  Outcome o = solve();
  o.seconds = cpu_seconds() - t0;
  return o;
}

// Timed without recording the trajectory; with `record`, the end is measured too.
Outcome descent_solve(const descent::Rosenbrock& f, bool record = false) {
  descent::Lbfgs<double> opt({.history = 10, .tolerance_grad = 0});
  const descent::RunResult r = descent::run(
      f, opt, f.default_start(),
      {.steps = 1000000, .record = record, .record_every = 0, .stop_grad_norm = grad_norm_target});
  Outcome o{.iterations = static_cast<long>(r.stop_step),
            .evaluations = static_cast<long>(r.evaluations),
            .loss = r.metrics.final_loss,
            .why = r.reason};
  if (record) measure_end(f, r.trajectory.point(r.trajectory.size() - 1), o);
  return o;
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

// With `measure`, the end is measured too, and why it stopped is inferred from it.
Outcome ensmallen_solve(const descent::Rosenbrock& f, bool measure = false) {
  const std::vector<double> start = f.default_start();
  arma::mat x(start);
  EnsRosenbrock fn{f};
  ens::L_BFGS lbfgs(10, 1000000, 1e-4, 0.9, grad_norm_target);
  CountSteps steps;
  const double loss = lbfgs.Optimize(fn, x, steps);
  Outcome o{.iterations = steps.steps, .evaluations = fn.evaluations, .loss = loss};
  if (measure) {
    measure_end(f, {x.memptr(), x.n_elem}, o);
    o.why = o.grad_norm < grad_norm_target ? "its gradient norm test" : "another of its tests";
  }
  return o;
}

struct Summary {
  double best, median;
};

Summary report(const char* name, std::vector<Outcome> runs, const Outcome& end) {
  std::ranges::sort(runs, {}, &Outcome::seconds);
  const Summary s{runs.front().seconds, runs[runs.size() / 2].seconds};
  std::printf(
      "%-10s best %8.2f ms  median %8.2f ms  iterations %6ld  evaluations %6ld  loss %.3g"
      "  ||g|| %.3g  max|x-1| %.2g  (%s)\n",
      name, 1e3 * s.best, 1e3 * s.median, end.iterations, end.evaluations, end.loss, end.grad_norm,
      end.error, end.why.c_str());
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 1000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 7;
  if (argc > 3) grad_norm_target = std::atof(argv[3]);
  const descent::Rosenbrock f({.n = n});
  std::vector<Outcome> ours, theirs;
  for (int k = 0; k < repeats; ++k) {  // interleaved, so that both see the same machine
    ours.push_back(timed([&] { return descent_solve(f); }));
    theirs.push_back(timed([&] { return ensmallen_solve(f); }));
  }
  std::printf("chained Rosenbrock n = %d, %d repeats, both stop at ||g||_2 < %g\n", n, repeats,
              grad_norm_target);
  const Summary a = report("descent", ours, descent_solve(f, true));
  const Summary b = report("ensmallen", theirs, ensmallen_solve(f, true));
  std::printf("descent's speed / ensmallen's: median %.3f, best %.3f\n", b.median / a.median,
              b.best / a.best);
}
