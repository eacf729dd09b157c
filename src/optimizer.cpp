#include "descent/optimizer.hpp"

#include <limits>
#include <stdexcept>
#include <string>

#include "descent/error.hpp"
#include "descent/params.hpp"
#include "descent/schedule.hpp"

namespace descent {

std::string_view to_string(Family f) {
  switch (f) {
    case Family::classic:
      return "classic";
    case Family::adaptive:
      return "adaptive";
    case Family::sign_based:
      return "sign-based";
    case Family::lr_free:
      return "lr-free";
    case Family::layerwise:
      return "layer-wise";
    case Family::second_order:
      return "second-order";
    case Family::wrapper:
      return "wrapper";
  }
  return "classic";
}

Family parse_family(std::string_view name) {
  std::string valid;
  for (Family f : kFamilies) {
    if (to_string(f) == name) return f;
    valid += (valid.empty() ? "" : ", ") + std::string(to_string(f));
  }
  throw InputError("unknown optimizer family '" + std::string(name) + "'; valid: " + valid);
}

const std::vector<ParamInfo>& prelude_params() {
  static const std::vector<ParamInfo> params = [] {
    ParamInfo maximize;
    maximize.name = "maximize";
    maximize.type = ParamType::boolean;
    maximize.doc = "ascend the objective instead of descending it";
    const double inf = std::numeric_limits<double>::infinity();
    return std::vector<ParamInfo>{
        maximize,
        real_param("clip_value", 0.0, 0.0, inf,
                   "clamp each gradient component to [-clip_value, clip_value] (0: off)", true,
                   false),
        real_param("clip_norm", 0.0, 0.0, inf,
                   "rescale the gradient to at most this Euclidean norm (0: off)", true, false)};
  }();
  return params;
}

std::string optimizer_spec(const OptimizerInfo& info, const ParamSet& values,
                           const Preludes& preludes, const Schedule* schedule) {
  std::string s = format_spec(info.name, info.params, values);
  const auto add = [&](const std::string& kv) {
    s += (s.find(':') == std::string::npos ? ":" : ",") + kv;
  };
  if (preludes.maximize) add("maximize=true");
  if (preludes.clip_value > 0) add("clip_value=" + format_double(preludes.clip_value));
  if (preludes.clip_norm > 0) add("clip_norm=" + format_double(preludes.clip_norm));
  if (schedule) s += "@" + schedule->spec();
  return s;
}

}  // namespace descent

namespace descent::detail {

void check_step_sizes(std::size_t n, std::size_t w, std::size_t g) {
  if (w != n || g != n)
    throw std::invalid_argument("optimizer step: state has " + std::to_string(n) +
                                " elements but w has " + std::to_string(w) + " and g has " +
                                std::to_string(g) + " (call reset(n) first)");
}

void check_tensor_sizes(std::size_t n, std::span<const std::size_t> params,
                        std::span<const std::size_t> grads) {
  std::size_t total = 0;
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (params[i] != grads[i])
      throw std::invalid_argument("optimizer step: tensor " + std::to_string(i) + " has " +
                                  std::to_string(params[i]) + " parameters but " +
                                  std::to_string(grads[i]) + " gradient elements");
    total += params[i];
  }
  if (total != n)
    throw std::invalid_argument("optimizer step: state has " + std::to_string(n) +
                                " elements but the " + std::to_string(params.size()) +
                                " tensors have " + std::to_string(total) +
                                " (call reset(n) first)");
}

}  // namespace descent::detail
