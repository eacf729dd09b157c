// Uses descent through its installed headers and library: the seed's SGD run on the anisotropic
// bowl, whose loss after 50 steps the seed's reference gives as 2.0370359763397142e-10.
#include <cstdio>
#include <descent/descent.hpp>

int main() {
  const descent::Anisotropic f;
  descent::Sgd<double> sgd({.lr = 0.1});
  const std::vector<double> start = {1.0, 1.0};
  const descent::RunResult r = descent::run(f, sgd, start, {.steps = 50});
  std::printf("descent %s: %s final loss %.17g\n", descent::version(), r.optimizer.c_str(),
              r.metrics.final_loss);
  return r.metrics.final_loss == 2.0370359763397142e-10 ? 0 : 1;
}
