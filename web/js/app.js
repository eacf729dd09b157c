// descent lab: the page of `descent serve`. Every control is generated from the registry
// (GET /api/functions, /api/optimizers) and clamped to the API's limits (GET /api/limits); every
// number comes from the C++ engine through the JSON API (docs/api.md, api.js). The state lives in
// the URL (state.js, url.js).
import * as S from './state.js';
import { api } from './api.js';
import { $, currentStart } from './page.js';
import { clearErrors, setStatus, showError } from './status.js';
import { fillMenus, renderFunctionControls, renderOptimizerCards, renderStartAndSteps, wireControls } from './controls.js';
import { wireContour } from './contour.js';
import { wirePhase } from './phase.js';
import { wirePlayer } from './player.js';
import { readAddress, showAddressProblems, wireShare, writeAddress } from './url.js';
import { renderAll, renderView, wireTabs } from './views.js';

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
  renderAll(app, on);
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

function wire() {
  wireControls(app, on);
  wireTabs(app, on);
  wirePlayer(app);
  wireContour(app, on);
  wirePhase(app, on);
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
  renderView(app, on);
  requestRefresh();
  while (app.busy) await new Promise((resolve) => setTimeout(resolve, 10));
  showAddressProblems(problems);
}

main();
