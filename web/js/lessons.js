// descent lessons: the seed note told as chapters (lesson_chapters.js), each a short text with
// its formula, settings to move, "try this" prompts and live figures. Every number and path comes
// from the engine through the JSON API (docs/api.md), as on the lab page, whose contour, loss
// and tuning figures the lessons reuse. The chapter is the path (/lessons/N) and its settings the
// query (lesson_state.js), so a link opens the same view.
import { api } from './api.js';
import { renderContour } from './contour.js';
import { CHAPTERS } from './lesson_chapters.js';
import { chapterOfPath, decodeSettings, encodeSettings, fromSlider, toSlider, valid } from './lesson_state.js';
import { renderLoss } from './loss.js';
import { lineFigure, sharpnessFigure, surfaceFigure } from './lesson_network.js';
import { $ } from './page.js';
import { phaseColours } from './phase.js';
import { PLOT_CONFIG } from './plots.js';
import * as S from './state.js';
import { tuningFigure } from './tuning.js';

/* global Plotly */

// What the lessons know; exposed as window.__lessons for the browser tests.
const app = {
  chapter: 1,
  values: {},
  answer: null, // the last drawn answers: {run, analysis, surface, phase, tuning}
  renders: 0,
  busy: false,
  firstFigure: null, // ms from navigation to the first figure drawn (performance.now())
  // The figures reuse the lab's, which read these:
  surface: null, box: null, run: null, frame: 0, state: { start: null },
  cache: new Map(), // request text -> answer, for the surfaces, theory, sweeps and tuning curves
};
window.__lessons = app;

const chapter = () => CHAPTERS[app.chapter - 1];

// Every figure a chapter may show, by the id of its box (fig-NAME) and plot (NAME).
const FIGURES = ['contour', 'loss', 'phase', 'tuning', 'netsurface', 'netline', 'sharpness'];

/**
 * Chapter 6's figures from GET /api/network. Returns false, with the figures hidden and the
 * server's message in the notes, when the server's folder holds no landscape yet.
 */
function drawNetwork(net, v) {
  if (!net.available || !net.landscape) {
    for (const f of ['netsurface', 'netline', 'sharpness']) $(`fig-${f}`).hidden = true;
    $('lesson-notes').textContent = net.message;
    return false;
  }
  // The charts first: the 3-D surface (WebGL) takes longest to draw.
  const line = lineFigure(net);
  Plotly.react($('netline'), line.traces, line.layout, PLOT_CONFIG);
  app.firstFigure ??= performance.now();
  $('fig-sharpness').hidden = !net.sharpness;
  if (net.sharpness) {
    const { traces, layout } = sharpnessFigure(net);
    Plotly.react($('sharpness'), traces, layout, PLOT_CONFIG);
  }
  const plane = net.landscape.planes[v.plane];
  $('fig-netsurface').hidden = !plane;
  if (plane) {
    const { traces, layout } = surfaceFigure(net, v.plane, v.images);
    Plotly.react($('netsurface'), traces, layout, PLOT_CONFIG);
  }
  return true;
}

/** A request answered once per distinct body (the function's surface, the theory...). */
async function cached(path, body) {
  const key = `${path} ${JSON.stringify(body)}`;
  if (!app.cache.has(key)) app.cache.set(key, await api(path, body));
  return app.cache.get(key);
}

function writeAddress() {
  history.replaceState(null, '', `/lessons/${app.chapter}?${encodeSettings(chapter().settings, app.values)}`);
  // The lab opens on the chapter's experiment (lab(values) in the chapter); a chapter without
  // one (the trained network) has no lab view.
  const lab = chapter().lab;
  $('to-lab').hidden = !lab;
  if (lab) $('to-lab').href = `/?${S.encodeState({ ...S.DEFAULT_STATE, ...lab(app.values) })}`;
}

function renderNav() {
  const nav = $('chapters');
  nav.replaceChildren(...CHAPTERS.map((c, i) => {
    const a = document.createElement('a');
    a.href = `/lessons/${i + 1}`;
    a.textContent = String(i + 1);
    a.title = c.title;
    if (i + 1 === app.chapter) a.setAttribute('aria-current', 'page');
    return a;
  }));
  // The arrow keys move between the lessons, from anywhere but a control that uses them.
  document.addEventListener('keydown', (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || ev.shiftKey) return;
    if (ev.target.closest?.('input, select, textarea')) return;
    const to = { ArrowRight: app.chapter + 1, ArrowLeft: app.chapter - 1 }[ev.key];
    if (to >= 1 && to <= CHAPTERS.length) location.assign(`/lessons/${to}`);
  });
  const prev = $('prev'), next = $('next');
  prev.hidden = app.chapter === 1;
  next.hidden = app.chapter === CHAPTERS.length;
  prev.href = `/lessons/${app.chapter - 1}`;
  next.href = `/lessons/${app.chapter + 1}`;
  prev.textContent = app.chapter > 1 ? `← ${app.chapter - 1}. ${CHAPTERS[app.chapter - 2].title}` : '';
  next.textContent = app.chapter < CHAPTERS.length ? `${app.chapter + 1}. ${CHAPTERS[app.chapter].title} →` : '';
}

/** One row per setting: a label, a slider and a number box (a menu for a choice). */
function renderSettings() {
  const box = $('lesson-settings');
  box.replaceChildren();
  for (const s of chapter().settings) {
    const row = document.createElement('label');
    row.className = 'param';
    const name = document.createElement('span');
    name.textContent = s.label;
    row.append(name);
    if (s.choices) {
      row.classList.add('wide');
      const sel = document.createElement('select');
      sel.id = `set-${s.key}`;
      for (const c of s.choices) sel.add(new Option(c.label, c.value, false, c.value === app.values[s.key]));
      sel.addEventListener('change', () => change({ [s.key]: sel.value }));
      row.append(sel);
    } else {
      const slider = document.createElement('input');
      slider.type = 'range';
      slider.min = '0';
      slider.max = '1000';
      slider.id = `slide-${s.key}`;
      slider.value = String(toSlider(s, app.values[s.key]));
      slider.setAttribute('aria-label', s.label);
      const input = document.createElement('input');
      input.type = 'number';
      input.id = `set-${s.key}`;
      input.min = String(s.min);
      input.max = String(s.max);
      input.step = 'any';
      input.value = String(app.values[s.key]);
      slider.addEventListener('input', () => { input.value = String(fromSlider(s, Number(slider.value))); });
      slider.addEventListener('change', () => change({ [s.key]: fromSlider(s, Number(slider.value)) }));
      input.addEventListener('change', () => {
        const v = Number(input.value);
        if (valid(s, v)) change({ [s.key]: v });
        else input.value = String(app.values[s.key]);
      });
      row.append(slider, input);
    }
    box.append(row);
  }
}

/** The controls show app.values, updated in place so that the one in use keeps the focus. */
function showSettings() {
  for (const s of chapter().settings) {
    const input = $(`set-${s.key}`), slider = $(`slide-${s.key}`);
    if (input && document.activeElement !== input) input.value = String(app.values[s.key]);
    if (slider && document.activeElement !== slider) slider.value = String(toSlider(s, app.values[s.key]));
  }
}

function renderTries() {
  const box = $('lesson-tries');
  box.replaceChildren(...chapter().tries.map((t, i) => {
    const b = document.createElement('button');
    b.type = 'button';
    b.className = 'try-button';
    b.id = `try-${i + 1}`;
    b.textContent = t.label;
    // A prompt that reads the engine's answer (the theory's best pair) waits for it.
    b.disabled = typeof t.set === 'function';
    b.addEventListener('click', () => {
      if (typeof t.set === 'function' && !app.answer) return;
      change(typeof t.set === 'function' ? t.set(app.answer) : t.set);
    });
    return b;
  }));
}

function change(values) {
  Object.assign(app.values, values);
  showSettings();
  render();
}

/** The phase diagram of chapter 2: the sweep's heatmap, the stability limit, the two settings. */
function drawPhase(ans, analysis) {
  const [ax, ay] = ans.axes;
  const scale = phaseColours(ans.cells);
  const z = ay.values.map((_, j) => ax.values.map((_, i) => scale.colour(ans.cells[i * ay.values.length + j])));
  const red = ay.values.map((_, j) => ax.values.map((_, i) => (ans.cells[i * ay.values.length + j].diverged ? 1 : null)));
  const m = analysis.momentum;
  const traces = [
    { type: 'heatmap', x: ax.values, y: ay.values, z, colorscale: 'Viridis', hoverinfo: 'skip',
      colorbar: { title: { text: scale.log ? 'steps to 1e-6 (log)' : 'steps to 1e-6' }, thickness: 12, tickvals: scale.tickvals, ticktext: scale.ticktext } },
    { type: 'heatmap', x: ax.values, y: ay.values, z: red, showscale: false, hoverinfo: 'skip', colorscale: [[0, '#c62828'], [1, '#c62828']] },
    { type: 'scatter', mode: 'lines', name: 'lr·λmax = 2 + 2α', x: ay.values.map((a) => (2 + 2 * a) / m.lambda_max), y: ay.values, line: { color: '#fff', width: 2, dash: 'dash' } },
    { type: 'scatter', mode: 'markers', name: 'best (lr*, α*)', x: [m.lr_star], y: [m.alpha_star], marker: { symbol: 'diamond', size: 12, color: '#ffeb3b', line: { color: '#000', width: 1 } } },
    { type: 'scatter', mode: 'markers', name: 'your (lr, α)', x: [app.values.lr], y: [app.values.alpha], marker: { symbol: 'star', size: 16, color: '#fff', line: { color: '#000', width: 1.5 } } },
  ];
  const layout = {
    margin: { l: 56, r: 10, t: 10, b: 44 },
    xaxis: { title: { text: 'lr' }, type: 'log', range: [Math.log10(ax.values[0]), Math.log10(ax.values.at(-1))], exponentformat: 'power' },
    yaxis: { title: { text: 'α' }, range: [ay.values[0], ay.values.at(-1)] },
    plot_bgcolor: '#d5d5d5', legend: { orientation: 'h', x: 0, y: -0.16, yanchor: 'top', bgcolor: '#9e9e9e', font: { color: '#111' } }, uirevision: 'phase',
  };
  Plotly.react($('phase'), traces, layout, PLOT_CONFIG);
}

/** The slowest direction's factor, max |1 - lr·λ|, as a line from the start's loss (chapter 1). */
function addTheoryLine(run, analysis, lr) {
  const rho = Math.max(...analysis.eigenvalues.map((l) => Math.abs(1 - lr * l)));
  const r = run.results[0];
  Plotly.addTraces($('loss'), {
    type: 'scatter', mode: 'lines', name: 'theory', x: r.steps, y: r.steps.map((k) => r.loss[0] * rho ** (2 * k)),
    line: { color: '#888', width: 1.5, dash: 'dash' }, hovertemplate: `loss₀·ρ^2k, ρ = ${S.displayNumber(rho)}<extra></extra>`,
  });
}

async function render() {
  const c = chapter(), v = { ...app.values };
  writeAddress();
  const token = (app.token = (app.token ?? 0) + 1);
  app.busy = true;
  $('lesson-notes').textContent = 'computing…';
  try {
    const got = {};
    const req = c.request?.(v);
    // The runs (with the surface and the theory) are drawn as soon as they are in; the phase
    // diagram and the tuning curves, slower, follow.
    const first = [], later = [];
    if (req) {
      const b = req.box;
      first.push(api('run', { function: req.function, start: req.start, steps: req.steps, optimizers: req.optimizers }).then((a) => { got.run = a; }));
      first.push(cached('surface', { function: req.function, lower: [-b, -b], upper: [b, b], resolution: 81 }).then((a) => { got.surface = a; }));
      if (c.analyze) first.push(cached('analyze', { function: req.function }).then((a) => { got.analysis = a; }));
    }
    if (c.phase) {
      later.push(cached('sweep', { function: req.function, start: req.start, optimizer: c.phase.optimizer, grid: [c.phase.x, c.phase.y], steps: c.phase.steps, metric: 'steps_to_tol' })
        .then((a) => { got.phase = a; }));
    }
    if (c.tuning) later.push(cached('tuning', c.tuning(v)).then((a) => { got.tuning = a; }));
    if (c.network) later.push(cached('network').then((a) => { got.network = a; }));
    const laterDone = Promise.all(later);
    laterDone.catch(() => {}); // reported below, once the first requests are in
    for (const f of FIGURES) $(`fig-${f}`).hidden = !c.figures.includes(f);
    await Promise.all(first);
    if (token !== app.token) return;
    if (got.run) {
      const b = req.box;
      app.surface = got.surface;
      app.run = got.run;
      app.box = { lower: [-b, -b], upper: [b, b] };
      app.frame = req.steps;
      app.state.start = req.start;
      renderContour(app);
      if (c.figures.includes('loss')) {
        renderLoss(app);
        if (c.theoryLine) addTheoryLine(got.run, got.analysis, v.lr);
      }
      app.firstFigure ??= performance.now();
    }
    await laterDone;
    if (token !== app.token) return;
    app.answer = got;
    document.querySelectorAll('.try-button').forEach((b) => { b.disabled = false; });
    document.querySelectorAll('.lesson-figure').forEach((f) => f.classList.remove('stale'));
    if (got.phase) drawPhase(got.phase, got.analysis);
    if (got.tuning) {
      const { traces, layout } = tuningFigure(got.tuning);
      Plotly.react($('tuning'), traces, layout, PLOT_CONFIG);
    }
    if (got.network && !drawNetwork(got.network, v)) {
      app.renders += 1;
      return;
    }
    app.firstFigure ??= performance.now();
    $('lesson-notes').textContent = c.notes(v, got);
    app.renders += 1;
  } catch (e) {
    if (token !== app.token) return;
    // The figures still show the settings before; they are greyed until an answer comes.
    document.querySelectorAll('.lesson-figure').forEach((f) => f.classList.add('stale'));
    $('lesson-notes').textContent = `${e.field ? `${e.field}: ` : ''}${e.message}`;
  } finally {
    if (token === app.token) app.busy = false;
  }
}

function main() {
  const { chapter: n, problem } = chapterOfPath(location.pathname, CHAPTERS.length);
  app.chapter = n;
  const { values, problems } = decodeSettings(chapter().settings, location.search);
  app.values = values;
  if (problem) problems.unshift(problem);
  if (problems.length) {
    $('problems').textContent = `Left at their defaults: ${problems.join('; ')}.`;
    $('problems').hidden = false;
  }
  const c = chapter();
  document.title = `${app.chapter}. ${c.title} · descent lessons`;
  $('lesson-title').textContent = `${app.chapter}. ${c.title}`;
  $('lesson-text').innerHTML = c.text.map((p) => `<p>${p}</p>`).join('');
  $('lesson-formula').textContent = c.formula;
  renderNav();
  renderSettings();
  renderTries();
  if (typeof Plotly === 'undefined') {
    $('lesson-notes').textContent = 'plotly.js did not load: run npm ci --prefix web and restart descent serve';
    return;
  }
  render();
}

main();
