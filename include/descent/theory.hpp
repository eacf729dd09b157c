// descent: what theory predicts from the Hessian at a point (a minimizer, usually).
//
// With H's eigenvalues lambda_min <= ... <= lambda_max > 0 and kappa = lambda_max / lambda_min
// (docs/theory.md gives the derivations and sources):
//   gradient descent   converges iff 0 < lr < 2 / lambda_max; the best constant rate is at
//                      lr = 2 / (lambda_min + lambda_max), with rate (kappa - 1) / (kappa + 1)
//                      per step in the distance to the minimizer (Polyak 1987, section 1.4).
//   heavy-ball         converges iff 0 <= alpha < 1 and 0 < lr * lambda < 2 + 2 alpha for every
//   momentum           eigenvalue; the best pair is lr* = (2 / (sqrt(lambda_min) +
//   sqrt(lambda_max)))^2,
//                      alpha* = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2, with rate
//                      (sqrt(kappa) - 1) / (sqrt(kappa) + 1) (Polyak 1964; Goh 2017).
//   Nesterov           (torch's form b <- alpha b + g, w <- w - lr (g + alpha b)) converges iff
//   momentum           0 <= alpha < 1 and 0 < lr * lambda < (2 + 2 alpha) / (1 + 2 alpha) for
//                      every eigenvalue (the linear recurrence's Jury conditions, docs/theory.md).
// On a quadratic these are exact for every start; elsewhere they describe the iteration near the
// point (linearisation), and analyze() says which. At a point whose Hessian is not positive
// definite (a saddle, a maximum) or where there is none, no rate is given, with the reason. For
// adaptive methods (RMSProp, Adam, ...) no such formula exists; theory says nothing about them.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "descent/objective.hpp"
#include "descent/trajectory.hpp"

namespace descent {

struct GdTheory {
  double lr_max;   ///< converges for 0 < lr < lr_max = 2 / lambda_max
  double best_lr;  ///< 2 / (lambda_min + lambda_max)
  double rate;     ///< (kappa - 1) / (kappa + 1)
};

struct MomentumTheory {
  double lr_star;     ///< (2 / (sqrt(lambda_min) + sqrt(lambda_max)))^2
  double alpha_star;  ///< ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2
  double rate;        ///< (sqrt(kappa) - 1) / (sqrt(kappa) + 1)
  /// For momentum alpha, the largest stable lr: (2 + 2 alpha) / lambda_max.
  double lr_max(double alpha) const { return (2 + 2 * alpha) / lambda_max; }
  double lambda_max;
};

struct NesterovTheory {
  /// For momentum alpha, the largest stable lr: (2 + 2 alpha) / ((1 + 2 alpha) lambda_max).
  double lr_max(double alpha) const { return (2 + 2 * alpha) / ((1 + 2 * alpha) * lambda_max); }
  double lambda_max;
};

struct Analysis {
  std::vector<double> point;
  bool at_minimizer = false;
  /// Empty if the analysis applies; else why not ("no Hessian here", "a saddle: ...").
  std::string not_applicable;
  /// True if the Hessian is the same everywhere (a quadratic): the predictions are then exact.
  bool quadratic = false;
  std::vector<double> eigenvalues;                ///< ascending
  std::vector<std::vector<double>> eigenvectors;  ///< unit, one per eigenvalue
  std::optional<double> kappa;
  std::optional<GdTheory> gd;
  std::optional<MomentumTheory> momentum;
  std::optional<NesterovTheory> nesterov;
};

/// Analyzes `f` at `at`, or at its first known minimizer when `at` is empty. Throws InputError
/// if there is neither, or if `at` has the wrong dimension.
Analysis analyze(const Objective& f, std::optional<std::vector<double>> at = std::nullopt);

/// Steps for the distance to the minimizer to shrink by the factor `reduction` at `rate` per step.
std::optional<std::size_t> predicted_steps(double rate, double reduction);

/// The measured linear rate of a run: the geometric mean ratio per step of successive distances to
/// `minimizer` over the second half of the run's steps (by step number, so the trajectory may hold
/// every K-th step, or start where a resumed run did), up to where the distance reaches the
/// rounding floor (1e-12 of the minimizer's size; 1e-280 at a minimizer of 0, whose iterates keep
/// their relative precision down to the underflow range). Nothing if the run is too short.
std::optional<double> measured_rate(const Trajectory& t, std::span<const double> minimizer);

/// Eigenvalues (ascending) and unit eigenvectors of a symmetric n x n matrix (row-major), by
/// Jacobi rotations.
void symmetric_eigen(std::vector<double> a, std::size_t n, std::vector<double>& values,
                     std::vector<std::vector<double>>& vectors);

}  // namespace descent
