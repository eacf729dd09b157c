// descent: an optimizer's configuration, typed: the method, the value of each of its keys, the
// gradient preludes and the learning-rate schedule. Text is read only where it comes in (the
// command line, experiment files, HTTP, a CSV column) with parse(), and written back with spec();
// a configuration is validated when it is made and whenever a key is set, so that code holding
// one (a sweep's cells, a tuning trial) derives others by setting keys, never by editing text.
//
//     OptimizerConfig c = OptimizerConfig::parse("momentum:alpha=0.99@cosine:t_max=100");
//     c.set("lr", 0.05);                    // InputError if out of range
//     c.spec();   // "momentum:lr=0.05,alpha=0.99,dampening=0,weight_decay=0@cosine:t_max=100,..."
//     std::unique_ptr<Optimizer<float>> opt = c.make<float>();
//
// A wrapper (lookahead, ema, sam, ...) is written before the optimizer it wraps, with a '/':
// "lookahead:sync_period=5/adam:lr=0.01@cosine:t_max=100". The preludes and the schedule belong
// to the innermost optimizer. A key is looked up from the outermost level inward, so that
// set("lr") reaches adam's rate; "adam.eps" names the level explicitly where two levels share a
// key (mechanic's eps and adam's).
#pragma once

#include <concepts>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "descent/optimizer.hpp"
#include "descent/params.hpp"
#include "descent/schedule.hpp"

namespace descent {

/// The most wrappers a spec may put around its optimizer.
inline constexpr std::size_t kMaxWrappers = 8;

class OptimizerConfig {
 public:
  /// The defaults of `method`, with no preludes and no schedule. An alias (gd) configures the
  /// optimizer it stands for.
  explicit OptimizerConfig(const OptimizerInfo& method);

  /// `wrapper` (a method of Family::wrapper) at its defaults around `inner`. Throws InputError
  /// if `wrapper` is not a wrapper.
  OptimizerConfig(const OptimizerInfo& wrapper, OptimizerConfig inner);

  /// Reads "[wrapper[:key=value,...]/]...name[:key=value,...][@schedule]", e.g.
  /// "adam:lr=0.01,clip_norm=1@cosine:t_max=100" or "lookahead/adam:lr=0.01". Throws InputError
  /// for an unknown name or key (listing the valid ones), a malformed value, a value out of
  /// range, a broken constraint between keys, or a wrapper with nothing to wrap.
  static OptimizerConfig parse(std::string_view spec);

  /// The outermost method (the wrapper, for a wrapped optimizer).
  const OptimizerInfo& method() const { return *method_; }
  /// The values of the method's own keys, in the order of method().params.
  const ParamSet& values() const { return values_; }
  /// The configuration a wrapper wraps; null for an optimizer that is not a wrapper.
  const OptimizerConfig* inner() const { return inner_.get(); }
  /// The optimizer at the bottom of the wrappers (this one if there are none).
  const OptimizerConfig& innermost() const { return inner_ ? inner_->innermost() : *this; }
  /// The innermost optimizer's preludes and schedule (a wrapper has none of its own).
  const Preludes& preludes() const { return innermost().preludes_; }
  /// The schedule, or null.
  const std::shared_ptr<const Schedule>& schedule() const { return innermost().schedule_; }
  /// True with no wrapper, no preludes and no schedule.
  bool plain() const { return !inner_ && !preludes_.any() && !schedule_; }
  /// Every key of every level, from the outermost inward (the prelude keys not included); a key
  /// that two levels share is named through its level ("mechanic.eps", "adam.eps").
  std::vector<ParamInfo> keys() const;
  /// The most evaluations of the objective one step can make, over the levels.
  std::size_t evaluations_per_step() const;

  /// The value of a key of the method or a prelude key. Throws InputError for an unknown key.
  double get(std::string_view key) const;
  /// Whether a key of the method was given a value (in the parsed text, or by set()) rather
  /// than left at its default; tuning searches only the keys not given.
  bool given(std::string_view key) const;
  /// Sets a key of the method or a prelude key. Throws InputError (naming the key, the value and
  /// its range, or the constraint it breaks) and changes nothing if the value is not valid.
  void set(std::string_view key, double value);
  /// Sets several keys at once (constraints between them are checked after all are set), as
  /// set() does.
  void set(const std::vector<std::pair<std::string, double>>& values);
  /// Sets a key from the text of its value as a spec writes it ("0.01", "true", a choice's name),
  /// as set() does; InputError names the key for malformed text.
  void set_text(std::string_view key, std::string_view text);
  /// A copy with a key set.
  OptimizerConfig with(std::string_view key, double value) const;
  /// Sets the innermost optimizer's preludes.
  void set_preludes(const Preludes& preludes);
  /// Sets the innermost optimizer's schedule (null: none).
  void set_schedule(std::shared_ptr<const Schedule> schedule);

  /// The canonical spec: every key of the method in registry order, the prelude keys that are
  /// set, then "@" and the schedule's canonical spec; a wrapper's own keys and "/" before it.
  std::string spec() const;
  /// A short label for tables and legends: the name, the keys shown always (lr, momentum's alpha,
  /// RMSProp's beta), the keys that differ from their defaults, and "@schedule".
  std::string label() const;

  /// A fresh optimizer of this configuration (a wrapper's factory makes its inner optimizer with
  /// inner()->make<T>()). For float, InputError names a real key whose value is not 0 but is 0
  /// in float32 (eps=1e-50).
  template <std::floating_point T>
  std::unique_ptr<Optimizer<T>> make() const;

 private:
  const OptimizerInfo* method_;
  ParamSet values_;
  std::vector<bool> given_;  ///< per key of the method
  Preludes preludes_;
  std::shared_ptr<const Schedule> schedule_;
  /// Shared between copies and never changed in place: a change copies it first.
  std::shared_ptr<const OptimizerConfig> inner_;

  /// The level that owns `key` (a key of its method, or "name.key"), and the key without a
  /// level's name; null if no level has it (prelude keys are the innermost level's, found last).
  struct Owner {
    const OptimizerConfig* level;
    std::string_view key;
  };
  Owner owner(std::string_view key) const;
  /// InputError for a key no level has, listing every level's keys.
  [[noreturn]] void unknown(std::string_view key) const;
  /// set() for keys of this level (its method's, or prelude keys at the innermost).
  void set_own(const std::vector<std::pair<std::string, double>>& values);
  /// Applies `change` to the level `level` points to (this one or one inside), copying the inner
  /// levels on the way down.
  template <class F>
  void change_level(const OptimizerConfig* level, F&& change);
};

extern template std::unique_ptr<Optimizer<float>> OptimizerConfig::make<float>() const;
extern template std::unique_ptr<Optimizer<double>> OptimizerConfig::make<double>() const;

}  // namespace descent
