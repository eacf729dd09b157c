// descent: L-BFGS, limited-memory BFGS with a strong-Wolfe line search.
//
// One iteration (= one trajectory step), with the last m = `history` pairs
// s_i = w_{i+1} - w_i, y_i = g_{i+1} - g_i (a pair is kept only if y_i.s_i > 1e-10):
//     d = -H g by the two-loop recursion, H_0 = (s.y / y.y) I from the newest pair (I if none)
//     t = lr, or min(1, 1/|g|_1) * lr on the first iteration
//     t from a line search along d satisfying the strong Wolfe conditions
//         f(w + t d) <= f(w) + c1 t g.d   and   |g(w + t d).d| <= c2 |g.d|,   c1 = 1e-4, c2 = 0.9
//       (bracketing and zoom with cubic interpolation, Nocedal & Wright algorithms 3.5 and 3.6,
//        at most 25 evaluations), or t = lr as it is with line_search = none
//     w <- w + t d
// It stops (converged) before a step when max|g| <= tolerance_grad, when the last step changed
// the loss by at most tolerance_change * |loss| or every coordinate by at most tolerance_change,
// or when d is not a descent
// direction (g.d >= 0, which only rounding can cause).
//
// Defaults: lr = 1, history = 10, line_search = strong_wolfe, tolerance_grad = 1e-7,
// tolerance_change = 1e-9.
// Source: Liu & Nocedal, "On the limited memory BFGS method for large scale optimization" (1989);
// Nocedal & Wright, "Numerical Optimization" (2nd ed., 2006), algorithms 7.4, 3.5, 3.6.
// Where others differ: torch.optim.LBFGS runs up to max_iter = 20 iterations inside one step()
// call and checks its tolerances after moving, compares the loss change with tolerance_change
// absolutely (stopping near a minimum of value 0 while x is still 1e-5 away), and it also stops
// when g.d > -tolerance_change
// (which ends runs early on functions whose minimum is 0, where g.d shrinks with the loss); here
// one step is one iteration, so trajectories show every iterate. scipy's L-BFGS-B uses a different
// line search (More-Thuente via Minpack-2). Function evaluations of the line search are counted in
// the state (`evaluations`).
#pragma once

#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/fields.hpp"
#include "descent/optimizer.hpp"

namespace descent {

enum class LineSearch { strong_wolfe, none };
inline constexpr std::string_view kLineSearchNames[] = {"strong_wolfe", "none"};

struct LbfgsParams {
  double lr = 1.0;
  int history = 10;
  LineSearch line_search = LineSearch::strong_wolfe;
  double tolerance_grad = 1e-7;
  double tolerance_change = 1e-9;
};

inline constexpr auto kLbfgsFields = std::tuple{
    real(&LbfgsParams::lr, "lr", 0.0, kInfinity, "initial step length of the line search", false,
         false)
        .log()
        .shown(),
    integer(&LbfgsParams::history, "history", 1, 1000, "number of (s, y) pairs kept"),
    choice(&LbfgsParams::line_search, "line_search", kLineSearchNames,
           "strong_wolfe, or none for a fixed step of length lr"),
    nonnegative(&LbfgsParams::tolerance_grad, "tolerance_grad", "stop when max|g| is at most this")
        .log(),
    nonnegative(&LbfgsParams::tolerance_change, "tolerance_change",
                "stop when a step changes the loss or the point by less")
        .log()};

template <std::floating_point T>
struct LbfgsState {
  std::size_t n = 0;                 ///< parameters
  std::int64_t iteration = 0;        ///< iterations taken
  std::int64_t evaluations = 0;      ///< objective evaluations made by the line search
  std::int64_t stop = 0;             ///< 0 while running, else why it stopped (see converged())
  double prev_loss = 0.0;            ///< loss before the last step
  double last_step = 0.0;            ///< max |t d| of the last step
  std::vector<T> prev_w, prev_g;     ///< point and gradient before the last step
  std::vector<std::vector<T>> s, y;  ///< history pairs, oldest first
};

template <std::floating_point T>
class Lbfgs final : public Optimizer<T> {
 public:
  /// Throws InputError if a parameter is out of range.
  explicit Lbfgs(const LbfgsParams& params = {});
  const OptimizerInfo& info() const override;
  ParamSet params() const override;
  double lr() const override { return p_.lr; }
  void set_lr(double lr) override { p_.lr = lr; }
  void reset(std::size_t n) override;
  std::size_t size() const override { return s_.n; }
  /// Without a closure there is no line search: a step of length lr along d.
  void step(std::span<T> w, std::span<const T> g) override;
  void step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>& f) override;
  std::string converged() const override;
  void visit_state(StateVisitor<T>& visitor) override;
  const LbfgsState<T>& state() const { return s_; }

 private:
  void iterate(std::span<T> w, std::span<const T> g, double loss, const Closure<T>* f);
  LbfgsParams p_;
  LbfgsState<T> s_;
};

/// The registry entry of `lbfgs`.
const OptimizerInfo& lbfgs_info();

extern template class Lbfgs<float>;
extern template class Lbfgs<double>;

}  // namespace descent
