// descent: the tuning study, "must every optimizer be tuned?" measured.
//
// For every optimizer and every problem of a suite, the study runs the optimizer at `points`
// learning rates spread evenly in log10 from 10^lo to 10^hi times its default learning rate (31
// points from 1e-4x to 1e2x by default, 0.2 decades apart), and once at its default settings
// exactly. A function problem runs each setting as a sweep cell (sweep.hpp: the same runs as
// `descent run`, every start and seed, the median of the final loss); a training problem trains
// a model once per seed and takes the median of its final test loss.
//
// Scores. Problems of very different scales are made comparable by one normalisation. On a
// problem whose minimum is m (the function's known minimum, else the lowest of the losses any
// setting reached and of L-BFGS runs from every start; 0 for training), a final loss L has the gap
// L - m, clamped to [floor, start gap] where the start gap is the median gap at the start points
// and floor = start gap * 1e-12 (twelve decades of progress count as solved). A loss that is not
// finite, or above the start, scores as no progress. With `best` the smallest clamped gap any
// optimizer reached at any setting,
//   score(L) = 1 - log10(gap(L) / best) / log10(start gap / best),
// in [0, 1]: 1 is as far down as the best of all, 0 is no progress from the start; 0.5 is half of
// the decades of progress the best made. It is 0 everywhere on a problem where nothing moved.
//
// Tuning width. An optimizer's curve on a problem is its score at each grid point; its best point
// is the one of highest score (of several within 1e-12 of it, the nearest the default). Its tuning
// width is the span, in decades of learning rate, of the longest run of consecutive grid points
// that contains its best point and whose scores are all within `tolerance` (0.1 by default) of
// its best score: (last - first) * spacing. One point alone is 0 decades; a run that reaches an
// end of the grid is reported as at least that wide (the grid may be too narrow). A curve whose
// best score is itself within `tolerance` of no progress (0) is 0 decades wide: no learning rate
// works, rather than all of them alike.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "descent/optimizer_config.hpp"
#include "descent/sweep.hpp"

namespace descent {

/// A problem of a study: a function under a sweep protocol, or a training.
struct StudyProblem {
  std::string name;  ///< short, used in file names: "valley"
  std::string doc;   ///< one line for the report
  /// A function problem: the function, start, steps, tol, starts, seeds, noise, batch and seed of
  /// every run (the optimizer and the axes are set by the study).
  SweepConfig protocol;
  /// A training problem (set instead of protocol.function): the final loss of one training run
  /// with this configuration and seed (infinite if it diverged). Called from several threads at
  /// once. Throws InputError for a configuration it cannot train.
  std::function<double(const OptimizerConfig&, std::uint64_t seed)> train;
  /// A training problem's loss before training, for each seed (its start gap is their median).
  std::function<double(std::uint64_t seed)> start_loss;
  std::size_t train_seeds = 1;  ///< seeds 0 .. train_seeds-1 per setting
  double train_cost = 1;        ///< the estimated seconds of one training, for the progress line
  bool is_training() const { return static_cast<bool>(train); }
};

/// The built-in function problems of the tuning study: the seed's two bowls, the valley turned by
/// 45 degrees, a 10-D quadratic with condition number 1000, Rosenbrock, Beale, and least squares
/// with noisy mini-batches; each with 4 starts (or 4 batch seeds). `quick`: the bowls, the turned
/// valley and Rosenbrock, with fewer steps and starts. The training problems (softmax regression
/// and the MLP on Fashion-MNIST) are nn::training_suite's.
std::vector<StudyProblem> function_suite(bool quick);

struct TuningStudyConfig {
  std::vector<StudyProblem> problems;
  std::vector<OptimizerConfig> optimizers;
  double lo = -4;           ///< the grid's lowest learning rate: default * 10^lo
  double hi = 2;            ///< and its highest: default * 10^hi
  std::size_t points = 31;  ///< grid points, evenly spaced in log10, both ends included
  double tolerance = 0.1;   ///< of the score, for the tuning width
};

/// How a problem's losses become scores (see the header comment).
struct ProblemScale {
  double minimum = 0;      ///< m
  bool estimated = false;  ///< m is the lowest loss found, the function knowing no minimum
  double start_gap = 1;    ///< the median gap at the start points
  double best_gap = 1;     ///< the smallest clamped gap any setting reached
  /// The score of a final loss.
  double score(double loss) const;
  /// The gap of a final loss, clamped to [start_gap * 1e-12, start_gap].
  double gap(double loss) const;
};

/// The longest run of points within tolerance of the best (see the header comment).
struct TuningWidth {
  std::size_t best = 0;   ///< the grid point of the best score (on ties, the nearest `prefer`)
  std::size_t first = 0;  ///< the run's first point
  std::size_t last = 0;   ///< and its last
  double decades = 0;     ///< (last - first) * spacing
  bool at_edge = false;   ///< the run reaches an end of the grid: the width is a lower bound
};
/// The tuning width of a curve of scores over a grid `spacing` decades apart; of best scores
/// within 1e-12 of each other, the one nearest the point `prefer` (the default learning rate)
/// is the best. A curve whose best score is at most `tolerance` (no learning rate makes progress
/// beyond it) is 0 wide. Throws std::invalid_argument for an empty curve.
TuningWidth tuning_width(std::span<const double> scores, double spacing, double tolerance,
                         std::size_t prefer = 0);

/// One optimizer on one problem.
struct TuningCurve {
  std::size_t problem = 0, optimizer = 0;  ///< indices into the configuration
  double default_lr = 0;
  std::vector<double> lr;             ///< the grid
  std::vector<double> loss;           ///< median final loss per grid point (infinite: diverged)
  std::vector<std::size_t> diverged;  ///< runs that blew up, per grid point
  std::size_t runs = 0;               ///< per grid point
  double default_loss = 0;            ///< at the default settings exactly
  // From the problem's scale:
  std::vector<double> score;  ///< per grid point
  double default_score = 0;
  TuningWidth width;
  /// Tuned: the better of the grid's best point and the default settings (which a grid that
  /// misses the default learning rate does not hold), so tuning is never worse than the default.
  bool default_is_best() const { return default_score > score.at(width.best); }
  double best_score() const { return default_is_best() ? default_score : score.at(width.best); }
  double best_lr() const { return default_is_best() ? default_lr : lr.at(width.best); }
  double best_loss() const { return default_is_best() ? default_loss : loss.at(width.best); }
};

struct TuningStudyResult {
  TuningStudyConfig config;
  std::vector<ProblemScale> scales;  ///< per problem
  std::vector<TuningCurve> curves;   ///< problem-major: curves[p * optimizers + o]
  double spacing = 0;                ///< decades between grid points
  const TuningCurve& curve(std::size_t problem, std::size_t optimizer) const {
    return curves.at(problem * config.optimizers.size() + optimizer);
  }
};

/// One optimizer over the whole suite.
struct TuningStanding {
  std::size_t optimizer = 0;
  double mean_default = 0;  ///< mean over problems of the score at the default settings
  double mean_tuned = 0;    ///< mean over problems of the tuned score (TuningCurve::best_score)
  double worst_default = 0, worst_tuned = 0;  ///< the lowest over problems
  double median_width = 0;                    ///< median tuning width over problems, decades
  std::size_t best_untuned = 0;  ///< problems where its default beats every other default
};
/// The optimizers ranked by mean tuned score (then mean default score).
std::vector<TuningStanding> tuning_leaderboard(const TuningStudyResult& r);
/// Mean over problems of the best default score among all optimizers: trying every optimizer at
/// its defaults and keeping the best, as Schmidt et al. 2021 compare with tuning one.
double best_of_defaults(const TuningStudyResult& r);

/// Checks a study without running it: at least one problem and optimizer, every optimizer has a
/// learning rate `lr` above 0, a grid of 2 to 1001 points with lo < hi, tolerance in (0, 1), and
/// every function problem's protocol (its starts, seeds, noise, batch, start point and total
/// work), and the loss at a function's default start above its known minimum. Throws InputError
/// naming the problem.
void check_tuning_study(const TuningStudyConfig& config);

/// Runs the study. `progress(done)` is called now and then with the estimated share of the work
/// done, in [0, 1], from one thread at a time. Cells run in parallel on the thread
/// pool; the results do not depend on the thread count.
TuningStudyResult tuning_study(const TuningStudyConfig& config,
                               const std::function<void(double)>& progress = {});

}  // namespace descent
