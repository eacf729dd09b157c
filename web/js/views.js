// The view panel's tabs (contour, 3-D surface, phase diagram), and everything drawn after a run.
import * as S from './state.js';
import { $ } from './page.js';
import { renderStabilityNotes } from './controls.js';
import { renderContour } from './contour.js';
import { renderSurface } from './surface.js';
import { renderPhase } from './phase.js';
import { renderLoss } from './loss.js';
import { renderMetrics } from './metrics.js';
import { renderTheory } from './theory.js';
import { updateFrameLabel } from './player.js';
import { writeAddress } from './url.js';

/** Everything that shows the last run: the cards' notes, the loss, the tables, the view. */
export function renderAll(app, on) {
  renderStabilityNotes(app);
  renderLoss(app);
  renderMetrics(app);
  renderTheory(app, on);
  renderView(app, on);
}

/** Shows the view of app.state.view (and the player under the contour and the surface). */
export function renderView(app, on) {
  for (const v of S.VIEWS) $(`view-${v}`).hidden = v !== app.state.view;
  $('player').hidden = app.state.view === 'phase';
  document.querySelectorAll('.tabs button').forEach((b) =>
    b.setAttribute('aria-selected', String(b.dataset.view === app.state.view)));
  if (!app.run) return;
  if (app.state.view === 'contour') renderContour(app);
  else if (app.state.view === 'surface') renderSurface(app);
  else renderPhase(app, on);
  updateFrameLabel(app);
}

export function wireTabs(app, on) {
  document.querySelectorAll('.tabs button').forEach((b) => b.addEventListener('click', () => {
    app.state.view = b.dataset.view;
    writeAddress(app.state);
    renderView(app, on);
  }));
}
