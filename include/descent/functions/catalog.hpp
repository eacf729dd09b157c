// descent: the classic test functions of the optimization literature, beside the seed's bowls
// (isotropic.hpp, anisotropic.hpp) and Rosenbrock (rosenbrock.hpp). Each has an exact gradient
// and Hessian, a default start, plotting bounds, and its known minimizers and minimum (refined to
// full double precision by Newton's method where the literature gives rounded values).
//
// Given by formula (x = w1, y = w2), evaluated through Expression (exact derivatives by automatic
// differentiation); sources: Jamil & Yang, "A literature survey of benchmark functions for global
// optimization problems" (2013), and Surjanovic & Bingham's Virtual Library of Simulation
// Experiments (SFU):
//   beale            (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2   min 0 at (3,
//   0.5) booth            (x + 2y - 7)^2 + (2x + y - 5)^2                                 min 0 at
//   (1, 3) himmelblau       (x^2 + y - 11)^2 + (x + y^2 - 7)^2                  min 0 at four
//   points goldstein_price  (1 + (x+y+1)^2 (19 - 14x + 3x^2 - 14y + 6xy + 3y^2))
//                    * (30 + (2x-3y)^2 (18 - 32x + 12x^2 + 48y - 36xy + 27y^2))  min 3 at (0, -1)
//   matyas           0.26 (x^2 + y^2) - 0.48 xy                                      min 0 at (0,
//   0) three_hump_camel 2x^2 - 1.05x^4 + x^6/6 + xy + y^2                               min 0 at
//   (0, 0) six_hump_camel   (4 - 2.1x^2 + x^4/3) x^2 + xy + (-4 + 4y^2) y^2   min -1.0316 at
//   +-(0.0898, -0.7127) levi13           sin^2(3 pi x) + (x-1)^2 (1 + sin^2(3 pi y)) + (y-1)^2 (1 +
//   sin^2(2 pi y))
//                                                                                     min 0 at (1,
//                                                                                     1)
//   saddle           x^2 - y^2           a saddle at (0, 0), no minimum
//   monkey_saddle    x^3 - 3 x y^2       a degenerate saddle at (0, 0), no minimum
// In C++, with parameters:
//   rastrigin:n        10 n + sum (x_i^2 - 10 cos(2 pi x_i))                  min 0 at 0
//   ackley             -20 exp(-0.2 sqrt((x^2 + y^2)/2)) - exp((cos 2 pi x + cos 2 pi y)/2) + e +
//   20
//                                                                             min 0 at 0
//   styblinski_tang:n  sum (x_i^4 - 16 x_i^2 + 5 x_i) / 2             min -39.166 n at x_i =
//   -2.9035 ill_conditioned:kappa,n  sum lambda_i x_i^2, lambda_i from 1 to kappa, log-spaced   min
//   0 at 0 quadratic:eigenvalues,angle  w^T A w with A = R(angle) diag(eigenvalues) R(angle)^T
//   (2-D)
#pragma once

#include "descent/objective.hpp"

namespace descent {

const FunctionInfo& beale_info();
const FunctionInfo& booth_info();
const FunctionInfo& himmelblau_info();
const FunctionInfo& goldstein_price_info();
const FunctionInfo& matyas_info();
const FunctionInfo& three_hump_camel_info();
const FunctionInfo& six_hump_camel_info();
const FunctionInfo& levi13_info();
const FunctionInfo& saddle_info();
const FunctionInfo& monkey_saddle_info();
const FunctionInfo& rastrigin_info();
const FunctionInfo& ackley_info();
const FunctionInfo& styblinski_tang_info();
const FunctionInfo& ill_conditioned_info();
const FunctionInfo& quadratic_info();
/// |A W B - C|_F^2 over a matrix W, whose point is one rows x cols tensor (Objective::shapes).
const FunctionInfo& matrix_least_squares_info();

/// Newton's method on the gradient from `x` (at most 50 steps): polishes a minimizer known to a
/// few digits to full precision. Returns `x` unchanged if the function has no Hessian there, or,
/// with `stay_near`, if the iteration went more than 1e-3 away (to another stationary point).
std::vector<double> refine_minimizer(const Objective& f, std::vector<double> x,
                                     bool stay_near = true);

}  // namespace descent
