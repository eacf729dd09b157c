// Uses descent through its installed headers and library: the seed's SGD run on the anisotropic
// bowl, whose loss after 50 steps the seed's reference gives as 2.0370359763397142e-10; then a
// model-style step of two parameter groups over three tensors, split across two threads.
#include <cstdio>
#include <descent/descent.hpp>
#include <string>
#include <vector>

int main() {
  const descent::Anisotropic f;
  descent::Sgd<double> sgd({.lr = 0.1});
  const std::vector<double> start = {1.0, 1.0};
  const descent::RunResult r = descent::run(f, sgd, start, {.steps = 50});
  std::printf("descent %s: %s final loss %.17g\n", descent::version(), r.optimizer.c_str(),
              r.metrics.final_loss);
  if (r.metrics.final_loss != 2.0370359763397142e-10) return 1;

  // sgd with lr 0.5 on gradient 1 moves every parameter from 1 to 0.5; adam's first step moves
  // each by lr (0.25) exactly in the direction of -g: 1 -> 0.75.
  descent::set_threads(2);
  descent::ParamGroups<float> groups;
  groups.add("sgd:lr=0.5", {200000, 3});
  groups.add("adam:lr=0.25", {5});
  std::vector<float> a(200000, 1.0f), b(3, 1.0f), c(5, 1.0f);
  const std::vector<float> ga(a.size(), 1.0f), gb(b.size(), 1.0f), gc(c.size(), 1.0f);
  const std::vector<descent::TensorRef<float>> tensors = {{a, ga}, {b, gb}, {c, gc}};
  groups.step(tensors);
  std::printf("parameter groups: %g %g %g (simd %s)\n", a.back(), b[0], c[0],
              std::string(descent::simd_name(descent::simd())).c_str());
  return a.front() == 0.5f && a.back() == 0.5f && b[2] == 0.5f && c[4] == 0.75f ? 0 : 1;
}
