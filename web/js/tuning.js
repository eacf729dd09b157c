// The tuning view: every optimizer of the run at a grid of learning rates around its default
// (POST /api/tuning), scored as `descent study tuning` scores them (docs/tuning-study.md): 1 is
// the lowest loss any optimizer reached at any rate, 0 no progress from the start. Each curve is
// one optimizer's sensitivity to its learning rate; the learning-rate-free methods are dashed.
import { api } from './api.js';
import * as S from './state.js';
import { $, COLORS, currentStart } from './page.js';
import { PLOT_CONFIG } from './plots.js';
import { writeAddress } from './url.js';

/* global Plotly */

export async function renderTuning(app) {
  const st = app.state;
  $('tuning-points').value = st.tuning.points;
  $('tuning-steps').value = st.tuning.steps;
  const request = {
    function: st.fn, start: currentStart(app), optimizers: st.opts,
    steps: st.tuning.steps, points: st.tuning.points,
  };
  const key = JSON.stringify(request);
  if (key !== app.tuningKey) {
    $('tuning-note').textContent = `computing ${(st.tuning.points + 1) * st.opts.length} runs…`;
    const t0 = performance.now();
    // A later request supersedes this one: only the newest answer is drawn.
    const asked = (app.tuningAsked = (app.tuningAsked ?? 0) + 1);
    let answer;
    try {
      answer = await api('tuning', request);
    } catch (e) {
      if (asked !== app.tuningAsked) return;
      app.tuningKey = '';
      Plotly.purge($('tuning'));
      $('tuning-note').textContent = `${e.field ? `${e.field}: ` : ''}${e.message}`;
      return;
    }
    if (asked !== app.tuningAsked) return;
    app.tuningAnswer = answer;
    app.tuningKey = key;
    app.tuningMs = performance.now() - t0;
  }
  if (app.state.view !== 'tuning') return;
  drawTuning(app, app.tuningAnswer);
}

/** Each optimizer's width as the note reads it: "0.4 decades", "≥ 6.0 decades" at the grid's end. */
export function widthText(w) {
  return `${w.at_edge ? '≥ ' : ''}${w.decades.toFixed(1)} decades`;
}

/**
 * The tuning figure's traces and layout for an answer of /api/tuning: each optimizer's score
 * against its learning rate (a multiple of its default; dashed for the learning-rate-free ones),
 * and a star at each one's defaults. Shared with the lessons.
 */
export function tuningFigure(ans) {
  const traces = ans.curves.map((c, i) => ({
    type: 'scatter', mode: 'lines+markers', name: c.label,
    x: c.lr.map((lr) => lr / c.default_lr), y: c.score,
    customdata: c.lr.map((lr, k) => [lr, c.loss[k] === null ? 'diverged' : S.displayNumber(c.loss[k])]),
    line: { color: COLORS[i % COLORS.length], width: 2, dash: c.lr_free ? 'dash' : 'solid' },
    marker: { size: 4 },
    hovertemplate: `${c.label}<br>lr %{customdata[0]:.4g} (%{x:.3g} × default)<br>final loss %{customdata[1]}<br>score %{y:.3f}<extra></extra>`,
  }));
  traces.push({
    type: 'scatter', mode: 'markers', name: 'at the defaults', x: ans.curves.map(() => 1),
    y: ans.curves.map((c) => c.default_score),
    marker: { symbol: 'star', size: 12, color: ans.curves.map((_, i) => COLORS[i % COLORS.length]), line: { color: '#000', width: 1 } },
    hovertemplate: 'default setting<br>score %{y:.3f}<extra></extra>',
  });
  const layout = {
    margin: { l: 60, r: 10, t: 10, b: 50 },
    xaxis: { title: { text: 'learning rate / default learning rate' }, type: 'log', exponentformat: 'power' },
    yaxis: { title: { text: 'score (1: best of all, 0: no progress)' }, range: [-0.04, 1.04] },
    legend: { orientation: 'h', x: 0, y: -0.22, yanchor: 'top' },
    shapes: [{ type: 'line', xref: 'x', yref: 'paper', x0: 1, x1: 1, y0: 0, y1: 1, line: { color: '#888', width: 1, dash: 'dot' } }],
    uirevision: 'tuning',
  };
  return { traces, layout };
}

function drawTuning(app, ans) {
  const { traces, layout } = tuningFigure(ans);
  Plotly.react($('tuning'), traces, layout, PLOT_CONFIG);
  const start = (ans.start ?? []).map(S.displayNumber).join(', ');
  const widths = ans.curves.map((c) => `${c.label} ${widthText(c.width)}`).join('; ');
  $('tuning-note').textContent =
    `${ans.function} from (${start}), ${ans.steps} steps, ${ans.curves[0].lr.length} learning rates each ` +
    `(${ans.spacing.toFixed(2)} decades apart) in ${app.tuningMs.toFixed(0)} ms. ` +
    `Tuning width, the learning rates within ${ans.tolerance} of each one's best score: ${widths}. ` +
    'Stars: the defaults. Dashed: learning-rate-free methods.';
  app.tuningRenders += 1;
}

/** The tuning view's own controls: learning rates per optimizer, steps per run. */
export function wireTuning(app) {
  const st = app.state;
  const changed = () => {
    const n = Math.round(Number($('tuning-points').value));
    st.tuning.points = Math.min(Math.max(Number.isFinite(n) ? n : 31, S.TUNING_POINTS.min), S.TUNING_POINTS.max);
    const k = Math.round(Number($('tuning-steps').value));
    st.tuning.steps = Math.min(Math.max(Number.isFinite(k) ? k : 200, 1), S.limits.max_sweep_steps);
    writeAddress(st);
    renderTuning(app);
  };
  for (const id of ['tuning-points', 'tuning-steps']) $(id).addEventListener('change', changed);
}
