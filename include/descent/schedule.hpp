// descent: learning-rate schedules with torch.optim.lr_scheduler's semantics.
//
// A schedule gives the learning rate of update t (t = 0 for the first update) from the
// optimizer's base rate lr0. Attach one to an optimizer with '@' in a spec:
// "adam:lr=0.01@cosine:t_max=100".
//
//   constant                          lr0
//   step:step_size=S,gamma=G          lr0 * G^floor(t / S)                       (StepLR)
//   multistep:milestones=A;B,gamma=G  lr0 * G^(number of milestones <= t)        (MultiStepLR)
//   exponential:gamma=G               lr0 * G^t                                  (ExponentialLR)
//   cosine:t_max=T,eta_min=E          E + (lr0 - E) * (1 + cos(pi t / T)) / 2 (CosineAnnealingLR)
//   cosine_restarts:t_0,t_mult,eta_min  the same within each period; periods T_i = t_0 * t_mult^i
//                                     (CosineAnnealingWarmRestarts)
//   onecycle:total_steps,pct_start,div_factor,final_div_factor,anneal,three_phase
//                                     from lr0/div_factor up to lr0 then down to
//                                     lr0/(div_factor*final_div_factor)          (OneCycleLR)
//   plateau:factor,patience,threshold,threshold_mode,cooldown,min_lr,eps
//                                     lr *= factor when the loss has not improved for more than
//                                     `patience` steps (ReduceLROnPlateau)
//
// Every schedule also takes `warmup=W` (steps, default 0) and `warmup_factor=F` (default 1/3,
// torch LinearLR's start_factor): for t < W the rate is main(0) * (F + (1 - F) * t / W), after it
// main(t - W), as torch's SequentialLR([LinearLR(F, total_iters=W), main], milestones=[W]) gives.
//
// Where torch differs: torch computes CosineAnnealingLR and LinearLR recursively from the previous
// rate, descent from the closed form (the two agree to rounding, about 1e-15 relative); OneCycleLR
// in torch also cycles the momentum (beta1) by default, descent schedules the learning rate only.
// reduce-on-plateau watches the loss after each step (mode "min").
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "descent/optimizer.hpp"
#include "descent/params.hpp"

namespace descent {

class Schedule;

/// The registry's description of one schedule.
struct ScheduleInfo {
  std::string name;
  std::string doc;
  std::string reference;
  std::vector<ParamInfo> params;  ///< its own parameters (warmup keys excluded)
  std::function<std::unique_ptr<Schedule>(const ParamSet&)> make;
};

/// Walks over the scalars of a schedule's state (reduce-on-plateau's counters), for checkpoints.
class ScalarVisitor {
 public:
  virtual ~ScalarVisitor() = default;
  virtual void real(std::string_view name, double& value) = 0;
  virtual void integer(std::string_view name, std::int64_t& value) = 0;
};

/// What a schedule carries from one step to the next: reduce-on-plateau's counters (every other
/// schedule is a pure function of the step and keeps nothing). A value-initialized state is the
/// state before the first step.
struct ScheduleState {
  double best = std::numeric_limits<double>::infinity();  ///< the best loss seen
  std::int64_t bad = 0;                                   ///< steps since it improved
  std::int64_t cooldown = 0;                              ///< steps left to wait after a reduction
  std::int64_t reduced = 0;                               ///< 1 once the rate has been reduced
  double current = 0.0;  ///< the reduced rate (lr0 until the first reduction)
};

/// A schedule with its settings, which do not change once it is made: the rate of a step is a
/// function of the step, the base rate and (for reduce-on-plateau) a ScheduleState that the
/// caller keeps.
class Schedule {
 public:
  virtual ~Schedule() = default;
  virtual const ScheduleInfo& info() const = 0;
  /// Its own parameters, in the order of info().params.
  virtual ParamSet params() const = 0;
  /// The canonical spec: every own parameter, then warmup keys when warmup > 0.
  std::string spec() const;

  /// The learning rate of update t, given the base rate lr0 and the state after the updates
  /// before it.
  double lr(std::uint64_t t, double lr0, const ScheduleState& state = {}) const;
  /// Updates `state` with the loss seen at update t (only reduce-on-plateau listens). Call it
  /// after the update, as torch's scheduler.step(loss).
  void observe(std::uint64_t t, double loss, double lr0, ScheduleState& state) const;
  /// Whether the schedule uses a ScheduleState (only reduce-on-plateau).
  virtual bool stateful() const { return false; }
  /// Visits what the schedule keeps of `state`, for checkpoints.
  void visit_state(ScheduleState& state, ScalarVisitor& visitor) const;

  void set_warmup(std::uint64_t steps, double factor);
  std::uint64_t warmup() const { return warmup_; }
  double warmup_factor() const { return warmup_factor_; }

 protected:
  /// The schedule's own rate at its own step t (after any warm-up).
  virtual double main_lr(std::uint64_t t, double lr0, const ScheduleState& state) const = 0;
  virtual void main_observe(double loss, double lr0, ScheduleState& state) const {
    (void)loss;
    (void)lr0;
    (void)state;
  }

 private:
  std::uint64_t warmup_ = 0;
  double warmup_factor_ = 1.0 / 3.0;
};

/// Every schedule, in the order they are listed to users.
const std::vector<const ScheduleInfo*>& schedule_catalog();
/// The schedule called `name`; InputError listing the valid names otherwise.
const ScheduleInfo& find_schedule(std::string_view name);
/// Makes a schedule from a spec such as "cosine:t_max=100,warmup=5". Throws InputError.
std::unique_ptr<Schedule> make_schedule(std::string_view spec);
/// The warm-up keys every schedule takes.
const std::vector<ParamInfo>& warmup_params();

/// Visits, for checkpoints, what an optimizer with a schedule or preludes keeps besides its own
/// state: the steps taken (`t`), the base rate the schedule scales, and the schedule's state when
/// there is a schedule.
template <std::floating_point T>
void visit_schedule(StateVisitor<T>& v, std::uint64_t& t, double& base_lr, const Schedule* schedule,
                    ScheduleState& state) {
  struct To final : ScalarVisitor {  // the schedule's scalars, passed on to v
    StateVisitor<T>& v;
    explicit To(StateVisitor<T>& to) : v(to) {}
    void real(std::string_view name, double& x) override { v.real(name, x); }
    void integer(std::string_view name, std::int64_t& x) override { v.integer(name, x); }
  } to(v);
  auto steps = static_cast<std::int64_t>(t);
  v.integer("wrapper.steps", steps);
  t = static_cast<std::uint64_t>(steps);
  v.real("wrapper.base_lr", base_lr);
  if (schedule != nullptr) schedule->visit_state(state, to);
}

}  // namespace descent
