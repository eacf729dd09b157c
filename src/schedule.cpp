#include "descent/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

#include "descent/error.hpp"
#include "descent/spec.hpp"
#include "util/text.hpp"

namespace descent {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = std::numbers::pi;

ParamInfo choice_param(std::string name, std::vector<std::string> choices, std::string doc) {
  ParamInfo p;
  p.name = std::move(name);
  p.type = ParamType::choice;
  p.choices = std::move(choices);
  p.doc = std::move(doc);
  return p;
}

// A schedule whose parameters are kept as a ParamSet for its spec; each kind reads what it needs
// once, into typed members.
class BasicSchedule : public Schedule {
 public:
  BasicSchedule(const ScheduleInfo& info, ParamSet values)
      : info_(info), values_(std::move(values)) {}
  const ScheduleInfo& info() const override { return info_; }
  ParamSet params() const override { return values_; }

 protected:
  double get(std::string_view name) const { return values_.get(name); }
  const ScheduleInfo& info_;
  ParamSet values_;
};

class Constant final : public BasicSchedule {
 public:
  using BasicSchedule::BasicSchedule;
  double main_lr(std::uint64_t, double lr0, const ScheduleState&) const override { return lr0; }
};

class StepDecay final : public BasicSchedule {
 public:
  StepDecay(const ScheduleInfo& info, ParamSet values)
      : BasicSchedule(info, std::move(values)),
        step_size_(static_cast<std::uint64_t>(get("step_size"))),
        gamma_(get("gamma")) {}
  double main_lr(std::uint64_t t, double lr0, const ScheduleState&) const override {
    return lr0 * std::pow(gamma_, static_cast<double>(t / step_size_));
  }

 private:
  std::uint64_t step_size_;
  double gamma_;
};

class MultiStep final : public BasicSchedule {
 public:
  MultiStep(const ScheduleInfo& info, ParamSet values)
      : BasicSchedule(info, std::move(values)),
        milestones_(values_.get_list("milestones")),
        gamma_(get("gamma")) {}
  double main_lr(std::uint64_t t, double lr0, const ScheduleState&) const override {
    const auto passed = std::count_if(milestones_.begin(), milestones_.end(),
                                      [&](double x) { return x <= static_cast<double>(t); });
    return lr0 * std::pow(gamma_, static_cast<double>(passed));
  }

 private:
  std::vector<double> milestones_;
  double gamma_;
};

class Exponential final : public BasicSchedule {
 public:
  Exponential(const ScheduleInfo& info, ParamSet values)
      : BasicSchedule(info, std::move(values)), gamma_(get("gamma")) {}
  double main_lr(std::uint64_t t, double lr0, const ScheduleState&) const override {
    return lr0 * std::pow(gamma_, static_cast<double>(t));
  }

 private:
  double gamma_;
};

double cosine_between(double lr0, double eta_min, double t_cur, double period) {
  return eta_min + (lr0 - eta_min) * (1.0 + std::cos(kPi * t_cur / period)) / 2.0;
}

class Cosine final : public BasicSchedule {
 public:
  Cosine(const ScheduleInfo& info, ParamSet values)
      : BasicSchedule(info, std::move(values)), t_max_(get("t_max")), eta_min_(get("eta_min")) {}
  double main_lr(std::uint64_t t, double lr0, const ScheduleState&) const override {
    return cosine_between(lr0, eta_min_, static_cast<double>(t), t_max_);
  }

 private:
  double t_max_, eta_min_;
};

class CosineRestarts final : public BasicSchedule {
 public:
  CosineRestarts(const ScheduleInfo& info, ParamSet values)
      : BasicSchedule(info, std::move(values)),
        t_0_(static_cast<std::uint64_t>(get("t_0"))),
        t_mult_(static_cast<std::uint64_t>(get("t_mult"))),
        eta_min_(get("eta_min")) {}
  double main_lr(std::uint64_t t, double lr0, const ScheduleState&) const override {
    std::uint64_t period = t_0_, cur = t;
    while (cur >= period) {  // at most log(t) periods when t_mult > 1, t / t_0 when it is 1
      if (t_mult_ == 1) {
        cur %= period;
        break;
      }
      cur -= period;
      period *= t_mult_;
    }
    return cosine_between(lr0, eta_min_, static_cast<double>(cur), static_cast<double>(period));
  }

 private:
  std::uint64_t t_0_, t_mult_;
  double eta_min_;
};

class OneCycle final : public BasicSchedule {
 public:
  OneCycle(const ScheduleInfo& info, ParamSet values)
      : BasicSchedule(info, std::move(values)),
        total_(get("total_steps")),
        pct_start_(get("pct_start")),
        div_factor_(get("div_factor")),
        final_div_factor_(get("final_div_factor")),
        cos_(get("anneal") == 0.0),
        three_phase_(values_.get_bool("three_phase")) {}
  double main_lr(std::uint64_t t, double lr0, const ScheduleState&) const override {
    const double initial = lr0 / div_factor_;
    const double min_lr = initial / final_div_factor_;
    const double up_end = pct_start_ * total_ - 1.0;
    struct Phase {
      double end, from, to;
    };
    std::vector<Phase> phases;
    if (three_phase_)
      phases = {{up_end, initial, lr0},
                {2.0 * pct_start_ * total_ - 2.0, lr0, initial},
                {total_ - 1.0, initial, min_lr}};
    else
      phases = {{up_end, initial, lr0}, {total_ - 1.0, lr0, min_lr}};
    const double step = std::min(static_cast<double>(t), total_ - 1.0);
    double start = 0.0;
    for (std::size_t i = 0; i < phases.size(); ++i) {
      if (step <= phases[i].end || i + 1 == phases.size()) {
        const double pct = (step - start) / (phases[i].end - start);
        const auto& ph = phases[i];
        return cos_ ? ph.to + (ph.from - ph.to) / 2.0 * (std::cos(kPi * pct) + 1.0)
                    : (ph.to - ph.from) * pct + ph.from;
      }
      start = phases[i].end;
    }
    return min_lr;
  }

 private:
  double total_, pct_start_, div_factor_, final_div_factor_;
  bool cos_, three_phase_;
};

class Plateau final : public BasicSchedule {
 public:
  Plateau(const ScheduleInfo& info, ParamSet values)
      : BasicSchedule(info, std::move(values)),
        factor_(get("factor")),
        threshold_(get("threshold")),
        min_lr_(get("min_lr")),
        eps_(get("eps")),
        patience_(static_cast<std::int64_t>(get("patience"))),
        cooldown_(static_cast<std::int64_t>(get("cooldown"))),
        relative_(get("threshold_mode") == 0.0) {}
  bool stateful() const override { return true; }
  double main_lr(std::uint64_t, double lr0, const ScheduleState& s) const override {
    return s.reduced ? s.current : lr0;
  }
  // torch's ReduceLROnPlateau.step(loss) in mode "min".
  void main_observe(double loss, double lr0, ScheduleState& s) const override {
    const bool better = relative_ ? loss < s.best * (1.0 - threshold_) : loss < s.best - threshold_;
    if (better) {
      s.best = loss;
      s.bad = 0;
    } else {
      ++s.bad;
    }
    if (s.cooldown > 0) {
      --s.cooldown;
      s.bad = 0;
    }
    if (s.bad > patience_) {
      const double old_lr = s.reduced ? s.current : lr0;
      const double new_lr = std::max(old_lr * factor_, min_lr_);
      if (old_lr - new_lr > eps_) {
        s.current = new_lr;
        s.reduced = 1;
      }
      s.cooldown = cooldown_;
      s.bad = 0;
    }
  }

 private:
  double factor_, threshold_, min_lr_, eps_;
  std::int64_t patience_, cooldown_;
  bool relative_;
};

template <class Kind>
ScheduleInfo schedule_info(std::string name, std::string doc, std::string reference,
                           std::vector<ParamInfo> params) {
  ScheduleInfo info{std::move(name), std::move(doc), std::move(reference), std::move(params), {}};
  const std::string key = info.name;
  info.make = [key](const ParamSet& s) -> std::unique_ptr<Schedule> {
    return std::make_unique<Kind>(find_schedule(key), s);
  };
  return info;
}

}  // namespace

std::string Schedule::spec() const {
  std::string s = format_spec(info().name, info().params, params());
  if (warmup_ > 0) {
    s += info().params.empty() ? ':' : ',';
    s += "warmup=" + std::to_string(warmup_) + ",warmup_factor=" + format_double(warmup_factor_);
  }
  return s;
}

double Schedule::lr(std::uint64_t t, double lr0, const ScheduleState& state) const {
  if (t < warmup_) {
    const double f = warmup_factor_ +
                     (1.0 - warmup_factor_) * static_cast<double>(t) / static_cast<double>(warmup_);
    return main_lr(0, lr0, state) * f;
  }
  return main_lr(t - warmup_, lr0, state);
}

void Schedule::observe(std::uint64_t t, double loss, double lr0, ScheduleState& state) const {
  if (t >= warmup_) main_observe(loss, lr0, state);
}

void Schedule::visit_state(ScheduleState& s, ScalarVisitor& v) const {
  if (!stateful()) return;
  v.real("plateau.best", s.best);
  v.integer("plateau.bad", s.bad);
  v.integer("plateau.cooldown", s.cooldown);
  v.integer("plateau.reduced", s.reduced);
  v.real("plateau.current", s.current);
}

void Schedule::set_warmup(std::uint64_t steps, double factor) {
  warmup_ = steps;
  warmup_factor_ = factor;
}

const std::vector<ParamInfo>& warmup_params() {
  static const std::vector<ParamInfo> params = {
      integer_param("warmup", 0, 0, 1e15, "steps of linear warm-up before the schedule starts"),
      real_param("warmup_factor", 1.0 / 3.0, 0.0, 1.0,
                 "rate at the first warm-up step, as a fraction of the schedule's first rate",
                 false, true)};
  return params;
}

const std::vector<const ScheduleInfo*>& schedule_catalog() {
  static const ScheduleInfo constant =
      schedule_info<Constant>("constant", "the base rate at every step", "", {});
  static const ScheduleInfo step =
      schedule_info<StepDecay>("step", "multiply by gamma every step_size steps", "torch StepLR",
                               {integer_param("step_size", 10, 1, 1e15, "steps between decays"),
                                real_param("gamma", 0.1, 0.0, kInf, "decay factor", false, false)});
  static const ScheduleInfo multistep = [] {
    ParamInfo m;
    m.name = "milestones";
    m.type = ParamType::integer_list;
    m.min = 0;
    m.max = 1e15;
    m.default_list = {10, 20};
    m.doc = "steps at which the rate is multiplied by gamma";
    return schedule_info<MultiStep>(
        "multistep", "multiply by gamma at each milestone", "torch MultiStepLR",
        {m, real_param("gamma", 0.1, 0.0, kInf, "decay factor", false, false)});
  }();
  static const ScheduleInfo exponential = schedule_info<Exponential>(
      "exponential", "multiply by gamma every step", "torch ExponentialLR",
      {real_param("gamma", 0.99, 0.0, kInf, "decay factor per step", false, false)});
  static const ScheduleInfo cosine = schedule_info<Cosine>(
      "cosine", "cosine annealing from the base rate to eta_min over t_max steps",
      "Loshchilov & Hutter 2017 (SGDR) without restarts; torch CosineAnnealingLR",
      {integer_param("t_max", 100, 1, 1e15, "steps of one half cosine"),
       real_param("eta_min", 0.0, 0.0, kInf, "rate at the end of the half cosine", true, false)});
  static const ScheduleInfo restarts = schedule_info<CosineRestarts>(
      "cosine_restarts", "cosine annealing restarted every period, periods growing by t_mult",
      "Loshchilov & Hutter 2017 (SGDR); torch CosineAnnealingWarmRestarts",
      {integer_param("t_0", 10, 1, 1e15, "length of the first period"),
       integer_param("t_mult", 1, 1, 1e15, "factor by which each period grows"),
       real_param("eta_min", 0.0, 0.0, kInf, "rate at the end of each period", true, false)});
  static const ScheduleInfo onecycle = schedule_info<OneCycle>(
      "onecycle", "warm up to the base rate, then anneal far below it (the base rate is max_lr)",
      "Smith & Topin 2019 (super-convergence); torch OneCycleLR (learning rate only)",
      {integer_param("total_steps", 100, 1, 1e15, "length of the cycle"),
       real_param("pct_start", 0.3, 0.0, 1.0, "share of the cycle spent increasing the rate"),
       real_param("div_factor", 25.0, 0.0, kInf, "initial rate = base / div_factor", false, false),
       real_param("final_div_factor", 1e4, 0.0, kInf,
                  "final rate = initial rate / final_div_factor", false, false),
       choice_param("anneal", {"cos", "linear"}, "shape of each phase"), [] {
         ParamInfo p;
         p.name = "three_phase";
         p.type = ParamType::boolean;
         p.doc = "a third phase back down to the initial rate before the final annealing";
         return p;
       }()});
  static const ScheduleInfo plateau = schedule_info<Plateau>(
      "plateau", "multiply by factor when the loss stops improving",
      "torch ReduceLROnPlateau (mode min)",
      {real_param("factor", 0.1, 0.0, 1.0, "reduction factor", false, false),
       integer_param("patience", 10, 0, 1e15, "steps without improvement tolerated"),
       real_param("threshold", 1e-4, 0.0, kInf, "minimal improvement that counts", true, false),
       choice_param("threshold_mode", {"rel", "abs"},
                    "rel: better than best*(1-threshold); abs: better than best-threshold"),
       integer_param("cooldown", 0, 0, 1e15, "steps to wait after a reduction"),
       real_param("min_lr", 0.0, 0.0, kInf, "lower bound of the rate", true, false),
       real_param("eps", 1e-8, 0.0, kInf, "reductions smaller than this are skipped", true,
                  false)});
  static const std::vector<const ScheduleInfo*> catalog = {
      &constant, &step, &multistep, &exponential, &cosine, &restarts, &onecycle, &plateau};
  return catalog;
}

const ScheduleInfo& find_schedule(std::string_view name) {
  for (const ScheduleInfo* info : schedule_catalog())
    if (info->name == name) return *info;
  std::string valid;
  std::vector<std::string> names;
  for (const ScheduleInfo* info : schedule_catalog()) {
    valid += (valid.empty() ? "" : ", ") + info->name;
    names.push_back(info->name);
  }
  throw InputError("unknown schedule '" + std::string(name) + "'" + did_you_mean(name, names) +
                   "; valid: " + valid);
}

std::unique_ptr<Schedule> make_schedule(std::string_view text) {
  Spec spec = parse_spec(text);
  const ScheduleInfo& info = find_schedule(spec.name);
  Spec own{spec.name, {}}, warm{spec.name, {}};
  for (auto& kv : spec.args)
    (kv.first == "warmup" || kv.first == "warmup_factor" ? warm : own).args.push_back(kv);
  std::vector<ParamInfo> all = info.params;
  all.insert(all.end(), warmup_params().begin(), warmup_params().end());
  // Resolving against all keys gives one message listing every valid key.
  resolve_params("schedule", spec, all);
  auto schedule = info.make(resolve_params("schedule", own, info.params));
  const ParamSet w = resolve_params("schedule", warm, warmup_params());
  schedule->set_warmup(static_cast<std::uint64_t>(w.get("warmup")), w.get("warmup_factor"));
  return schedule;
}

}  // namespace descent
