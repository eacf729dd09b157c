// Private: the loss figure.
#pragma once

#include "descent/plot/figures.hpp"
#include "plot/canvas.hpp"

namespace descent::plot::detail {

inline constexpr int kLossWidth = 1000;
inline constexpr int kLossHeight = 600;

/// The width of the loss figure of `scene`: kLossWidth, wider when its legend takes more than one
/// column or its labels are long (ChartArea::width_for).
int loss_width(const Scene& scene);

/// The loss of every path against the step, on a width x height page.
void draw_loss(Canvas& c, const Scene& scene, int width, int height);

}  // namespace descent::plot::detail
