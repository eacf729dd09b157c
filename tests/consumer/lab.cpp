// Uses descent's components through their installed headers and libraries: a line chart drawn
// to PNG bytes (descent::plot), and one loss and gradient of a small MLP (descent::nn).
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <descent/nn/mlp.hpp>
#include <descent/plot/figures.hpp>
#include <string>
#include <vector>

int main() {
  descent::plot::LineChart chart;
  chart.title = "squares";
  chart.x_label = "x";
  chart.y_label = "x^2";
  chart.series = {{"x^2", {1, 2, 3}, {1, 4, 9}}};
  const std::string png = descent::plot::render_line_chart(chart, descent::plot::Format::png);
  const bool is_png = png.size() > 8 && png.compare(0, 4, "\x89PNG") == 0;
  std::printf("line chart: %zu bytes of PNG: %s\n", png.size(), is_png ? "yes" : "no");

  // 4 inputs, 3 classes: two examples. The loss of a fresh model is near log(3).
  descent::nn::Mlp<float> model({4, 3});
  model.initialize(1);
  const std::vector<float> x = {0.5f, -1.0f, 0.25f, 2.0f, -0.5f, 1.0f, 0.0f, 1.5f};
  const std::vector<std::uint8_t> y = {0, 2};
  std::vector<float> grad(model.parameter_count());
  const float loss = model.loss_and_gradient(x, y, grad);
  std::printf("mlp 4-3: %zu parameters, loss %g\n", model.parameter_count(), loss);
  return is_png && model.parameter_count() == 15 && std::isfinite(loss) && loss > 0.1f &&
                 loss < 5.0f
             ? 0
             : 1;
}
