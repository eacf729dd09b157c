// An optimizer of this project's own: heavy-ball momentum on the sign of the gradient's running
// average with a learning rate that shrinks like 1/sqrt(t), declared as a descent rule (see
// docs/extending.md), registered, and run on the seed's narrow valley beside descent's momentum.
// Registered, it is found by name like any other: specs, runs, checkpoints and parameter groups.
#include <cmath>
#include <cstdio>
#include <descent/descent.hpp>
#include <vector>

// w <- w - lr/sqrt(t) * sign(m), m <- beta*m + (1 - beta)*g.
struct DecayingSignumRule {
  static constexpr descent::OptimizerDoc doc = {
      .name = "decaying_signum",
      .summary = "the sign of a momentum average, with lr/sqrt(t)",
      .rule =
          "m <- beta * m + (1 - beta) * g\n"
          "w <- w - lr/sqrt(t) * sign(m)",
      .source = "this example (after Bernstein et al. 2018, arXiv:1802.04434)",
      .differs = "an example: no library has it"};
  struct Params {
    double lr = 0.1;
    double beta = 0.9;
  };
  static constexpr auto fields =
      std::tuple{descent::learning_rate(&Params::lr),
                 descent::rate(&Params::beta, "beta", "decay of the momentum average m").shown()};
  using Counters = descent::StepCounter;
  static constexpr descent::StateArray<Params> arrays[] = {{"momentum"}};
  template <class T>
  struct Scalars {
    T step, beta, one_minus_beta;
  };
  static Scalars<double> scalars(const Params& p, Counters& c) {
    const double t = static_cast<double>(++c.step);
    return {p.lr / std::sqrt(t), p.beta, 1.0 - p.beta};
  }
  template <class T>
  static void update(const Scalars<T>& k, T& w, T g, T& m) {
    m = k.beta * m + k.one_minus_beta * g;
    w = w - k.step * descent::math::sign(m);
  }
};

int main() {
  descent::register_rule<DecayingSignumRule>();
  const descent::Anisotropic valley;
  const std::vector<double> start = {1.0, 1.0};
  int status = 0;
  for (const char* spec : {"decaying_signum:lr=0.2", "momentum:lr=0.05,alpha=0.5"}) {
    const auto opt = descent::make_optimizer<double>(spec);
    const descent::RunResult r = descent::run(valley, *opt, start, {.steps = 200});
    std::printf("%-48s final loss %.3g  (%s)\n", r.optimizer.c_str(), r.metrics.final_loss,
                r.message().c_str());
    // Both methods get the valley's loss from 9 down to below 1e-3 in 200 steps.
    if (!(r.metrics.final_loss < 1e-3)) status = 1;
  }
  // Its own class, with its state, as any built-in optimizer has.
  descent::Elementwise<DecayingSignumRule, float> own({.lr = 0.5});
  own.reset(1);
  std::vector<float> w = {1.0f};
  own.step(w, std::vector<float>{3.0f});  // m = 0.3 > 0: a step of -0.5
  std::printf("one step of %s: w = %g, m = %g\n", own.spec().c_str(), w[0],
              own.state().array("momentum")[0]);
  return w[0] == 0.5f ? status : 1;
}
