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

class OptimizerConfig {
 public:
  /// The defaults of `method`, with no preludes and no schedule. An alias (gd) configures the
  /// optimizer it stands for.
  explicit OptimizerConfig(const OptimizerInfo& method);

  /// Reads "name[:key=value,...][@schedule]", e.g. "adam:lr=0.01,clip_norm=1@cosine:t_max=100".
  /// Throws InputError for an unknown name or key (listing the valid ones), a malformed value, a
  /// value out of range or a broken constraint between keys.
  static OptimizerConfig parse(std::string_view spec);

  const OptimizerInfo& method() const { return *method_; }
  /// The values of the method's own keys, in the order of method().params.
  const ParamSet& values() const { return values_; }
  const Preludes& preludes() const { return preludes_; }
  /// The schedule, or null.
  const std::shared_ptr<const Schedule>& schedule() const { return schedule_; }
  /// True with neither preludes nor a schedule.
  bool plain() const { return !preludes_.any() && !schedule_; }

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
  void set_preludes(const Preludes& preludes);
  void set_schedule(std::shared_ptr<const Schedule> schedule) { schedule_ = std::move(schedule); }

  /// The canonical spec: every key of the method in registry order, the prelude keys that are
  /// set, then "@" and the schedule's canonical spec.
  std::string spec() const;
  /// A short label for tables and legends: the name, the keys shown always (lr, momentum's alpha,
  /// RMSProp's beta), the keys that differ from their defaults, and "@schedule".
  std::string label() const;

  /// A fresh optimizer of this configuration. For float, InputError names a real key whose value
  /// is not 0 but is 0 in float32 (eps=1e-50).
  template <std::floating_point T>
  std::unique_ptr<Optimizer<T>> make() const;

 private:
  const OptimizerInfo* method_;
  ParamSet values_;
  std::vector<bool> given_;  ///< per key of the method
  Preludes preludes_;
  std::shared_ptr<const Schedule> schedule_;
};

extern template std::unique_ptr<Optimizer<float>> OptimizerConfig::make<float>() const;
extern template std::unique_ptr<Optimizer<double>> OptimizerConfig::make<double>() const;

}  // namespace descent
