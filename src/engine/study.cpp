#include "descent/study.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <memory>
#include <mutex>
#include <numeric>
#include <stdexcept>
#include <string>
#include <utility>

#include "descent/distributed.hpp"
#include "descent/error.hpp"
#include "descent/parallel.hpp"
#include "descent/params.hpp"
#include "descent/runner.hpp"
#include "descent/spec.hpp"
#include "engine/median.hpp"
#include "engine/sweep_cells.hpp"

namespace descent {
namespace {

constexpr double kSolvedDecades = 12;  // a gap this many decades below the start's is solved
constexpr std::size_t kMaxPoints = 1001;
constexpr double kTie = 1e-12;  // scores this close are equal (rounding of a flat curve)

// A function problem's protocol: `steps` steps from `starts` start points (or seeds).
StudyProblem function_problem(std::string name, std::string doc, std::string function,
                              std::size_t steps, std::size_t starts) {
  StudyProblem p;
  p.name = std::move(name);
  p.doc = std::move(doc);
  p.protocol.function = std::move(function);
  p.protocol.options.steps = steps;
  p.protocol.metric = SweepMetric::final_loss;
  p.protocol.starts = starts;
  return p;
}

// Exponent i of the grid, lo + (hi - lo) i / (points - 1); one within rounding of 0 is 0, so
// that the grid's point at the default is the default exactly.
double grid_exponent(const TuningStudyConfig& c, std::size_t i) {
  const double e =
      c.lo + (c.hi - c.lo) * static_cast<double>(i) / static_cast<double>(c.points - 1);
  return std::abs(e) <= 1e-9 * (c.hi - c.lo) ? 0.0 : e;
}

// The learning rates of the grid around `base`: base * 10^e for each exponent e.
std::vector<double> grid(const TuningStudyConfig& c, double base) {
  std::vector<double> out(c.points);
  for (std::size_t i = 0; i < c.points; ++i) out[i] = base * std::pow(10.0, grid_exponent(c, i));
  return out;
}

// The estimated seconds of one setting of a problem, for the progress line: runs x steps at
// about 100 ns per step and coordinate, or the trainings' estimate.
double cell_cost(const StudyProblem& p, std::size_t dim, std::size_t evaluations) {
  if (p.is_training()) return p.train_cost * static_cast<double>(p.train_seeds);
  return 1e-7 * static_cast<double>(p.protocol.starts * p.protocol.seeds) *
         static_cast<double>(p.protocol.options.steps) * static_cast<double>(dim + 1) *
         static_cast<double>(evaluations);
}

// The minimum of a function that does not know its own: the lowest of the losses reached and of
// L-BFGS runs from every start (up to 10000 iterations, exact gradients), so that the setting
// that reached the lowest loss is not taken for the minimum itself.
double estimated_minimum(const SweepConfig& protocol,
                         const std::vector<std::vector<double>>& starts,
                         const std::vector<double>& reached) {
  double m = std::numeric_limits<double>::infinity();
  for (double x : reached)
    if (std::isfinite(x)) m = std::min(m, x);
  SweepConfig exact = protocol;
  exact.noise = 0;
  exact.batch = 0;
  RunOptions options;
  options.steps = 10000;
  options.record = false;
  const OptimizerConfig lbfgs = OptimizerConfig::parse("lbfgs");
  for (const std::vector<double>& x : starts) {
    const RunResult r = run(*detail::make_objective(exact, 0), *lbfgs.make<double>(), x, options);
    if (std::isfinite(r.metrics.best_loss)) m = std::min(m, r.metrics.best_loss);
  }
  return m;
}

// The grid point nearest the default learning rate (exponent 0).
std::size_t default_point(const TuningStudyConfig& c, double spacing) {
  const double k = std::round(-c.lo / spacing);
  return static_cast<std::size_t>(std::clamp(k, 0.0, static_cast<double>(c.points - 1)));
}

}  // namespace

std::vector<StudyProblem> function_suite(bool quick) {
  std::vector<StudyProblem> s;
  const std::size_t bowl = quick ? 50 : 100, hard = quick ? 200 : 1000, starts = quick ? 2 : 4;
  s.push_back(function_problem("bowl", "the seed's round bowl w1^2 + w2^2 (condition number 1)",
                               "isotropic", bowl, starts));
  s.push_back(function_problem("valley", "the seed's narrow valley w1^2 + 8 w2^2 (condition 8)",
                               "anisotropic", bowl, starts));
  s.push_back(function_problem("valley45",
                               "the same valley turned by 45 degrees, off the coordinate axes",
                               "anisotropic:angle=45", bowl, starts));
  if (!quick)
    s.push_back(function_problem("kappa1000",
                                 "a 10-D quadratic with curvatures from 1 to 1000 (condition 1000)",
                                 "ill_conditioned:kappa=1000,n=10", 500, starts));
  s.push_back(function_problem("rosenbrock", "Rosenbrock's banana valley, minimum 0 at (1, 1)",
                               "rosenbrock", hard, starts));
  if (!quick) {
    s.push_back(function_problem("beale", "Beale's flat valley with steep walls, minimum 0",
                                 "beale", hard, starts));
    StudyProblem ls = function_problem(
        "least_squares",
        "least squares, 200 noisy rows in 10-D, mini-batches of 10 (4 batch seeds)",
        "least_squares:n=200,d=10,noise=0.5", 500, 1);
    ls.protocol.batch = 10;
    ls.protocol.seeds = 4;
    s.push_back(std::move(ls));
  }
  return s;
}

double ProblemScale::gap(double loss) const {
  const double floor = start_gap * std::pow(10.0, -kSolvedDecades);
  if (!std::isfinite(loss)) return start_gap;
  return std::clamp(loss - minimum, floor, start_gap);
}

double ProblemScale::score(double loss) const {
  const double range = std::log10(start_gap / best_gap);
  if (!(range > 0)) return 0.0;
  return 1.0 - std::log10(gap(loss) / best_gap) / range;
}

TuningWidth tuning_width(std::span<const double> scores, double spacing, double tolerance,
                         std::size_t prefer) {
  if (scores.empty()) throw std::invalid_argument("tuning_width: an empty curve");
  TuningWidth w;
  const double top = *std::max_element(scores.begin(), scores.end());
  const auto distance = [&](std::size_t i) { return i > prefer ? i - prefer : prefer - i; };
  w.best = scores.size();
  for (std::size_t i = 0; i < scores.size(); ++i)
    if (scores[i] >= top - kTie && (w.best == scores.size() || distance(i) < distance(w.best)))
      w.best = i;
  w.first = w.last = w.best;
  if (scores[w.best] <= tolerance) return w;  // no progress beyond the tolerance: 0 wide
  const double bar = scores[w.best] - tolerance;
  while (w.first > 0 && scores[w.first - 1] >= bar) --w.first;
  while (w.last + 1 < scores.size() && scores[w.last + 1] >= bar) ++w.last;
  w.decades = static_cast<double>(w.last - w.first) * spacing;
  w.at_edge = w.first == 0 || w.last + 1 == scores.size();
  return w;
}

void check_tuning_study(const TuningStudyConfig& c) {
  if (c.problems.empty()) throw InputError("study: no problem to study");
  if (c.optimizers.empty()) throw InputError("study: no optimizer to study");
  if (c.points < 2 || c.points > kMaxPoints)
    throw InputError("study: the grid needs 2 to " + std::to_string(kMaxPoints) + " points, got " +
                     std::to_string(c.points));
  if (!(c.lo < c.hi) || !std::isfinite(c.lo) || !std::isfinite(c.hi) || c.hi - c.lo > 20)
    throw InputError("study: the grid's range 10^" + format_double(c.lo) + " .. 10^" +
                     format_double(c.hi) +
                     " times the default learning rate must have lo < hi, at most 20 decades");
  if (!(c.tolerance > 0 && c.tolerance < 1))
    throw InputError("study: the tolerance of the tuning width must be in (0, 1), got " +
                     format_double(c.tolerance));
  for (const OptimizerConfig& o : c.optimizers) {
    double lr = 0;
    try {
      lr = o.get("lr");
    } catch (const InputError&) {
      throw InputError("study: optimizer '" + o.spec() + "' has no learning rate 'lr' to vary");
    }
    if (!(lr > 0))
      throw InputError("study: optimizer '" + o.spec() +
                       "' needs a learning rate above 0 to spread a grid around");
    for (double v : {lr * std::pow(10.0, c.lo), lr * std::pow(10.0, c.hi)}) {
      try {
        (void)o.with("lr", v);
      } catch (const InputError& e) {
        throw InputError(std::string("study: the grid reaches an invalid setting: ") + e.what());
      }
    }
  }
  for (const StudyProblem& p : c.problems) {
    if (p.name.empty()) throw InputError("study: a problem without a name");
    if (p.is_training()) {
      if (!p.start_loss || p.train_seeds < 1)
        throw InputError("study: training problem '" + p.name + "' needs a start loss and seeds");
      continue;
    }
    SweepConfig s = p.protocol;
    s.optimizer = c.optimizers.front();
    try {
      detail::check_protocol(s, "study", (c.points + 1) * c.optimizers.size());
    } catch (const InputError& e) {
      throw InputError("problem '" + p.name + "': " + e.what());
    }
    const std::unique_ptr<Objective> f = detail::make_objective(s, 0);
    const std::vector<double> start = s.start.empty() ? f->default_start() : s.start;
    if (const auto m = f->minimum(); m && !(f->value(start) > *m))
      throw InputError("problem '" + p.name + "': the start is at the minimum (loss " +
                       format_double(f->value(start)) + "), so there is no progress to measure");
  }
}

TuningStudyResult tuning_study(const TuningStudyConfig& config,
                               const std::function<void(double)>& progress) {
  check_tuning_study(config);
  TuningStudyResult r;
  r.config = config;
  r.spacing = (config.hi - config.lo) / static_cast<double>(config.points - 1);
  const std::size_t P = config.problems.size(), O = config.optimizers.size();
  const std::size_t cells = config.points + 1;  // the grid, then the defaults exactly

  // The work, estimated per problem, for the progress line.
  std::vector<double> cost(P);
  std::vector<std::vector<std::vector<double>>> starts(P);
  for (std::size_t p = 0; p < P; ++p) {
    const StudyProblem& prob = config.problems[p];
    std::size_t dim = 0, evaluations = 1;
    if (!prob.is_training()) {
      const std::unique_ptr<Objective> f = detail::make_objective(prob.protocol, 0);
      dim = f->dim();
      starts[p] = detail::start_points(prob.protocol, *f);
      for (const OptimizerConfig& o : config.optimizers)
        evaluations = std::max(evaluations, std::min<std::size_t>(o.evaluations_per_step(), 4));
    }
    cost[p] = cell_cost(prob, dim, evaluations) * static_cast<double>(cells * O);
  }
  const double total = std::accumulate(cost.begin(), cost.end(), 0.0);
  std::mutex report;
  double done = 0;
  const auto advance = [&](double units) {
    std::lock_guard<std::mutex> lock(report);
    done += units;
    if (progress) progress(total > 0 ? std::min(1.0, done / total) : 1.0);
  };

  r.curves.resize(P * O);
  for (std::size_t p = 0; p < P; ++p) {
    const StudyProblem& prob = config.problems[p];
    // Every optimizer's grid and its default, as settings of "lr".
    std::vector<detail::CellSettings> groups;
    for (std::size_t o = 0; o < O; ++o) {
      TuningCurve& c = r.curves[p * O + o];
      c.problem = p;
      c.optimizer = o;
      c.default_lr = config.optimizers[o].get("lr");
      c.lr = grid(config, c.default_lr);
      detail::CellSettings g{config.optimizers[o], {"lr"}, c.lr};
      g.values.push_back(c.default_lr);
      groups.push_back(std::move(g));
    }
    std::vector<double> loss(O * cells);
    std::vector<std::size_t> diverged(O * cells);
    std::size_t runs = 0;
    if (!prob.is_training()) {
      std::size_t reported = 0;
      const detail::CellStats stats = detail::run_cells(
          prob.protocol, starts[p], groups, [&](std::size_t now, std::size_t all) {
            // Counts may arrive out of order (each is taken before its report): only a larger
            // one moves the line.
            if (now <= reported) return;
            const std::size_t step = now - std::exchange(reported, now);
            advance(cost[p] * static_cast<double>(step) / static_cast<double>(all));
          });
      loss = stats.median;
      diverged = stats.diverged;
      runs = stats.runs;
    } else {
      // One training per cell and seed, spread over the pool; the median over seeds.
      const std::size_t seeds = prob.train_seeds, n = O * cells * seeds;
      // Over the ranks of a process group, if one is installed (distributed.hpp).
      std::vector<double> out(n);
      std::size_t reported = 0;
      const std::vector<std::string> parts = distributed_map(
          n,
          [&](std::size_t k) {
            const std::size_t cell = k / seeds, o = cell / cells;
            return std::move(Bytes().put(prob.train(groups[o].config(cell % cells), k % seeds)))
                .release();
          },
          [&](std::size_t now) {
            if (now <= reported) return;
            const std::size_t step = now - std::exchange(reported, now);
            advance(cost[p] * static_cast<double>(step) / static_cast<double>(n));
          });
      for (std::size_t k = 0; k < n; ++k) out[k] = Bytes(parts[k]).take<double>();
      for (std::size_t cell = 0; cell < O * cells; ++cell) {
        std::vector<double> v(out.begin() + static_cast<std::ptrdiff_t>(cell * seeds),
                              out.begin() + static_cast<std::ptrdiff_t>((cell + 1) * seeds));
        diverged[cell] = static_cast<std::size_t>(
            std::count_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }));
        loss[cell] = detail::median(std::move(v));
      }
      runs = seeds;
    }
    for (std::size_t o = 0; o < O; ++o) {
      TuningCurve& c = r.curves[p * O + o];
      const auto at = [&](std::size_t i) { return static_cast<std::ptrdiff_t>(o * cells + i); };
      c.loss.assign(loss.begin() + at(0), loss.begin() + at(config.points));
      c.diverged.assign(diverged.begin() + at(0), diverged.begin() + at(config.points));
      c.default_loss = loss[o * cells + config.points];
      c.runs = runs;
    }

    // The problem's scale: its minimum, the start's gap and the best gap reached.
    ProblemScale s;
    std::vector<double> start_losses;
    if (prob.is_training()) {
      s.minimum = 0;
      for (std::size_t k = 0; k < prob.train_seeds; ++k) start_losses.push_back(prob.start_loss(k));
    } else {
      const std::unique_ptr<Objective> f = detail::make_objective(prob.protocol, 0);
      s.minimum = f->minimum() ? *f->minimum() : estimated_minimum(prob.protocol, starts[p], loss);
      s.estimated = !f->minimum();
      for (const std::vector<double>& x : starts[p]) start_losses.push_back(f->value(x));
    }
    for (double& x : start_losses) x -= s.minimum;
    s.start_gap = detail::median(start_losses);
    if (!(s.start_gap > 0) || !std::isfinite(s.start_gap))
      throw InputError("problem '" + prob.name +
                       "': the loss at the start is not above the minimum, nothing to measure");
    s.best_gap = s.start_gap;
    for (double x : loss) s.best_gap = std::min(s.best_gap, s.gap(x));
    r.scales.push_back(s);
    for (std::size_t o = 0; o < O; ++o) {
      TuningCurve& c = r.curves[p * O + o];
      c.score.clear();
      for (double x : c.loss) c.score.push_back(s.score(x));
      c.default_score = s.score(c.default_loss);
      c.width =
          tuning_width(c.score, r.spacing, config.tolerance, default_point(config, r.spacing));
    }
  }
  return r;
}

std::vector<TuningStanding> tuning_leaderboard(const TuningStudyResult& r) {
  const std::size_t P = r.config.problems.size(), O = r.config.optimizers.size();
  std::vector<TuningStanding> out(O);
  for (std::size_t o = 0; o < O; ++o) {
    TuningStanding& s = out[o];
    s.optimizer = o;
    s.worst_default = s.worst_tuned = 1;
    std::vector<double> widths;
    for (std::size_t p = 0; p < P; ++p) {
      const TuningCurve& c = r.curve(p, o);
      s.mean_default += c.default_score / static_cast<double>(P);
      s.mean_tuned += c.best_score() / static_cast<double>(P);
      s.worst_default = std::min(s.worst_default, c.default_score);
      s.worst_tuned = std::min(s.worst_tuned, c.best_score());
      widths.push_back(c.width.decades);
      bool best = true;
      for (std::size_t q = 0; q < O; ++q)
        best = best && (q == o || r.curve(p, q).default_score < c.default_score);
      s.best_untuned += best ? 1 : 0;
    }
    s.median_width = detail::median(widths);
  }
  std::stable_sort(out.begin(), out.end(), [](const TuningStanding& a, const TuningStanding& b) {
    return a.mean_tuned != b.mean_tuned ? a.mean_tuned > b.mean_tuned
                                        : a.mean_default > b.mean_default;
  });
  return out;
}

double best_of_defaults(const TuningStudyResult& r) {
  const std::size_t P = r.config.problems.size(), O = r.config.optimizers.size();
  double sum = 0;
  for (std::size_t p = 0; p < P; ++p) {
    double best = 0;
    for (std::size_t o = 0; o < O; ++o) best = std::max(best, r.curve(p, o).default_score);
    sum += best;
  }
  return sum / static_cast<double>(P);
}

}  // namespace descent
