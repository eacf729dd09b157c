// The phase diagram: one optimizer of the run swept over a grid of two of its real settings
// (POST /api/sweep), coloured by a metric, with the cells that diverged in red, the current
// setting, and the theory's stability limit and optimum where it has them. A click on a cell
// uses its setting.
import * as S from './state.js';
import { api } from './api.js';
import { $, currentStart, optimizerEntry } from './page.js';
import { PLOT_CONFIG } from './plots.js';
import { writeAddress } from './url.js';

/* global Plotly */

function phaseOptimizer(app) {
  const st = app.state;
  if (st.phase.opt >= st.opts.length) st.phase.opt = 0;
  const parsed = S.parseSpec(st.opts[st.phase.opt]);
  return { parsed, entry: optimizerEntry(app, parsed.name) };
}

function renderPhaseControls(app) {
  const st = app.state;
  const optSelect = $('phase-opt');
  optSelect.replaceChildren();
  st.opts.forEach((spec, i) => optSelect.add(new Option(`${i + 1}: ${spec}`, i, false, i === st.phase.opt)));
  const { entry } = phaseOptimizer(app);
  const reals = entry.params.filter((p) => p.type === 'real').map((p) => p.name);
  if (!reals.includes(st.phase.x)) st.phase.x = reals[0];
  if (!reals.includes(st.phase.y) || st.phase.y === st.phase.x) st.phase.y = reals.find((k) => k !== st.phase.x);
  for (const [id, key] of [['phase-x', 'x'], ['phase-y', 'y']]) {
    const sel = $(id);
    sel.replaceChildren();
    for (const k of reals) sel.add(new Option(k, k, false, k === st.phase[key]));
  }
  $('phase-n').value = st.phase.n;
  $('phase-steps').value = st.phase.steps;
  $('phase-metric').value = st.phase.metric;
}

function axisSpec(entry, key, n) {
  const p = entry.params.find((q) => q.name === key);
  const r = S.gridRange(p);
  return `${key}=${S.formatNumber(r.lo)}:${S.formatNumber(r.hi)}:${r.log ? 'log' : 'lin'}:${n}`;
}

export async function renderPhase(app, on) {
  renderPhaseControls(app);
  const st = app.state;
  const { parsed, entry } = phaseOptimizer(app);
  if (!st.phase.y) {
    $('phase-note').textContent = `${entry.name} has fewer than two real settings to map.`;
    return;
  }
  const values = { ...parsed.values };
  delete values[st.phase.x];
  delete values[st.phase.y];
  const steps = st.phase.steps;
  const request = {
    function: st.fn, start: currentStart(app), optimizer: S.buildSpec(entry, values),
    grid: [axisSpec(entry, st.phase.x, st.phase.n), axisSpec(entry, st.phase.y, st.phase.n)],
    steps, metric: st.phase.metric,
  };
  const key = JSON.stringify(request);
  if (key !== app.phaseKey) {
    $('phase-note').textContent = `computing ${st.phase.n * st.phase.n} runs…`;
    const t0 = performance.now();
    // A later request supersedes this one: only the newest answer is drawn.
    const asked = (app.phaseAsked = (app.phaseAsked ?? 0) + 1);
    let answer;
    try {
      answer = await api('sweep', request);
    } catch (e) {
      if (asked === app.phaseAsked) $('phase-note').textContent = `${e.field ? `${e.field}: ` : ''}${e.message}`;
      return;
    }
    if (asked !== app.phaseAsked) return;
    app.phaseAnswer = answer;
    app.phaseKey = key;
    app.phaseMs = performance.now() - t0;
  }
  if (app.state.view !== 'phase') return;
  drawPhase(app, on, app.phaseAnswer, parsed, entry);
}

/**
 * The colours of the cells as the CLI's heatmap draws them (src/plot/heatmap.cpp): viridis from
 * the lowest value (dark) to the highest (yellow), over the cells that neither diverged nor
 * missed the metric, on a log scale when those values are all positive and span more than a
 * factor of 10. Returns the value to colour per cell and the colour bar's ticks.
 */
export function phaseColours(cells) {
  let lo = Infinity, hi = -Infinity;
  for (const c of cells) {
    if (c.diverged || c.median === null || !Number.isFinite(c.median)) continue;
    lo = Math.min(lo, c.median);
    hi = Math.max(hi, c.median);
  }
  const log = lo > 0 && hi > 10 * lo;
  const colour = (c) => (c.diverged || c.median === null ? null : log ? Math.log10(c.median) : c.median);
  if (!log) return { log, colour, tickvals: undefined, ticktext: undefined };
  // 1, 2 and 5 times each power of ten in range; decades alone beyond three decades.
  const tickvals = [], ticktext = [];
  const a = Math.log10(lo), b = Math.log10(hi);
  for (let k = Math.floor(a); k <= Math.ceil(b); ++k) {
    for (const m of [1, 2, 5]) {
      const t = Math.log10(m) + k;
      if (t < a - 1e-9 || t > b + 1e-9 || (b - a > 3 && m !== 1)) continue;
      tickvals.push(t);
      ticktext.push(Math.abs(k) >= 4 ? `${m}e${k}` : S.displayNumber(m * 10 ** k));
    }
  }
  return { log, colour, tickvals, ticktext };
}

function drawPhase(app, on, ans, parsed, entry) {
  const [ax, ay] = ans.axes;
  const nx = ax.values.length, ny = ay.values.length;
  const scale = phaseColours(ans.cells);
  const z = [], shown = [], diverged = [];
  let reached = 0, blown = 0;
  for (let j = 0; j < ny; ++j) {
    z.push([]);
    shown.push([]);
    diverged.push([]);
    for (let i = 0; i < nx; ++i) {
      const c = ans.cells[i * ny + j];
      z[j].push(scale.colour(c));
      shown[j].push(c.median === null ? '' : S.displayNumber(c.median));
      diverged[j].push(c.diverged ? 1 : null);
      if (c.median !== null) ++reached;
      if (c.diverged) ++blown;
    }
  }
  const label = { steps_to_tol: 'steps to tol', final_loss: 'final loss', best_loss: 'best loss' }[ans.metric];
  const traces = [{
    type: 'heatmap', x: ax.values, y: ay.values, z, text: shown, colorscale: 'Viridis',
    colorbar: {
      title: { text: scale.log ? `${label} (log)` : label }, thickness: 12,
      tickvals: scale.tickvals, ticktext: scale.ticktext,
    },
    hovertemplate: `${ax.key} %{x:.4g}<br>${ay.key} %{y:.4g}<br>${label} %{text}<extra></extra>`,
  }, {
    type: 'heatmap', x: ax.values, y: ay.values, z: diverged, showscale: false, hoverinfo: 'skip',
    colorscale: [[0, '#c62828'], [1, '#c62828']], name: 'diverged',
  }];
  const get = (k) => Number(parsed.values[k] ?? S.defaultText(entry.params.find((p) => p.name === k)));
  traces.push({
    type: 'scatter', mode: 'markers', name: 'current setting', x: [get(ax.key)], y: [get(ay.key)],
    marker: { symbol: 'star', size: 16, color: '#fff', line: { color: '#000', width: 1.5 } },
  });
  const a = app.analysis?.answer;
  const lambda = a?.quadratic && a.eigenvalues.length ? Math.max(...a.eigenvalues) : null;
  if (lambda && entry.name === 'momentum' && ax.key === 'lr' && ay.key === 'alpha') {
    const alphas = ay.values;
    traces.push({
      type: 'scatter', mode: 'lines', name: 'stability limit lr·λmax = 2 + 2α',
      x: alphas.map((al) => (2 + 2 * al) / lambda), y: alphas, line: { color: '#fff', width: 2, dash: 'dash' },
    });
    if (a.momentum) traces.push({
      type: 'scatter', mode: 'markers', name: 'theory optimum (lr*, α*)', x: [a.momentum.lr_star], y: [a.momentum.alpha_star],
      marker: { symbol: 'diamond', size: 12, color: '#ffeb3b', line: { color: '#000', width: 1 } },
    });
  } else if (lambda && (entry.name === 'sgd' || entry.name === 'gd') && ax.key === 'lr') {
    traces.push({
      type: 'scatter', mode: 'lines', name: 'stability limit lr·λmax = 2', x: [2 / lambda, 2 / lambda],
      y: [ay.values[0], ay.values.at(-1)], line: { color: '#fff', width: 2, dash: 'dash' },
    });
  }
  const layout = {
    margin: { l: 60, r: 10, t: 10, b: 46 },
    xaxis: { title: { text: ax.key }, type: ax.log ? 'log' : 'linear', range: axisRange(ax), exponentformat: 'power' },
    yaxis: { title: { text: ay.key }, type: ay.log ? 'log' : 'linear', range: axisRange(ay), exponentformat: 'power' },
    plot_bgcolor: '#d5d5d5', legend: { orientation: 'h', x: 0, y: -0.14, yanchor: 'top', bgcolor: '#9e9e9e', font: { color: '#111' } },
    uirevision: 'phase',
  };
  const gd = $('phase');
  Plotly.react(gd, traces, layout, PLOT_CONFIG);
  if (!gd.descentClick) {
    gd.on('plotly_click', (ev) => onPhaseClick(app, on, ev));
    gd.descentClick = true;
  }
  $('phase-note').textContent =
    `${entry.name} from (${currentStart(app).map(S.displayNumber).join(', ')}), ${ans.steps} steps, ${nx}×${ny} settings in ${app.phaseMs.toFixed(0)} ms: ` +
    `${reached} reach the metric, ${blown} diverge (red); grey never reached the tolerance. Click a cell to use its setting.`;
  app.phaseRenders += 1;
}

function axisRange(axis) {
  const v = axis.values;
  const step = (v[1] - v[0]) / 2;
  if (axis.log) {
    const r = Math.sqrt(v[1] / v[0]);
    return [Math.log10(v[0] / r), Math.log10(v.at(-1) * r)];
  }
  return [v[0] - step, v.at(-1) + step];
}

function onPhaseClick(app, on, ev) {
  const pt = ev.points?.[0];
  if (!pt || pt.curveNumber !== 0) return;
  const st = app.state;
  const { parsed, entry } = phaseOptimizer(app);
  const values = { ...parsed.values, [st.phase.x]: S.formatNumber(pt.x), [st.phase.y]: S.formatNumber(pt.y) };
  st.opts[st.phase.opt] = S.buildSpec(entry, values, parsed.schedule, parsed.wrapper);
  on.optimizersChanged();
}

/** The phase diagram's own controls: optimizer, settings, cells per side, steps, metric. */
export function wirePhase(app, on) {
  const st = app.state;
  const phaseChanged = () => {
    st.phase.opt = Number($('phase-opt').value);
    st.phase.x = $('phase-x').value;
    st.phase.y = $('phase-y').value;
    if (st.phase.y === st.phase.x) st.phase.y = '';
    const n = Math.round(Number($('phase-n').value));
    st.phase.n = Math.min(Math.max(Number.isFinite(n) ? n : 40, 4), 128);
    const k = Math.round(Number($('phase-steps').value));
    st.phase.steps = Math.min(Math.max(Number.isFinite(k) ? k : 1000, 1), S.limits.max_sweep_steps);
    writeAddress(st);
    renderPhase(app, on);
  };
  for (const id of ['phase-opt', 'phase-x', 'phase-y', 'phase-n', 'phase-steps', 'phase-metric']) $(id).addEventListener('change', () => {
    if (id === 'phase-metric') st.phase.metric = $('phase-metric').value;
    phaseChanged();
  });
}
