// descent: the built-in optimizers. BuiltinRules lists every elementwise rule, in the order they
// are listed to users; the registry, the sweep engine's lanes, the documentation and the tests
// are all driven from it (the build reads the list too, to compile each rule in a translation
// unit of its own). A new rule is its header, its #include and one entry in the list; so is a
// new tensor rule, in BuiltinTensorRules, and a new wrapper, in BuiltinWrappers.
#pragma once

#include <cstddef>
#include <tuple>

#include "descent/optimizers/adabelief.hpp"
#include "descent/optimizers/adadelta.hpp"
#include "descent/optimizers/adafactor.hpp"
#include "descent/optimizers/adagrad.hpp"
#include "descent/optimizers/adam.hpp"
#include "descent/optimizers/adamax.hpp"
#include "descent/optimizers/adamw.hpp"
#include "descent/optimizers/adan.hpp"
#include "descent/optimizers/ademamix.hpp"
#include "descent/optimizers/adopt.hpp"
#include "descent/optimizers/amsgrad.hpp"
#include "descent/optimizers/apply_if_finite.hpp"
#include "descent/optimizers/asgd.hpp"
#include "descent/optimizers/cautious.hpp"
#include "descent/optimizers/cocob.hpp"
#include "descent/optimizers/dadapt_sgd.hpp"
#include "descent/optimizers/dog.hpp"
#include "descent/optimizers/ema.hpp"
#include "descent/optimizers/ftrl.hpp"
#include "descent/optimizers/lamb.hpp"
#include "descent/optimizers/lars.hpp"
#include "descent/optimizers/lbfgs.hpp"
#include "descent/optimizers/lion.hpp"
#include "descent/optimizers/lookahead.hpp"
#include "descent/optimizers/madgrad.hpp"
#include "descent/optimizers/mechanic.hpp"
#include "descent/optimizers/momentum.hpp"
#include "descent/optimizers/multi_steps.hpp"
#include "descent/optimizers/muon.hpp"
#include "descent/optimizers/nadam.hpp"
#include "descent/optimizers/nadamw.hpp"
#include "descent/optimizers/nesterov.hpp"
#include "descent/optimizers/novograd.hpp"
#include "descent/optimizers/polyak.hpp"
#include "descent/optimizers/prodigy.hpp"
#include "descent/optimizers/radam.hpp"
#include "descent/optimizers/rmsprop.hpp"
#include "descent/optimizers/rprop.hpp"
#include "descent/optimizers/sam.hpp"
#include "descent/optimizers/schedule_free.hpp"
#include "descent/optimizers/sgd.hpp"
#include "descent/optimizers/shampoo.hpp"
#include "descent/optimizers/signsgd.hpp"
#include "descent/optimizers/signum.hpp"
#include "descent/optimizers/sm3.hpp"
#include "descent/optimizers/soap.hpp"
#include "descent/optimizers/sophia.hpp"
#include "descent/optimizers/swa.hpp"
#include "descent/optimizers/yogi.hpp"

namespace descent {

/// A list of types: its size, and type I of it.
template <class... X>
struct TypeList {
  static constexpr std::size_t size = sizeof...(X);
  template <std::size_t I>
  using At = std::tuple_element_t<I, std::tuple<X...>>;
};

/// The built-in elementwise rules (rule.hpp), in the order they are listed to users.
using BuiltinRules =
    TypeList<SgdRule, MomentumRule, NesterovRule, RmspropRule, AdamRule, AdamwRule, AdamaxRule,
             NadamRule, RadamRule, AdagradRule, AdadeltaRule, RpropRule, AsgdRule, FtrlRule,
             LionRule, SignumRule, SignsgdRule, AmsgradRule, NadamwRule, AdabeliefRule, YogiRule,
             AdoptRule, AdanRule, AdemamixRule, MadgradRule, CocobRule, ScheduleFreeSgdRule,
             ScheduleFreeAdamwRule>;

/// The built-in reducing rules (rule.hpp: sums over every element before each update), listed
/// after BuiltinRules; they step one run at a time, so the sweep engine has no lanes for them.
using BuiltinReducingRules =
    TypeList<DogRule, DowgRule, ProdigyRule, DadaptAdamRule, DadaptSgdRule, PolyakRule>;

/// The built-in tensor rules (tensorwise.hpp: each tensor stepped whole), listed after L-BFGS.
using BuiltinTensorRules = TypeList<LarsRule, LambRule, NovogradRule, MuonRule, AdafactorRule,
                                    Sm3Rule, ShampooRule, SoapRule, SophiaRule>;

/// The built-in wrappers, listed last (after L-BFGS); each runs around any optimizer.
using BuiltinWrappers =
    TypeList<LookaheadWrapper, EmaWrapper, SwaWrapper, MultiStepsWrapper, ApplyIfFiniteWrapper,
             CautiousWrapper, SamWrapper, MechanicWrapper>;

}  // namespace descent
