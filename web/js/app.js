// descent lab: the page of `descent serve`. Every control is generated from the registry
// (GET /api/functions, /api/optimizers) and clamped to the API's limits (GET /api/limits); every
// number comes from the C++ engine through the JSON API (docs/api.md, api.js). The state lives in
// the URL (state.js, url.js).
import * as S from './state.js';
import { api } from './api.js';
import { $, COLORS, currentStart, optimizerEntry } from './page.js';
import { PLOT_CONFIG, heightScale, truncated } from './plots.js';
import { clearErrors, setStatus, showError } from './status.js';
import { fillMenus, renderFunctionControls, renderOptimizerCards, renderStabilityNotes, renderStartAndSteps, wireControls } from './controls.js';
import { readAddress, showAddressProblems, wireShare, writeAddress } from './url.js';

/* global Plotly */

const SURFACE_RESOLUTION = 101;

// Everything the page knows; exposed as window.__descent for the browser tests.
const app = {
  functions: [], // the 2-D functions of the registry
  optimizers: [],
  state: null,
  base: null, // the function's own surface: {fn, surface, box}
  surface: null, // the surface drawn: {x, y, z, ...} over app.box
  surfaceKey: '',
  box: null,
  run: null, // the last answer of /api/run
  runRequest: null,
  analysis: null, // {fn, answer, at_start}
  phaseKey: '',
  phaseAnswer: null,
  phaseMs: 0, // how long the last sweep took
  surfaceView: null, // the 3-D view's heights for app.run and app.surface
  frame: 0,
  playing: false,
  dirty: false,
  busy: false,
  renders: 0, // full renders after a run
  phaseRenders: 0,
  lastError: '',
};
window.__descent = app;

// What a part calls after it changed app.state: a refresh, or (when the optimizers changed) new
// cards and a refresh.
const on = {
  refresh: () => requestRefresh(),
  optimizersChanged: () => {
    renderOptimizerCards(app, on);
    requestRefresh();
  },
};

// ---- refreshing: surface, run, theory -----------------------------------------------------------

function requestRefresh() {
  app.dirty = true;
  if (!app.busy) pump();
}

async function pump() {
  app.busy = true;
  while (app.dirty) {
    app.dirty = false;
    try {
      await refreshOnce();
    } catch (e) {
      showError(app, e);
    }
  }
  app.busy = false;
}

async function refreshOnce() {
  const st = app.state;
  writeAddress(st);
  setStatus('running…');
  const fn = st.fn;
  if (!app.base || app.base.fn !== fn) {
    const s = await api('surface', { function: fn, resolution: SURFACE_RESOLUTION });
    app.base = { fn, surface: s, box: { lower: [s.x[0], s.y[0]], upper: [s.x.at(-1), s.y.at(-1)] } };
    app.analysis = null;
    renderStartAndSteps(app);
  }
  const start = currentStart(app);
  const box = S.viewBox(app.base.box, start);
  const key = `${fn}|${JSON.stringify(box)}`;
  if (app.surfaceKey !== key) {
    const same = box.lower.every((v, k) => v === app.base.box.lower[k]) &&
      box.upper.every((v, k) => v === app.base.box.upper[k]);
    app.surface = same ? app.base.surface
      : await api('surface', { function: fn, lower: box.lower, upper: box.upper, resolution: SURFACE_RESOLUTION });
    app.surfaceKey = key;
    app.box = box;
  }
  const request = { function: fn, start, steps: st.steps, optimizers: [...st.opts] };
  const t0 = performance.now();
  const run = await api('run', request);
  const ms = performance.now() - t0;
  if (!app.analysis || app.analysis.fn !== fn) app.analysis = await analyze(fn, start);
  clearErrors(app);
  app.run = run;
  app.runRequest = request;
  $('formula').textContent = `f = ${run.formula}`;
  const longest = Math.max(...run.results.map((r) => r.points.length)) - 1;
  $('frame').max = longest;
  if (!app.playing) app.frame = longest;
  app.frame = Math.min(app.frame, longest);
  renderAll();
  setStatus(`${run.results.length} optimizer${run.results.length > 1 ? 's' : ''} × ${st.steps} steps: ${ms.toFixed(0)} ms`);
  app.renders += 1;
}

async function analyze(fn, start) {
  try {
    return { fn, answer: await api('analyze', { function: fn }), at_start: false };
  } catch (e) {
    // no known minimizer: the theory at the start point
    try {
      return { fn, answer: await api('analyze', { function: fn, at: start }), at_start: true };
    } catch (e2) {
      return { fn, answer: null, error: e2.message };
    }
  }
}

// ---- drawing -------------------------------------------------------------------------------------

function renderAll() {
  renderStabilityNotes(app);
  renderLoss();
  renderMetrics();
  renderTheory();
  renderView();
}

function renderView() {
  for (const v of S.VIEWS) $(`view-${v}`).hidden = v !== app.state.view;
  $('player').hidden = app.state.view === 'phase';
  document.querySelectorAll('.tabs button').forEach((b) =>
    b.setAttribute('aria-selected', String(b.dataset.view === app.state.view)));
  if (!app.run) return;
  if (app.state.view === 'contour') renderContour();
  else if (app.state.view === 'surface') renderSurface();
  else renderPhase();
  updateFrameLabel();
}

function renderContour() {
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
  const layout = {
    margin: { l: 48, r: 12, t: 10, b: 36 },
    xaxis: { title: { text: 'w1', standoff: 4 }, range: [app.box.lower[0], app.box.upper[0]], fixedrange: true },
    yaxis: { title: { text: 'w2' }, range: [app.box.lower[1], app.box.upper[1]], fixedrange: true },
    legend: { orientation: 'h', x: 0, y: -0.15, yanchor: 'top' },
    dragmode: false, hovermode: 'closest', uirevision: 'contour',
  };
  Plotly.react($('contour'), traces, layout, PLOT_CONFIG);
}

/**
 * The 3-D view's heights, computed once per run and surface: the surface in its scale (true
 * heights, or log-scaled for walls like Rosenbrock's), its range, and each path's heights held to
 * ten times that range.
 */
function surfaceView() {
  if (app.surfaceView?.run === app.run && app.surfaceView.surface === app.surface) return app.surfaceView;
  const scale = heightScale(app.surface.z, true);
  const z = app.surface.z.map((row) => row.map(scale.f));
  let zlo = Infinity, zhi = -Infinity;
  for (const row of z) for (const v of row) if (v !== null) { zlo = Math.min(zlo, v); zhi = Math.max(zhi, v); }
  const span = zhi - zlo;
  const clip = (v) => (v === null ? null : Math.min(Math.max(v, zlo - 10 * span), zhi + 10 * span));
  const paths = app.run.results.map((r) => r.loss.map((v) => clip(scale.f(v))));
  app.surfaceView = { run: app.run, surface: app.surface, scale, z, zlo, zhi, paths };
  return app.surfaceView;
}

function renderSurface() {
  const s = app.surface;
  const view = surfaceView();
  const traces = [{
    type: 'surface', x: s.x, y: s.y, z: view.z, colorscale: 'Viridis',
    opacity: 0.85, showscale: false, hoverinfo: 'skip',
    contours: { z: { show: true, usecolormap: true, project: { z: true } } },
  }];
  // The box is the surface's; a path leaving it is cut at its walls by the scene.
  const zpad = 0.05 * (view.zhi - view.zlo || 1);
  app.run.results.forEach((r, i) => {
    const t = truncated(r, app.frame, app.box);
    const color = COLORS[i % COLORS.length];
    traces.push({
      type: 'scatter3d', mode: 'lines+markers', name: r.label, x: t.x, y: t.y,
      z: view.paths[i].slice(0, t.n), line: { color, width: 6 }, marker: { color, size: 3 },
    });
  });
  const layout = {
    margin: { l: 0, r: 0, t: 0, b: 0 },
    scene: {
      xaxis: { title: { text: 'w1' }, range: [app.box.lower[0], app.box.upper[0]] },
      yaxis: { title: { text: 'w2' }, range: [app.box.lower[1], app.box.upper[1]] },
      zaxis: { title: { text: view.scale.title }, range: [view.zlo - zpad, view.zhi + zpad] },
      camera: { eye: { x: -1.5, y: -1.6, z: 1.1 } }, aspectmode: 'manual', aspectratio: { x: 1, y: 1, z: 0.7 },
    },
    legend: { orientation: 'h', x: 0, y: 0 },
    uirevision: 'surface',
  };
  Plotly.react($('surface'), traces, layout, PLOT_CONFIG);
}

function renderLoss() {
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
    shapes: [frameLine()],
    uirevision: 'loss',
  };
  Plotly.react($('loss'), traces, layout, PLOT_CONFIG);
}

function frameLine() {
  return { type: 'line', xref: 'x', yref: 'paper', x0: app.frame, x1: app.frame, y0: 0, y1: 1, line: { color: '#888', width: 1, dash: 'dot' } };
}

function renderMetrics() {
  const body = $('metrics').querySelector('tbody');
  body.replaceChildren();
  app.run.results.forEach((r, i) => {
    const m = r.metrics;
    const tr = document.createElement('tr');
    tr.title = r.message;
    const cells = [
      r.label,
      r.termination === 'completed' ? 'completed' : r.termination,
      S.displayNumber(m.final_loss),
      `${S.displayNumber(m.best_loss)} @${m.best_step}`,
      m.steps_to_tol === null ? 'not reached' : String(m.steps_to_tol),
      S.displayNumber(m.path_length),
      m.zigzags.join(' / '),
      S.displayNumber(m.distance_to_minimizer),
    ];
    cells.forEach((text, k) => {
      const td = document.createElement('td');
      if (k === 0) {
        const sw = document.createElement('span');
        sw.className = 'swatch';
        sw.style.background = COLORS[i % COLORS.length];
        td.append(sw);
      }
      if (k === 1 && r.termination !== 'completed') td.className = 'diverged';
      td.append(text);
      tr.append(td);
    });
    body.append(tr);
  });
}

function renderTheory() {
  const box = $('theory-body');
  box.replaceChildren();
  const a = app.analysis?.answer;
  if (!a) {
    box.textContent = `No theory here: ${app.analysis?.error ?? 'not computed'}`;
    return;
  }
  const at = `(${a.point.map(S.displayNumber).join(', ')})`;
  const rows = [
    ['at', `${at}${a.at_minimizer ? ', the minimizer' : app.analysis.at_start ? ', the start (no known minimizer)' : ''}`],
    ['Hessian eigenvalues', a.eigenvalues.map(S.displayNumber).join(', ')],
    ['condition number κ', S.displayNumber(a.kappa)],
  ];
  if (a.gd) {
    rows.push(['GD stable for', `lr < ${S.displayNumber(a.gd.lr_max)}  (lr·λmax < 2)`]);
    rows.push(['GD best lr', `${S.displayNumber(a.gd.best_lr)}  (rate ${S.displayNumber(a.gd.rate)} per step)`]);
  }
  if (a.momentum) {
    rows.push(['momentum stable for', `lr < (2 + 2α)/${S.displayNumber(a.momentum.lambda_max)}`]);
    rows.push(['momentum best', `lr* = ${S.displayNumber(a.momentum.lr_star)}, α* = ${S.displayNumber(a.momentum.alpha_star)}  (rate ${S.displayNumber(a.momentum.rate)})`]);
  }
  const dl = document.createElement('dl');
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
  box.append(dl);
  if (!a.applies) {
    const p = document.createElement('p');
    p.className = 'doc';
    p.textContent = a.not_applicable;
    box.append(p);
  }
  if (a.gd) box.append(applyButton('apply-gd', `Use lr = ${S.displayNumber(a.gd.best_lr)} for SGD`, ['sgd', 'gd'], { lr: a.gd.best_lr }));
  if (a.momentum) {
    box.append(applyButton('apply-momentum', `Use lr*, α* for momentum`, ['momentum'],
      { lr: a.momentum.lr_star, alpha: a.momentum.alpha_star, dampening: 0 }));
  }
}

/** A button that sets `settings` on every optimizer named in `names`, adding one if none is. */
function applyButton(id, text, names, settings) {
  const b = document.createElement('button');
  b.type = 'button';
  b.id = id;
  b.className = 'apply';
  b.textContent = text;
  b.addEventListener('click', () => {
    const st = app.state;
    let found = false;
    st.opts = st.opts.map((spec) => {
      const p = S.parseSpec(spec);
      if (!names.includes(p.name)) return spec;
      found = true;
      const values = { ...p.values };
      for (const [k, v] of Object.entries(settings)) values[k] = S.formatNumber(v);
      return S.buildSpec(optimizerEntry(app, p.name), values, p.schedule);
    });
    if (!found && st.opts.length < S.limits.max_optimizers) {
      const values = {};
      for (const [k, v] of Object.entries(settings)) values[k] = S.formatNumber(v);
      st.opts.push(S.buildSpec(optimizerEntry(app, names[0]), values));
    }
    renderOptimizerCards(app, on);
    requestRefresh();
  });
  return b;
}

// ---- animation -----------------------------------------------------------------------------------

function updateFrameLabel() {
  $('frame').value = app.frame;
  $('frame-label').textContent = `step ${app.frame} / ${$('frame').max}`;
  $('play').textContent = app.playing ? 'Pause' : 'Play';
}

function setFrame(k) {
  if (!app.run) return;
  app.frame = Math.max(0, Math.min(k, Number($('frame').max)));
  const rs = app.run.results;
  if (app.state.view === 'contour' && $('contour').data) {
    const xs = [], ys = [], idx = [];
    rs.forEach((r, i) => {
      const t = truncated(r, app.frame, app.box);
      xs.push(t.x, t.x.slice(-1));
      ys.push(t.y, t.y.slice(-1));
      idx.push(3 + 2 * i, 4 + 2 * i);
    });
    Plotly.restyle($('contour'), { x: xs, y: ys }, idx);
  } else if (app.state.view === 'surface' && $('surface').data) {
    const xs = [], ys = [], zs = [], idx = [];
    const z = surfaceView().paths;
    rs.forEach((r, i) => {
      const t = truncated(r, app.frame, app.box);
      xs.push(t.x);
      ys.push(t.y);
      zs.push(z[i].slice(0, t.n));
      idx.push(1 + i);
    });
    Plotly.restyle($('surface'), { x: xs, y: ys, z: zs }, idx);
  }
  Plotly.relayout($('loss'), { shapes: [frameLine()] });
  updateFrameLabel();
}

let lastTick = 0, carry = 0;
function tick(now) {
  if (!app.playing) return;
  carry += ((now - lastTick) / 1000) * Number($('speed').value);
  lastTick = now;
  const advance = Math.floor(carry);
  if (advance > 0) {
    carry -= advance;
    setFrame(app.frame + advance);
  }
  if (app.frame >= Number($('frame').max)) {
    app.playing = false;
    updateFrameLabel();
    return;
  }
  requestAnimationFrame(tick);
}

function play() {
  if (app.playing) {
    app.playing = false;
    updateFrameLabel();
    return;
  }
  if (app.frame >= Number($('frame').max)) setFrame(0);
  app.playing = true;
  lastTick = performance.now();
  carry = 0;
  updateFrameLabel();
  requestAnimationFrame(tick);
}

// ---- the phase diagram -----------------------------------------------------------------------------

function phaseOptimizer() {
  const st = app.state;
  if (st.phase.opt >= st.opts.length) st.phase.opt = 0;
  const parsed = S.parseSpec(st.opts[st.phase.opt]);
  return { parsed, entry: optimizerEntry(app, parsed.name) };
}

function renderPhaseControls() {
  const st = app.state;
  const optSelect = $('phase-opt');
  optSelect.replaceChildren();
  st.opts.forEach((spec, i) => optSelect.add(new Option(`${i + 1}: ${spec}`, i, false, i === st.phase.opt)));
  const { entry } = phaseOptimizer();
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

async function renderPhase() {
  renderPhaseControls();
  const st = app.state;
  const { parsed, entry } = phaseOptimizer();
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
    try {
      app.phaseAnswer = await api('sweep', request);
    } catch (e) {
      $('phase-note').textContent = `${e.field ? `${e.field}: ` : ''}${e.message}`;
      return;
    }
    app.phaseKey = key;
    app.phaseMs = performance.now() - t0;
  }
  if (app.state.view !== 'phase') return;
  drawPhase(app.phaseAnswer, parsed, entry);
}

function drawPhase(ans, parsed, entry) {
  const st = app.state;
  const [ax, ay] = ans.axes;
  const nx = ax.values.length, ny = ay.values.length;
  const logColour = ans.metric !== 'steps_to_tol';
  const z = [], diverged = [];
  let reached = 0, blown = 0;
  for (let j = 0; j < ny; ++j) {
    z.push([]);
    diverged.push([]);
    for (let i = 0; i < nx; ++i) {
      const c = ans.cells[i * ny + j];
      const v = c.median === null ? null : logColour ? Math.log10(Math.max(c.median, 1e-300)) : c.median;
      z[j].push(v);
      diverged[j].push(c.diverged ? 1 : null);
      if (c.median !== null) ++reached;
      if (c.diverged) ++blown;
    }
  }
  const label = { steps_to_tol: 'steps to tol', final_loss: 'log10 final loss', best_loss: 'log10 best loss' }[ans.metric];
  const traces = [{
    type: 'heatmap', x: ax.values, y: ay.values, z, colorscale: 'Viridis', reversescale: ans.metric === 'steps_to_tol',
    colorbar: { title: { text: label }, thickness: 12 }, hovertemplate: `${ax.key} %{x:.4g}<br>${ay.key} %{y:.4g}<br>${label} %{z:.4g}<extra></extra>`,
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
    plot_bgcolor: '#d5d5d5', legend: { orientation: 'h', x: 0, y: -0.14, yanchor: 'top' },
    uirevision: 'phase',
  };
  const gd = $('phase');
  Plotly.react(gd, traces, layout, PLOT_CONFIG);
  if (!gd.descentClick) {
    gd.on('plotly_click', onPhaseClick);
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

function onPhaseClick(ev) {
  const pt = ev.points?.[0];
  if (!pt || pt.curveNumber !== 0) return;
  const st = app.state;
  const { parsed, entry } = phaseOptimizer();
  const values = { ...parsed.values, [st.phase.x]: S.formatNumber(pt.x), [st.phase.y]: S.formatNumber(pt.y) };
  st.opts[st.phase.opt] = S.buildSpec(entry, values, parsed.schedule);
  renderOptimizerCards(app, on);
  requestRefresh();
}

// ---- exports -----------------------------------------------------------------------------------------

function download(name, type, text) {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

function exportPng() {
  const gd = $(app.state.view);
  Plotly.downloadImage(gd, { format: 'png', filename: `descent-${app.state.view}`, width: gd.clientWidth, height: gd.clientHeight });
}

// ---- start-up -----------------------------------------------------------------------------------------

function onContourClick(ev) {
  const gd = $('contour');
  const L = gd._fullLayout;
  if (!L) return;
  const r = gd.getBoundingClientRect();
  const px = ev.clientX - r.left - L._size.l, py = ev.clientY - r.top - L._size.t;
  if (px < 0 || py < 0 || px > L._size.w || py > L._size.h) return;
  const [x0, x1] = L.xaxis.range, [y0, y1] = L.yaxis.range;
  const x = x0 + (px / L._size.w) * (x1 - x0), y = y1 - (py / L._size.h) * (y1 - y0);
  const round = (v, span) => Number(v.toFixed(Math.max(0, 3 - Math.floor(Math.log10(span)))));
  app.state.start = [round(x, x1 - x0), round(y, y1 - y0)];
  renderStartAndSteps(app);
  requestRefresh();
}

function wire() {
  const st = app.state;
  wireControls(app, on);
  document.querySelectorAll('.tabs button').forEach((b) => b.addEventListener('click', () => {
    st.view = b.dataset.view;
    writeAddress(st);
    renderView();
  }));
  $('play').addEventListener('click', play);
  $('step').addEventListener('click', () => {
    app.playing = false;
    setFrame(app.frame + 1);
  });
  $('rewind').addEventListener('click', () => {
    app.playing = false;
    setFrame(0);
  });
  $('frame').addEventListener('input', () => {
    app.playing = false;
    setFrame(Number($('frame').value));
  });
  $('contour').addEventListener('click', onContourClick);
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
    renderPhase();
  };
  for (const id of ['phase-opt', 'phase-x', 'phase-y', 'phase-n', 'phase-steps', 'phase-metric']) $(id).addEventListener('change', () => {
    if (id === 'phase-metric') st.phase.metric = $('phase-metric').value;
    phaseChanged();
  });
  wireShare();
  $('export-png').addEventListener('click', exportPng);
  $('export-csv').addEventListener('click', () => app.run && download('descent-run.csv', 'text/csv', S.runToCsv(app.run)));
  $('export-json').addEventListener('click', () => app.run &&
    download('descent-run.json', 'application/json', JSON.stringify({ request: app.runRequest, response: app.run }, null, 2)));
}

async function main() {
  if (typeof Plotly === 'undefined') {
    showError(app, new Error('plotly.js did not load: run npm ci --prefix web and restart descent serve'));
    return;
  }
  try {
    const [fns, opts, lim] = await Promise.all([api('functions'), api('optimizers'), api('limits')]);
    app.functions = fns.functions.filter((f) => f.dim === 2);
    app.optimizers = opts.optimizers;
    S.setLimits(lim.limits);
  } catch (e) {
    showError(app, e);
    return;
  }
  // The inputs' upper ends are the API's limits.
  $('steps').max = String(S.limits.max_steps);
  $('phase-steps').max = String(S.limits.max_sweep_steps);
  const { state, problems } = readAddress(app);
  app.state = state;
  fillMenus(app);
  wire();
  renderFunctionControls(app, on);
  renderOptimizerCards(app, on);
  renderStartAndSteps(app);
  renderView();
  requestRefresh();
  while (app.busy) await new Promise((resolve) => setTimeout(resolve, 10));
  showAddressProblems(problems);
}

main();
