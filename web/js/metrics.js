// The metrics table: one row per optimizer of the run, as the engine measured it.
import * as S from './state.js';
import { $, COLORS } from './page.js';

export function renderMetrics(app) {
  const body = $('metrics').querySelector('tbody');
  body.replaceChildren();
  app.run.results.forEach((r, i) => {
    const m = r.metrics;
    const tr = document.createElement('tr');
    tr.title = r.message;
    const cells = [
      r.label,
      r.termination === 'completed' ? 'completed' : r.termination,
      // A method whose answer is not its last point (Schedule-Free's x) shows the answer's loss too.
      r.solution ? `${S.displayNumber(m.final_loss)} (x: ${S.displayNumber(r.solution.loss)})` : S.displayNumber(m.final_loss),
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
