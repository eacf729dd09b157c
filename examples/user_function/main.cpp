// A function of this project's own, given to descent as a lambda that returns the loss and writes
// the gradient: a least-squares fit of a line y = a*x + b to five points. Momentum minimizes it
// with stopping criteria (a gradient-norm tolerance and a wall-time limit), a callback that prints
// the progress every 200 steps, and only every 100th step recorded.
#include <cmath>
#include <cstdio>
#include <descent/descent.hpp>
#include <span>
#include <vector>

int main() {
  const std::vector<double> xs = {0, 1, 2, 3, 4}, ys = {1.1, 2.9, 5.2, 7.1, 8.8};
  // f(a, b) = 1/2 sum_i (a x_i + b - y_i)^2, with its exact gradient.
  const descent::FunctionObjective line = descent::objective(
      [&](std::span<const double> w, std::span<double> g) {
        double loss = 0;
        g[0] = g[1] = 0;
        for (std::size_t i = 0; i < xs.size(); ++i) {
          const double r = w[0] * xs[i] + w[1] - ys[i];
          loss += 0.5 * r * r;
          g[0] += r * xs[i];
          g[1] += r;
        }
        return loss;
      },
      2, {.name = "line_fit", .formula = "1/2 sum (a x + b - y)^2"});

  auto momentum = descent::make_optimizer("momentum:lr=0.02,alpha=0.9");
  descent::RunOptions options;
  options.steps = 5000;
  options.record_every = 100;
  options.stop_grad_norm = 1e-8;
  options.time_limit = 10.0;
  options.on_step = [](const descent::StepView& s) {
    if (s.step % 200 == 0) std::printf("step %4zu  loss %.6g\n", s.step, s.loss);
    return true;  // false would stop the run here
  };
  const descent::RunResult r = descent::run(line, *momentum, line.default_start(), options);
  const auto w = r.trajectory.point(r.trajectory.size() - 1);
  std::printf("%s after %zu steps (%zu rows recorded): a = %.6f, b = %.6f, loss %.6g\n",
              r.message().c_str(), r.steps, r.trajectory.size(), w[0], w[1], r.metrics.final_loss);
  // The least-squares line from the normal equations, to check the run against.
  double mx = 0, my = 0, sxy = 0, sxx = 0;
  for (std::size_t i = 0; i < xs.size(); ++i) {
    mx += xs[i] / 5;
    my += ys[i] / 5;
  }
  for (std::size_t i = 0; i < xs.size(); ++i) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) * (xs[i] - mx);
  }
  const double a = sxy / sxx, b = my - a * mx;
  std::printf("normal equations: a = %.6f, b = %.6f\n", a, b);
  const bool ok = r.termination == descent::Termination::stopped && std::abs(w[0] - a) < 1e-6 &&
                  std::abs(w[1] - b) < 1e-6;
  return ok ? 0 : 1;
}
