// descent: the loss landscape of a trained network, and its sharpness.
//
// Li et al. 2018, "Visualizing the Loss Landscape of Neural Nets" (arXiv:1712.09913), look at a
// network's loss on low-dimensional slices of its parameter space:
//
//   line   loss(a + t (b - a)) for t along a line, e.g. from the initialization (t = 0) to a
//          solution (t = 1), or between the solutions of two optimizers;
//   plane  loss(c + s d1 + t d2) on a grid of (s, t), through a solution c along two random
//          directions with filter normalisation: each row of a direction's weight matrix (the
//          weights into one unit, the fully connected layer's "filter") is scaled to the norm of
//          the same row of c, and the biases are left out (their directions are zero), so that the
//          plane's scale follows the weights' own;
//   path   iterates projected on the plane of the first two principal components of the
//          iterates' differences from the solution (the PCA of those rows, centred on their mean
//          as usual), each component's share of the variance reported.
//
// Sharpness is the largest eigenvalue of the training loss's Hessian, found by power iteration on
// exact Hessian-vector products (Mlp::hessian_vector_product). Gradient descent on a quadratic is
// stable while lr * lambda_max < 2; Cohen et al. 2021 (arXiv:2103.00065) found that full-batch
// gradient descent on networks raises lambda_max to 2 / lr and keeps it there ("the edge of
// stability").
//
// Every grid cell is independent: the planes and lines spread their cells over descent's thread
// pool (parallel.hpp), each cell computed whole by one thread, so the values do not depend on the
// number of threads. Call set_blas_threads(1) first, as the cells call the BLAS from every thread.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "descent/nn/mlp.hpp"

namespace descent::nn {

/// Called as cells finish, with the cells done and the cells in all (from any thread, one call at
/// a time).
using LandscapeProgress = std::function<void(std::size_t done, std::size_t total)>;

/// A random direction for `model`'s parameters with filter normalisation (see above): Gaussian
/// values drawn from mt19937_64(seed) in parameter order, each weight row scaled to the norm of the
/// same row of the model's weights (a row of zero weights gets a zero row), every bias 0.
template <std::floating_point T>
std::vector<T> filter_normalized_direction(const Mlp<T>& model, std::uint64_t seed);

/// Loss and accuracy at the points of a slice.
struct SliceValues {
  std::vector<double> loss;      ///< mean cross-entropy per point
  std::vector<double> accuracy;  ///< share classified right per point, in [0, 1]
};

/// The loss along the line from `a` to `b` (parameter vectors of `model`'s layout) at the
/// parameters a + t (b - a), for each t of `ts`, on the examples (x, y). Throws
/// std::invalid_argument for vectors of the wrong size.
template <std::floating_point T>
SliceValues line_landscape(const Mlp<T>& model, std::span<const T> a, std::span<const T> b,
                           std::span<const double> ts, std::span<const T> x,
                           std::span<const std::uint8_t> y, const LandscapeProgress& progress = {});

/// The loss on the plane c + s d1 + t d2 for every s of `ss` and t of `ts`, row-major with t
/// outer: value [j * ss.size() + i] is at (ss[i], ts[j]); c is the model's parameters. The first
/// layer's pre-activations are linear in (s, t), so they are formed once per direction and combined
/// per cell (equal to the direct evaluation up to rounding); the layers above are evaluated per
/// cell. Throws std::invalid_argument for directions of the wrong size.
template <std::floating_point T>
SliceValues plane_landscape(const Mlp<T>& model, std::span<const T> d1, std::span<const T> d2,
                            std::span<const double> ss, std::span<const double> ts,
                            std::span<const T> x, std::span<const std::uint8_t> y,
                            const LandscapeProgress& progress = {});

/// The plane of the first two principal components of a set of iterates around a centre.
struct PcaPlane {
  std::vector<double> d1, d2;    ///< orthonormal directions in parameter space
  double explained[2] = {0, 0};  ///< each component's share of the variance, in [0, 1]
  /// Each iterate's coordinates (s, t) on the plane through the centre: (x - c) . d1, (x - c) . d2.
  std::vector<std::pair<double, double>> coordinates;
};

/// The PCA plane of `iterates` (each a parameter vector of the centre's size) about `centre`: the
/// two leading principal components of the rows iterate - centre, centred on their mean (found
/// from the rows' Gram matrix). Throws InputError for fewer than 3 iterates, iterates of the wrong
/// size, or rows that span fewer than two dimensions.
template <std::floating_point T>
PcaPlane pca_plane(std::span<const T> centre, const std::vector<std::vector<T>>& iterates);

/// The largest eigenvalue of a Hessian.
struct Sharpness {
  double eigenvalue = 0;     ///< the Rayleigh quotient v . Hv at the last vector
  std::size_t products = 0;  ///< Hessian-vector products taken
  bool converged = false;    ///< two successive estimates agreed to the tolerance
};

/// The eigenvalue of largest magnitude of the Hessian of the mean loss on (x, y) at the model's
/// parameters, by power iteration on exact Hessian-vector products: v <- Hv / |Hv| until two
/// successive Rayleigh quotients differ by at most `tolerance` times their size, or
/// `max_products` products. `vector` is the start (a random unit vector drawn from `seed` when it
/// is empty or all zeros) and receives the last iterate, so that a later call can start from it:
/// during training the eigenvector moves slowly, and a warm start needs few products. Near a
/// minimum of the training loss the largest-magnitude eigenvalue is the largest one; a negative
/// result says that a negative curvature dominates. Products are taken in T, their dot products
/// summed in double.
template <std::floating_point T>
Sharpness top_hessian_eigenvalue(const Mlp<T>& model, std::span<const T> x,
                                 std::span<const std::uint8_t> y, std::vector<T>& vector,
                                 std::size_t max_products = 100, double tolerance = 1e-4,
                                 std::uint64_t seed = 0);

}  // namespace descent::nn
