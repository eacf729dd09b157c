// descent lab: the page of `descent serve`. Every control is generated from the registry
// (GET /api/functions, /api/optimizers) and clamped to the API's limits (GET /api/limits); every
// number comes from the C++ engine through the JSON API (docs/api.md). The state lives in the URL
// (state.js, url.js).
//
// This module builds the page object and wires the parts, one module each: the controls
// (controls.js), the views behind the tabs (views.js: contour.js, surface.js, phase.js,
// tuning.js), the
// player (player.js), the loss chart (loss.js), the metrics (metrics.js) and theory (theory.js)
// panels, the downloads (exports.js) and the address (url.js). Each part is handed the page
// object, and calls `on` (below) after it changed the state; refresh.js then brings the page in
// step through the API (api.js). What they share: page.js (look-ups, colours), plots.js (height
// scales, paths cut to a step) and status.js (the status line and errors).
import * as S from './state.js';
import { api } from './api.js';
import { $ } from './page.js';
import { fillMenus, renderFunctionControls, renderOptimizerCards, renderStartAndSteps, wireControls } from './controls.js';
import { wireContour } from './contour.js';
import { wireExports } from './exports.js';
import { wirePhase } from './phase.js';
import { wirePlayer } from './player.js';
import { wireTuning } from './tuning.js';
import { requestRefresh } from './refresh.js';
import { showError } from './status.js';
import { readAddress, showAddressProblems, wireShare } from './url.js';
import { renderView, wireTabs } from './views.js';

/* global Plotly */

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
  tuningKey: '',
  tuningAnswer: null, // the last answer of /api/tuning
  tuningMs: 0,
  tuningRenders: 0,
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
  refresh: () => requestRefresh(app, on),
  optimizersChanged: () => {
    renderOptimizerCards(app, on);
    requestRefresh(app, on);
  },
};

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
  $('tuning-steps').max = String(S.limits.max_sweep_steps);
  const { state, problems } = readAddress(app);
  app.state = state;
  fillMenus(app);
  wireControls(app, on);
  wireTabs(app, on);
  wirePlayer(app);
  wireContour(app, on);
  wirePhase(app, on);
  wireTuning(app);
  wireShare();
  wireExports(app);
  renderFunctionControls(app, on);
  renderOptimizerCards(app, on);
  renderStartAndSteps(app);
  renderView(app, on);
  requestRefresh(app, on);
  while (app.busy) await new Promise((resolve) => setTimeout(resolve, 10));
  showAddressProblems(problems);
}

main();
