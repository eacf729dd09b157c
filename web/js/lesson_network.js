// The figures of a trained network (GET /api/network, docs/landscape.md): the loss on a plane of
// its parameter space as a 3-D surface with the optimizers' paths on it, the loss along lines,
// and the sharpness against the stability threshold. No DOM here: each function returns plotly's
// traces and layout for an answer.
import { COLORS } from './page.js';

/** A run's label as the figures write it: the spec without its defaults (the server's labels). */
export const labelOf = (net, spec) => net.labels?.[spec] ?? spec;

/** The value of grid z (rows along t) at (s, t), bilinear between its points; null outside. */
export function bilinear(plane, z, s, t) {
  const locate = (axis, v) => {
    const n = axis.length, lo = axis[0], hi = axis[n - 1];
    if (!(v >= lo && v <= hi)) return null;
    const pos = ((v - lo) / (hi - lo)) * (n - 1);
    const i = Math.min(Math.floor(pos), n - 2);
    return [i, pos - i];
  };
  const a = locate(plane.s, s), b = locate(plane.t, t);
  if (!a || !b) return null;
  const [i, fx] = a, [j, fy] = b;
  const v = (jj, ii) => z[jj][ii];
  return (1 - fy) * ((1 - fx) * v(j, i) + fx * v(j, i + 1)) + fy * ((1 - fx) * v(j + 1, i) + fx * v(j + 1, i + 1));
}

export const PLANE_TEXT = {
  random: 'a random plane through w* (filter-normalised directions d1, d2)',
  pca: 'the plane of the paths\' first two principal components, through w*',
  exact: 'the plane through the start and the first two runs\' solutions',
};

/**
 * The surface of plane `name` ('random', 'pca' or 'exact') of `net.landscape.planes`, on the
 * training or the test images (`images`, for the random plane), with the paths drawn on it at the
 * surface's height (a path point off the grid is left out).
 */
export function surfaceFigure(net, name, images) {
  const plane = net.landscape.planes[name];
  const z = name === 'random' && images === 'test' ? plane.test_loss : plane.train_loss;
  const traces = [{
    type: 'surface', x: plane.s, y: plane.t, z, colorscale: 'Viridis', opacity: 0.92, showscale: true,
    colorbar: { title: { text: 'loss' }, thickness: 12, len: 0.7 }, name: 'loss',
    hovertemplate: 's %{x:.3g}, t %{y:.3g}<br>loss %{z:.4g}<extra></extra>',
    contours: { z: { show: true, usecolormap: true, project: { z: true } } },
  }];
  const lift = (v) => (v === null ? null : v * 1.01 + 0.005);
  (plane.paths ?? []).forEach((p, k) => {
    const h = p.s.map((s, i) => lift(bilinear(plane, z, s, p.t[i])));
    const label = labelOf(net, p.optimizer);
    traces.push({
      type: 'scatter3d', mode: 'lines+markers', name: label, x: p.s, y: p.t, z: h,
      line: { color: COLORS[k % COLORS.length], width: 5 }, marker: { size: 3, color: COLORS[k % COLORS.length] },
      customdata: p.s.map((_, i) => [i, p.loss ? p.loss[i] : null]),
      hovertemplate: `${label}<br>iterate %{customdata[0]}<br>on the plane %{z:.4g}` +
        (p.loss ? '<br>its own loss %{customdata[1]:.4g}' : '') + '<extra></extra>',
    });
  });
  if (name === 'random') {
    traces.push({
      type: 'scatter3d', mode: 'markers', name: 'w*', x: [0], y: [0], z: [lift(bilinear(plane, z, 0, 0))],
      marker: { size: 6, symbol: 'diamond', color: '#000' }, hovertemplate: 'the solution w*<extra></extra>',
    });
  }
  const layout = {
    margin: { l: 0, r: 0, t: 10, b: 0 },
    scene: {
      xaxis: { title: { text: name === 'exact' ? 'e1' : 'd1' } },
      yaxis: { title: { text: name === 'exact' ? 'e2' : 'd2' } },
      zaxis: { title: { text: 'loss' } },
      camera: { eye: { x: -1.5, y: -1.5, z: 1.1 } },
    },
    legend: { orientation: 'h', x: 0, y: 0, yanchor: 'top' },
    uirevision: name,
  };
  return { traces, layout };
}

/** The loss along each line of the landscape: training images solid, test images dashed. */
export function lineFigure(net) {
  const traces = [];
  net.landscape.lines.forEach((l, k) => {
    const color = COLORS[k % COLORS.length];
    traces.push({ type: 'scatter', mode: 'lines', name: `${l.name}, train`, x: l.t, y: l.train_loss, line: { color, width: 2 } });
    traces.push({ type: 'scatter', mode: 'lines', name: `${l.name}, test`, x: l.t, y: l.test_loss, line: { color, width: 2, dash: 'dash' } });
  });
  const layout = {
    margin: { l: 56, r: 10, t: 10, b: 10 },
    xaxis: { title: { text: 't (0: the line\'s start, 1: its end)', standoff: 4 } },
    yaxis: { title: { text: 'mean cross-entropy' }, rangemode: 'tozero' },
    legend: { orientation: 'h', x: 0, y: -0.2, yanchor: 'top' },
    shapes: [0, 1].map((x) => ({ type: 'line', xref: 'x', yref: 'paper', x0: x, x1: x, y0: 0, y1: 1, line: { color: '#888', width: 1, dash: 'dot' } })),
  };
  return { traces, layout };
}

/** The sharpness of each run against the step, with its stability threshold dashed. */
export function sharpnessFigure(net) {
  const traces = [];
  net.sharpness.forEach((r, k) => {
    const color = COLORS[k % COLORS.length], label = labelOf(net, r.optimizer);
    traces.push({ type: 'scatter', mode: 'lines', name: label, x: r.step, y: r.sharpness, line: { color, width: 2 } });
    if (r.threshold.some((v) => v !== null))
      traces.push({
        type: 'scatter', mode: 'lines', name: `threshold of ${label}`, x: r.step, y: r.threshold,
        line: { color, width: 1.5, dash: 'dash' },
      });
  });
  const layout = {
    margin: { l: 56, r: 10, t: 10, b: 10 },
    xaxis: { title: { text: 'step', standoff: 4 } },
    yaxis: { title: { text: 'largest Hessian eigenvalue' }, rangemode: 'tozero' },
    legend: { orientation: 'h', x: 0, y: -0.2, yanchor: 'top' },
  };
  return { traces, layout };
}
