// Private helpers for the optimizers' sources: building a registry entry whose factories make
// RuleOptimizer<Rule, float> and <double>, and the parameters many optimizers share.
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "descent/optimizer.hpp"
#include "descent/optimizers/rule_optimizer.hpp"

namespace descent::detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

/// The registry entry of an elementwise method described by Rule.
template <class Rule>
OptimizerInfo rule_info(std::string name, std::string doc, std::string reference,
                        std::vector<ParamInfo> params) {
  OptimizerInfo info;
  info.name = std::move(name);
  info.doc = std::move(doc);
  info.reference = std::move(reference);
  info.params = std::move(params);
  info.elementwise = true;
  info.make_double = [](const ParamSet& s) -> std::unique_ptr<Optimizer<double>> {
    return std::make_unique<RuleOptimizer<Rule, double>>(Rule::from_set(s));
  };
  info.make_float = [](const ParamSet& s) -> std::unique_ptr<Optimizer<float>> {
    return std::make_unique<RuleOptimizer<Rule, float>>(Rule::from_set(s));
  };
  return info;
}

/// The learning rate every optimizer has: a real >= 0, searched on a log scale.
inline ParamInfo lr_param(double default_value) {
  ParamInfo p = real_param("lr", default_value, 0.0, kInf, "learning rate", true, false, true);
  p.always_shown = true;
  return p;
}

/// `p`, marked as shown in short labels even at its default.
inline ParamInfo shown(ParamInfo p) {
  p.always_shown = true;
  return p;
}

/// A decay rate in [0, 1) (momentum coefficients, moving-average factors).
inline ParamInfo rate_param(std::string name, double default_value, std::string doc) {
  return real_param(std::move(name), default_value, 0.0, 1.0, std::move(doc), true, false);
}

/// A small positive constant added for numerical stability, >= 0, log scale.
inline ParamInfo eps_param(double default_value, std::string doc) {
  return real_param("eps", default_value, 0.0, kInf, std::move(doc), true, false, true);
}

/// L2 weight decay coupled into the gradient (g <- g + weight_decay * w), >= 0.
inline ParamInfo weight_decay_param(double default_value = 0.0) {
  return real_param("weight_decay", default_value, 0.0, kInf,
                    "L2 penalty added to the gradient: g <- g + weight_decay*w", true, false);
}

inline ParamInfo bool_param(std::string name, bool default_value, std::string doc) {
  ParamInfo p;
  p.name = std::move(name);
  p.type = ParamType::boolean;
  p.default_value = default_value ? 1.0 : 0.0;
  p.doc = std::move(doc);
  return p;
}

/// g + wd*w, skipped when wd is 0 so that a zero decay changes no bit (and 0*inf adds no NaN).
/// T is a floating-point type, or a vector of them, for which the choice is made per element.
template <class T>
inline T decayed(T g, T w, T wd) {
  return wd != T{} ? g + wd * w : g;
}

}  // namespace descent::detail
