#include "key_hints.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace descent {
namespace {

// The optimizers with two decay rates, beta1 and beta2 (torch's `betas` pair).
constexpr std::string_view kTwoBetas =
    "adam adamw adamax nadam radam amsgrad nadamw adabelief yogi adopt lion schedule_free_adamw "
    "prodigy dadapt_adam";

// Read from each optimizer's conventions (include/descent/optimizers/*.hpp, `differences`) and
// from torch.optim's, optax's and keras' signatures. Keys that are the same everywhere (lr for
// torch, weight_decay, eps for torch and optax) are not here. An entry for every optimizer ("")
// with a descent key applies to those that have that key.
constexpr std::array kForeignKeys{
    ForeignKey{"", "optax", "learning_rate", "lr", ""},
    ForeignKey{"", "keras", "learning_rate", "lr", ""},
    ForeignKey{"", "keras", "epsilon", "eps", ""},
    ForeignKey{"", "torch", "foreach", "", "an implementation switch; descent has one kernel"},
    ForeignKey{"", "torch", "fused", "", "an implementation switch; descent has one kernel"},
    ForeignKey{"", "torch", "capturable", "", "an implementation switch; descent has none"},
    ForeignKey{"", "torch", "differentiable", "", "descent's steps are not differentiated"},
    ForeignKey{"", "keras", "clipnorm", "clip_norm", ""},
    ForeignKey{"", "keras", "clipvalue", "clip_value", ""},
    ForeignKey{"", "torch", "lr_decay", "",
               "only adagrad takes it; for the others give a schedule, e.g. "
               "@exponential:gamma=0.99"},
    ForeignKey{"sgd gd", "torch", "momentum", "",
               "SGD with momentum is the momentum optimizer, momentum:alpha=0.9"},
    ForeignKey{"sgd gd", "torch", "nesterov", "",
               "SGD with nesterov=True is the nesterov optimizer, nesterov:alpha=0.9"},
    ForeignKey{"sgd gd", "torch", "dampening", "", "use momentum:alpha=0.9,dampening=..."},
    ForeignKey{"momentum nesterov", "torch", "momentum", "alpha", ""},
    ForeignKey{"momentum", "torch", "nesterov", "",
               "use the nesterov optimizer: nesterov:alpha=0.9"},
    ForeignKey{"rmsprop", "torch", "alpha", "beta", ""},
    ForeignKey{"rmsprop", "keras", "rho", "beta", ""},
    ForeignKey{"rmsprop", "optax", "decay", "beta", ""},
    ForeignKey{kTwoBetas, "torch", "betas", "", "(b1, b2) are descent's beta1 and beta2"},
    ForeignKey{"", "optax", "b1", "beta1", ""},
    ForeignKey{"", "optax", "b2", "beta2", ""},
    ForeignKey{"", "keras", "beta_1", "beta1", ""},
    ForeignKey{"", "keras", "beta_2", "beta2", ""},
    ForeignKey{"adam adamw adamax radam", "torch", "momentum_decay", "",
               "only nadam and nadamw take it: nadam:momentum_decay=0.004"},
    ForeignKey{"adam adamw", "torch", "decoupled_weight_decay", "",
               "decoupled decay is the adamw optimizer"},
    ForeignKey{"radam", "torch", "decoupled_weight_decay", "",
               "descent's radam has coupled (L2) weight decay only"},
    ForeignKey{"nadam", "torch", "decoupled_weight_decay", "",
               "decoupled decay is the nadamw optimizer"},
    ForeignKey{"adan ademamix", "optax", "b3", "beta3", ""},
    ForeignKey{"schedule_free_sgd", "optax", "b1", "momentum", ""},
    ForeignKey{"prodigy dadapt_adam", "optax", "estim_lr0", "d0", ""},
    ForeignKey{"prodigy", "optax", "estim_lr_coef", "d_coef", ""},
    ForeignKey{"dowg", "optax", "init_estim_sq_dist", "r2_init", ""},
    ForeignKey{"dog", "optax", "init_step", "r_eps", "optax's ('heuristic', value) is r_eps=value"},
    ForeignKey{"adan ademamix", "torch", "betas", "",
               "(b1, b2, b3) are descent's beta1, beta2 and beta3"},
    ForeignKey{"rprop", "torch", "etas", "", "(minus, plus) are descent's eta_minus and eta_plus"},
    ForeignKey{"rprop", "torch", "step_sizes", "",
               "(min, max) are descent's step_min and step_max"},
    ForeignKey{"lookahead", "optax", "slow_step_size", "slow_step", ""},
    ForeignKey{"multi_steps", "optax", "every_k_schedule", "every", ""},
    ForeignKey{"apply_if_finite", "optax", "max_consecutive_errors", "max_errors", ""},
    ForeignKey{"ema", "keras", "ema_momentum", "decay", ""},
    ForeignKey{"sam", "optax", "sync_period", "",
               "descent's sam takes its two gradients in one step (optax's opaque_mode)"},
    ForeignKey{"ftrl", "keras", "learning_rate_power", "lr_power", ""},
    ForeignKey{"ftrl", "keras", "l1_regularization_strength", "l1", ""},
    ForeignKey{"ftrl", "keras", "l2_regularization_strength", "l2", ""},
    ForeignKey{"ftrl", "keras", "l2_shrinkage_regularization_strength", "l2_shrinkage", ""},
    ForeignKey{"signum", "torch", "momentum", "beta", ""},
    ForeignKey{"lbfgs", "torch", "history_size", "history", ""},
    ForeignKey{"lbfgs", "torch", "line_search_fn", "line_search", ""},
    ForeignKey{"lbfgs", "torch", "max_iter", "",
               "each descent step is one iteration: give the count as the run's steps"},
};

bool names(std::string_view list, std::string_view name) {
  if (list.empty()) return true;
  while (!list.empty()) {
    const auto space = list.find(' ');
    if (list.substr(0, space) == name) return true;
    if (space == std::string_view::npos) break;
    list.remove_prefix(space + 1);
  }
  return false;
}

}  // namespace

std::span<const ForeignKey> foreign_keys() { return kForeignKeys; }

std::string foreign_key_hint(std::string_view optimizer, std::string_view key,
                             const std::vector<std::string>& keys) {
  // Entries that say the same thing for several libraries read as one: "optax and keras' ...".
  std::vector<std::pair<std::string, const ForeignKey*>> hints;
  for (const ForeignKey& f : kForeignKeys) {
    if (f.key != key || !names(f.optimizers, optimizer)) continue;
    if (!f.descent_key.empty() && std::find(keys.begin(), keys.end(), f.descent_key) == keys.end())
      continue;
    const auto same = std::find_if(hints.begin(), hints.end(), [&](const auto& h) {
      return h.second->descent_key == f.descent_key && h.second->note == f.note;
    });
    if (same == hints.end())
      hints.emplace_back(std::string(f.library), &f);
    else
      same->first += " and " + std::string(f.library);
  }
  std::string out;
  for (const auto& [libraries, f] : hints) {
    if (!out.empty()) out += "; ";
    out += libraries + (libraries.back() == 's' ? "' " : "'s ") + std::string(f->key);
    if (!f->descent_key.empty()) out += " is descent's " + std::string(f->descent_key);
    if (!f->note.empty()) out += (f->descent_key.empty() ? ": " : "; ") + std::string(f->note);
  }
  return out;
}

}  // namespace descent
