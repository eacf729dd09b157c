// The contour view: the function's level sets, its minima, the start, and each optimizer's path
// up to the step shown. A click on the map starts the paths there.
import { $, COLORS, currentStart } from './page.js';
import { PLOT_CONFIG, heightScale, truncated } from './plots.js';
import { renderStartAndSteps } from './controls.js';

/* global Plotly */

/**
 * The ring marking a method's own answer (Schedule-Free's average x), once the path shown has
 * reached its end: the answer belongs to the last step. Empty for the other methods.
 */
function answerRing(r, k, box) {
  const t = truncated({ points: r.solution ? [r.solution.w] : [] }, 0, box);
  const shown = r.solution && k >= r.points.length - 1;
  return { x: shown ? t.x : [], y: shown ? t.y : [] };
}

export function renderContour(app) {
  const s = app.surface;
  const scale = heightScale(s.z, false);
  const traces = [{
    type: 'contour', x: s.x, y: s.y, z: s.z.map((row) => row.map(scale.f)),
    ncontours: 28, showscale: false, hoverinfo: 'skip',
    colorscale: [[0, '#e8eef8'], [0.5, '#c4d3ea'], [1, '#f7f2e4']],
    contours: { coloring: 'fill', showlines: true }, line: { color: 'rgba(60,80,120,0.35)', width: 0.8 },
  }, {
    type: 'scatter', mode: 'markers', name: 'minimum', hoverinfo: 'x+y',
    x: s.minimizers.map((m) => m[0]), y: s.minimizers.map((m) => m[1]),
    marker: { symbol: 'x', size: 10, color: '#222' },
  }, {
    type: 'scatter', mode: 'markers', name: 'start', hoverinfo: 'x+y',
    x: [currentStart(app)[0]], y: [currentStart(app)[1]],
    marker: { symbol: 'circle-open', size: 13, color: '#222', line: { width: 2 } },
  }];
  app.run.results.forEach((r, i) => {
    const t = truncated(r, app.frame, app.box);
    const color = COLORS[i % COLORS.length];
    traces.push({
      type: 'scatter', mode: 'lines+markers', name: r.label, x: t.x, y: t.y,
      line: { color, width: 2 }, marker: { color, size: 4 }, hovertemplate: `${r.label}<br>(%{x:.4g}, %{y:.4g})<extra></extra>`,
    });
    traces.push({
      type: 'scatter', mode: 'markers', showlegend: false, hoverinfo: 'skip',
      x: t.x.slice(-1), y: t.y.slice(-1), marker: { color, size: 11, line: { color: '#fff', width: 1.5 } },
    });
  });
  // After every path, so that the paths' trace numbers stay 3 + 2i and 4 + 2i.
  app.run.results.forEach((r, i) => {
    const color = COLORS[i % COLORS.length];
    traces.push({
      type: 'scatter', mode: 'markers', name: `${r.label}: its answer x`, showlegend: Boolean(r.solution),
      ...answerRing(r, app.frame, app.box),
      marker: { symbol: 'circle-open', size: 14, color, line: { width: 2.5 } },
      hovertemplate: `${r.label}: its answer x<br>(%{x:.4g}, %{y:.4g})<extra></extra>`,
    });
  });
  const layout = {
    margin: { l: 48, r: 12, t: 10, b: 36 },
    // To scale: one unit of w1 spans as many pixels as one unit of w2, so that a valley turned by
    // 45 degrees is drawn at 45 degrees; the plot area shrinks to the box's shape.
    xaxis: {
      title: { text: 'w1', standoff: 4 }, range: [app.box.lower[0], app.box.upper[0]], fixedrange: true,
      constrain: 'domain',
    },
    yaxis: {
      title: { text: 'w2' }, range: [app.box.lower[1], app.box.upper[1]], fixedrange: true,
      scaleanchor: 'x', scaleratio: 1, constrain: 'domain',
    },
    legend: { orientation: 'h', x: 0, y: -0.15, yanchor: 'top' },
    dragmode: false, hovermode: 'closest', uirevision: 'contour',
  };
  Plotly.react($('contour'), traces, layout, PLOT_CONFIG);
}

/**
 * Cuts the drawn paths and moves their heads to the step shown (the player's frame). Animated
 * without a redraw, Plotly computes only the path traces again; a restyle would redo the contour
 * too, about five times the work (200-300 ms a frame on a slow machine, against 40).
 */
export function showContourFrame(app) {
  const data = [], traces = [];
  const n = app.run.results.length;
  app.run.results.forEach((r, i) => {
    const t = truncated(r, app.frame, app.box);
    data.push({ x: t.x, y: t.y }, { x: t.x.slice(-1), y: t.y.slice(-1) });
    traces.push(3 + 2 * i, 4 + 2 * i);
  });
  app.run.results.forEach((r, i) => {
    if (!r.solution) return;
    data.push(answerRing(r, app.frame, app.box));
    traces.push(3 + 2 * n + i);
  });
  return Plotly.animate($('contour'), { data, traces }, { transition: { duration: 0 }, frame: { duration: 0, redraw: false } });
}

function onContourClick(app, on, ev) {
  const gd = $('contour');
  const L = gd._fullLayout;
  if (!L) return;
  const r = gd.getBoundingClientRect();
  // The axes' own pixel boxes: drawn to scale, the plot area is narrower or lower than the margins.
  const xa = L.xaxis, ya = L.yaxis;
  const px = ev.clientX - r.left - xa._offset, py = ev.clientY - r.top - ya._offset;
  if (px < 0 || py < 0 || px > xa._length || py > ya._length) return;
  const [x0, x1] = xa.range, [y0, y1] = ya.range;
  const x = x0 + (px / xa._length) * (x1 - x0), y = y1 - (py / ya._length) * (y1 - y0);
  const round = (v, span) => Number(v.toFixed(Math.max(0, 3 - Math.floor(Math.log10(span)))));
  app.state.start = [round(x, x1 - x0), round(y, y1 - y0)];
  renderStartAndSteps(app);
  on.refresh();
}

export function wireContour(app, on) {
  $('contour').addEventListener('click', (ev) => onContourClick(app, on, ev));
}
