// Keeping the page in step with its state. A change asks for a refresh; one refresh runs at a
// time, and the changes made while it runs are taken up by one more. A refresh writes the
// address, fetches the function's surface when the function or the view's box changed, runs the
// optimizers and, for a new function, the theory, then draws everything.
import * as S from './state.js';
import { api } from './api.js';
import { $, currentStart } from './page.js';
import { clearErrors, setStatus, showError } from './status.js';
import { writeAddress } from './url.js';
import { renderStartAndSteps } from './controls.js';
import { renderAll } from './views.js';

const SURFACE_RESOLUTION = 101;

export function requestRefresh(app, on) {
  app.dirty = true;
  if (!app.busy) pump(app, on);
}

async function pump(app, on) {
  app.busy = true;
  while (app.dirty) {
    app.dirty = false;
    try {
      await refreshOnce(app, on);
    } catch (e) {
      showError(app, e);
    }
  }
  app.busy = false;
}

async function refreshOnce(app, on) {
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
  setStatus(S.runSummary(run.results, st.steps, ms));
  app.renders += 1;
}

/** The theory at the function's minimizer, else at the start; the error when neither answers. */
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
