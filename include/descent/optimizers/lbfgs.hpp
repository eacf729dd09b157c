// descent: L-BFGS, limited-memory BFGS with a strong-Wolfe line search. Not elementwise: it
// implements Optimizer<T> itself, with its documentation (kLbfgsDoc) and settings (kLbfgsFields)
// declared as a rule's are. One iteration is one trajectory step; a pair (s, y) is kept only if
// s.y > eps |s| |y| (eps the type's machine epsilon: a test of the angle, whatever the scale of
// f); the line search brackets and zooms with cubic interpolation (Nocedal & Wright algorithms
// 3.5 and 3.6, c1 = 1e-4, c2 the `c2` key, at most 25 evaluations, counted in the state). An
// iteration allocates nothing once the history is full.
#pragma once

#include <cmath>
#include <concepts>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "descent/detail/aligned.hpp"
#include "descent/fields.hpp"
#include "descent/optimizer.hpp"
#include "descent/rule.hpp"

namespace descent {

inline constexpr OptimizerDoc kLbfgsDoc = {
    .name = "lbfgs",
    .summary =
        "L-BFGS: quasi-Newton direction from the last `history` steps, strong-Wolfe line search",
    .rule =
        "d = -H g, two-loop recursion over the last `history` pairs (s, y), H0 = (s.y/y.y) I;\n"
        "a pair is kept if s.y > eps |s| |y| (eps: the type's machine epsilon)\n"
        "t = lr (min(1, 1/|g|_1) * lr at first), then a strong-Wolfe line search (curvature "
        "constant c2)\n"
        "w <- w + t d\n"
        "stop before a step if max|g| <= tolerance_grad, or the last step changed the loss by\n"
        "at most tolerance_change * |loss| or every coordinate by at most tolerance_change",
    .source = "Liu & Nocedal 1989; Nocedal & Wright 2006, algorithms 7.4, 3.5, 3.6",
    .differs =
        "torch.optim.LBFGS runs up to max_iter = 20 iterations in one step() and checks "
        "its tolerances after moving, comparing the loss change absolutely (it stops near "
        "a minimum of 0 while x is still 1e-5 away) and stopping when g.d > "
        "-tolerance_change; here one step is one iteration, so trajectories show every "
        "iterate. torch keeps a pair if y.s > 1e-10 and asks c2 = 0.9 of its line search: "
        "the first drops every pair when f is small in scale (or near a minimum), the "
        "second takes 49 iterations instead of 11 on ill_conditioned (n 10, kappa 100); "
        "`lbfgs:c2=0.9` asks what torch asks. "
        "scipy's L-BFGS-B uses the More-Thuente line search.",
    .family = Family::second_order,
    .year = 1989};

enum class LineSearch { strong_wolfe, none };
inline constexpr std::string_view kLineSearchNames[] = {"strong_wolfe", "none"};

struct LbfgsParams {
  double lr = 1.0;
  int history = 10;
  LineSearch line_search = LineSearch::strong_wolfe;
  double tolerance_grad = 1e-7, tolerance_change = 1e-9, c2 = 0.4;
};

inline constexpr auto kLbfgsFields = std::tuple{
    learning_rate(&LbfgsParams::lr, "initial step length of the line search").above_min(),
    integer(&LbfgsParams::history, "history", 1, 1000, "number of (s, y) pairs kept"),
    choice(&LbfgsParams::line_search, "line_search", kLineSearchNames,
           "strong_wolfe, or none for a fixed step of length lr"),
    nonnegative(&LbfgsParams::tolerance_grad, "tolerance_grad", "stop when max|g| is at most this")
        .log(),
    nonnegative(&LbfgsParams::tolerance_change, "tolerance_change",
                "stop when a step changes the loss or the point by less")
        .log(),
    real(&LbfgsParams::c2, "c2", 1e-4, 1.0,
         "curvature constant of the line search, |g(t).d| <= c2 |g(0).d| (torch: 0.9)", false,
         false)};

template <std::floating_point T>
struct LbfgsState {
  std::size_t n = 0;              ///< parameters
  std::int64_t iteration = 0;     ///< iterations taken
  std::int64_t evaluations = 0;   ///< objective evaluations made by the line search
  std::int64_t stop = 0;          ///< 0 while running, else why it stopped (see converged())
  double prev_loss = 0.0;         ///< loss before the last step
  double last_step = 0.0;         ///< max |t d| of the last step
  std::vector<T> prev_w, prev_g;  ///< point and gradient before the last step
  /// The history pairs, a ring: pair j (0 the oldest) is s[(first + j) % s.size()], with s.y in
  /// sy and y.y in yy at the same place. Each starts on a cache line: the two-loop recursion
  /// reads them all twice an iteration, and a vector load that straddles two lines costs two.
  std::vector<detail::AlignedVector<T>> s, y;
  std::vector<double> sy, yy;
  std::size_t first = 0;
};

/// The registry entry of `lbfgs`.
const OptimizerInfo& lbfgs_info();

template <std::floating_point T>
class Lbfgs final : public Optimizer<T> {
 public:
  /// Throws InputError if a parameter is out of range.
  explicit Lbfgs(const LbfgsParams& params = {});
  const OptimizerInfo& info() const override { return lbfgs_info(); }
  ParamSet params() const override { return to_param_set(p_, kLbfgsFields); }
  double lr() const override { return p_.lr; }
  void set_lr(double lr) override { p_.lr = lr; }
  void reset(std::size_t n) override {
    s_ = {};
    s_.n = n;
  }
  std::size_t size() const override { return s_.n; }
  /// Without a closure there is no line search: a step of length lr along d.
  void step(std::span<T> w, std::span<const T> g) override { step_with(w, g, NAN, {}); }
  void step_with(std::span<T> w, std::span<const T> g, double loss, const Closure<T>& f) override;
  std::string converged() const override;
  void visit_state(StateVisitor<T>& visitor) override;
  const LbfgsState<T>& state() const { return s_; }

 private:
  /// One iteration; returns 0, or why it stopped instead (see converged()).
  std::int64_t iterate(std::span<T> w, std::span<const T> g, double loss, const Closure<T>* f);
  /// Keeps the pair (w - prev_w, g - prev_g) if it passes the curvature test.
  void add_pair(std::span<const T> w, std::span<const T> g);
  LbfgsParams p_;
  LbfgsState<T> s_;
  // The direction and the line search's point and gradient (d_ and x_ also the scratch pair).
  detail::AlignedVector<T> d_, x_, gx_;
  std::vector<double> alpha_;  // the two-loop recursion's coefficients
};

extern template class Lbfgs<float>;
extern template class Lbfgs<double>;

}  // namespace descent
