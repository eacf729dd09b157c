// Private helper: builds an OptimizerInfo whose factories make Impl<float> and Impl<double> from a
// ParamSet, so that each optimizer's source lists its parameters once.
#pragma once

#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "descent/optimizer.hpp"

namespace descent::detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

template <template <class> class Impl, class Params>
OptimizerInfo optimizer_info(std::string name, std::string doc, std::string reference,
                             std::vector<ParamInfo> params, Params (*from)(const ParamSet&)) {
  OptimizerInfo info;
  info.name = std::move(name);
  info.doc = std::move(doc);
  info.reference = std::move(reference);
  info.params = std::move(params);
  info.make_double = [from](const ParamSet& s) -> std::unique_ptr<Optimizer<double>> {
    return std::make_unique<Impl<double>>(from(s));
  };
  info.make_float = [from](const ParamSet& s) -> std::unique_ptr<Optimizer<float>> {
    return std::make_unique<Impl<float>>(from(s));
  };
  return info;
}

/// The learning-rate parameter every optimizer has: a real >= 0, searched on a log scale.
inline ParamInfo lr_param(double default_value) {
  return real_param("lr", default_value, 0.0, kInf, "learning rate", true, false, true);
}

}  // namespace descent::detail
