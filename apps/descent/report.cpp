#include "report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "descent/registry.hpp"
#include "descent/version.hpp"
#include "run_json.hpp"

namespace descent::cli {
namespace {

std::string point_text(std::span<const double> w) {
  std::string s = "(";
  for (std::size_t i = 0; i < w.size(); ++i) s += fmt::format("{}{}", i ? ", " : "", w[i]);
  return s + ")";
}

std::string sci(double x) { return fmt::format("{:.3g}", x); }

}  // namespace

// " = p/q" when x is a simple fraction (q <= 64), so that 0.111111 reads as 1/9.
std::string fraction(double x) {
  for (int q = 2; q <= 64; ++q) {
    const double p = std::round(x * q);
    if (p != 0 && std::abs(x * q - p) < 1e-9 * q) return fmt::format(" = {}/{}", p, q);
  }
  return {};
}

std::string analysis_text(const Objective& f, const Analysis& a) {
  std::string out = fmt::format("function   {}   f(w) = {}\n", f.spec(), f.formula());
  out += fmt::format("point      {}{}\n", point_text(a.point),
                     a.at_minimizer ? ", the known minimizer" : "");
  if (!a.not_applicable.empty()) {
    if (!a.eigenvalues.empty()) {
      std::string ev;
      for (double v : a.eigenvalues) ev += fmt::format("{}{:.6g}", ev.empty() ? "" : ", ", v);
      out += fmt::format("Hessian eigenvalues   {}\n", ev);
    }
    out += fmt::format("no rates: {}\n", a.not_applicable);
    return out;
  }
  out += a.quadratic
             ? "           a quadratic: the predictions below hold exactly, from any start\n"
             : "           not a quadratic: the predictions below hold near this point\n";
  std::string ev, vecs;
  for (std::size_t i = 0; i < a.eigenvalues.size() && i < 12; ++i) {
    ev += fmt::format("{}{:.6g}", i ? ", " : "", a.eigenvalues[i]);
    vecs += (i ? ", " : "") + point_text(a.eigenvectors[i]);
  }
  if (a.eigenvalues.size() > 12) ev += fmt::format(", ... ({} in all)", a.eigenvalues.size());
  out += fmt::format("\nHessian eigenvalues   {}\n", ev);
  if (a.eigenvalues.size() <= 4) out += fmt::format("eigenvectors          {}\n", vecs);
  out += fmt::format("condition number      kappa = {:.6g}\n\n", *a.kappa);
  const GdTheory& g = *a.gd;
  out += fmt::format("gradient descent      stable for 0 < lr < {:.6g} (2/lambda_max)\n", g.lr_max);
  out += fmt::format(
      "                      best lr {:.6g}{} (2/(lambda_min + lambda_max)), rate {:.6g}{} "
      "per step ((kappa-1)/(kappa+1))\n",
      g.best_lr, fraction(g.best_lr), g.rate, fraction(g.rate));
  const MomentumTheory& m = *a.momentum;
  out += fmt::format(
      "heavy-ball momentum   stable for 0 <= alpha < 1 and 0 < lr < (2 + 2 alpha)/{:.6g}\n",
      m.lambda_max);
  out += fmt::format(
      "                      best lr* {:.6g}, alpha* {:.6g}, rate {:.6g} per step "
      "((sqrt(kappa)-1)/(sqrt(kappa)+1))\n",
      m.lr_star, m.alpha_star, m.rate);
  out += fmt::format(
      "Nesterov momentum     stable for 0 <= alpha < 1 and 0 < lr < (2 + 2 alpha)/((1 + 2 alpha) "
      "{:.6g}); {:.6g} at alpha 0.9\n",
      a.nesterov->lambda_max, a.nesterov->lr_max(0.9));
  const auto steps = [](double rate) {
    const auto k = predicted_steps(rate, 1e-6);
    return k ? std::to_string(*k) : std::string("-");
  };
  out += fmt::format(
      "steps to bring the distance to the minimum down 1e6-fold: gradient descent {}, "
      "momentum {}\n",
      steps(g.rate), steps(m.rate));
  out += "adaptive methods (RMSProp, Adam, ...): no such formula; see docs/theory.md\n";
  return out;
}

std::string theory_summary(const RunSetup& setup, std::span<const RunResult> results) {
  const Objective& f = *setup.function;
  const auto mins = f.minimizers();
  if (mins.empty() || f.dim() > 50) return {};
  const Analysis a = analyze(f);
  std::string out;
  if (a.not_applicable.empty()) {
    const double f0 = f.value(setup.start) - f.value(mins.front());
    const auto steps = [&](double rate) {
      // The loss above the minimum shrinks as the squared distance: rate^2 per step.
      const auto k = predicted_steps(rate * rate, setup.options.tol / f0);
      return k ? std::to_string(*k) : std::string("-");
    };
    out += fmt::format(
        "theory at the minimizer ({}kappa {:.4g}): gradient descent best lr {:.6g}, rate {:.4g}; "
        "momentum lr* {:.6g}, alpha* {:.6g}, rate {:.4g}\n",
        a.quadratic ? "a quadratic, " : "", *a.kappa, a.gd->best_lr, a.gd->rate,
        a.momentum->lr_star, a.momentum->alpha_star, a.momentum->rate);
    out += fmt::format(
        "predicted steps to tol with those settings: gradient descent {}, momentum {}\n",
        steps(a.gd->rate), steps(a.momentum->rate));
  } else {
    out += fmt::format("theory at the minimizer: {}\n", a.not_applicable);
  }
  std::string rates;
  for (const RunResult& r : results) {
    const auto m = measured_rate(r.trajectory, mins.front());
    rates += fmt::format("{}{} {}", rates.empty() ? "" : ", ", short_label(r.optimizer),
                         m ? fmt::format("{:.4g}", *m) : std::string("-"));
  }
  out += "measured rate per step (distance to the minimizer, second half of each run): " + rates +
         "\n";
  return out;
}

std::string metrics_table(const RunSetup& setup, std::span<const RunResult> results) {
  const Objective& f = *setup.function;
  std::string out =
      fmt::format("function  {}   f(w) = {}\nstart     {}   steps {}   tol {}", f.spec(),
                  f.formula(), point_text(setup.start), setup.options.steps, setup.options.tol);
  // Whatever else changes the numbers, so that the table says how to get them again.
  if (setup.noise > 0) out += fmt::format("   noise {}", setup.noise);
  if (setup.batch > 0) out += fmt::format("   batch {}", setup.batch);
  if (setup.noise > 0 || setup.batch > 0) out += fmt::format("   seed {}", setup.seed);
  if (setup.resumed_from) out += fmt::format("   resumed from {}", *setup.resumed_from);
  out += "\n\n";
  std::vector<std::string> labels;
  for (const auto& r : results) labels.push_back(short_label(r.optimizer));
  std::size_t name_w = 9;
  for (const auto& l : labels) name_w = std::max(name_w, l.size());
  const auto row = [&](auto&&... cols) {
    out += fmt::format("{:<{}}  {:>10}  {:>16}  {:>11}  {:>11}  {:>14}  {:>11}  {}\n", cols...);
  };
  row("optimizer", name_w, "final loss", "best loss (step)", "steps to tol", "path length",
      "zig-zags", "dist to min", "status");
  for (std::size_t i = 0; i < results.size(); ++i) {
    const RunResult& r = results[i];
    const Metrics& m = r.metrics;
    std::string zz;
    if (m.zigzags.size() <= 3) {
      for (std::size_t c = 0; c < m.zigzags.size(); ++c)
        zz += fmt::format("{}{}", c ? "," : "", m.zigzags[c]);
    } else {
      std::size_t total = 0;
      for (std::size_t z : m.zigzags) total += z;
      zz = fmt::format("{} in all", total);
    }
    row(labels[i], name_w, sci(m.final_loss), fmt::format("{} ({})", sci(m.best_loss), m.best_step),
        m.steps_to_tol ? std::to_string(*m.steps_to_tol) : "never", sci(m.path_length), zz,
        m.distance_to_minimizer ? sci(*m.distance_to_minimizer) : "-", r.message());
  }
  for (std::size_t i = 0; i < results.size(); ++i)
    if (!results[i].solution.empty())
      out += fmt::format(
          "{}: its answer is not the trajectory's last point, where it takes gradients, but "
          "x = {} (an average of its iterates), loss {}.\n",
          labels[i], point_text(results[i].solution), sci(results[i].solution_loss));
  out +=
      "\noptimizer: keys at their defaults are not shown (trajectory.csv and run.json hold the "
      "full specs).\nsteps to tol: first step with loss <= tol.  zig-zags: sign reversals of "
      "successive steps, per coordinate (w1,w2,...; summed above 3 coordinates).\n";
  return out;
}

std::string run_json(const RunSetup& setup, std::span<const RunResult> results) {
  using nlohmann::json;
  const Objective& f = *setup.function;
  json doc;
  doc["descent_version"] = descent::version();
  json fn;
  fn["spec"] = f.spec();
  fn["formula"] = f.formula();
  fn["minimizers"] = f.minimizers();
  fn["minimum"] = f.minimum() ? json(*f.minimum()) : json(nullptr);
  doc["function"] = fn;
  doc["start"] = setup.start;
  doc["steps"] = setup.options.steps;
  doc["tol"] = setup.options.tol;
  doc["noise"] = setup.noise;
  doc["seed"] = setup.seed;
  doc["batch"] = setup.batch;
  doc["resumed_from"] = setup.resumed_from ? json(*setup.resumed_from) : json(nullptr);
  json runs = json::array();
  for (const RunResult& r : results) runs.push_back(run_result_json(r, f, RunJsonLayout::file));
  doc["runs"] = runs;
  return doc.dump() + "\n";
}

}  // namespace descent::cli
