// The loss chart: each optimizer's loss per step, with a dotted line at the step shown.
import { $, COLORS } from './page.js';
import { PLOT_CONFIG } from './plots.js';

/* global Plotly */

export function renderLoss(app) {
  const positive = app.run.results.every((r) => r.loss.every((v) => v === null || v > 0));
  // The axis ends a few decades above the highest start, so one diverging run (1e300) does not
  // flatten the others; it leaves through the top.
  const finite = app.run.results.flatMap((r) => r.loss.filter((v) => v !== null && (!positive || v > 0)));
  const top = Math.max(...app.run.results.map((r) => r.loss[0] ?? -Infinity));
  const ok = app.run.results.filter((r) => r.termination !== 'diverged').flatMap((r) => r.loss.filter((v) => v !== null));
  const lo = Math.min(...finite), hi = Math.max(...ok, positive ? top * 1e3 : top);
  const range = !Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo) ? undefined
    : positive ? [Math.log10(lo) - 0.3, Math.log10(hi) + 0.3] : [lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo)];
  const traces = app.run.results.map((r, i) => ({
    type: 'scatter', mode: 'lines', name: r.label, x: r.steps, y: r.loss,
    line: { color: COLORS[i % COLORS.length], width: 2 },
    hovertemplate: `${r.label}<br>step %{x}: %{y:.4g}<extra></extra>`,
  }));
  const layout = {
    margin: { l: 58, r: 12, t: 6, b: 38 },
    xaxis: { title: { text: 'step', standoff: 4 } },
    yaxis: {
      title: { text: positive ? 'loss (log scale)' : 'loss' }, type: positive ? 'log' : 'linear',
      exponentformat: 'power', range, autorange: range === undefined,
    },
    showlegend: false, // the colours are the metrics table's and the contour's
    shapes: [frameLine(app.frame)],
    uirevision: 'loss',
  };
  Plotly.react($('loss'), traces, layout, PLOT_CONFIG);
}

/** Moves the dotted line to the step shown (the player's frame). */
export function showLossFrame(app) {
  return Plotly.relayout($('loss'), { shapes: [frameLine(app.frame)] });
}

function frameLine(frame) {
  return { type: 'line', xref: 'x', yref: 'paper', x0: frame, x1: frame, y0: 0, y1: 1, line: { color: '#888', width: 1, dash: 'dot' } };
}
