// The view panel's tabs (contour, 3-D surface, phase diagram, tuning), and everything drawn after
// a run.
import * as S from './state.js';
import { $ } from './page.js';
import { renderStabilityNotes } from './controls.js';
import { renderContour } from './contour.js';
import { renderSurface } from './surface.js';
import { renderPhase } from './phase.js';
import { renderTuning } from './tuning.js';
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
  $('player').hidden = app.state.view === 'phase' || app.state.view === 'tuning';
  // One tab stop: the selected tab; the arrow keys move between the tabs (wireTabs).
  document.querySelectorAll('.tabs [role="tab"]').forEach((b) => {
    const selected = b.dataset.view === app.state.view;
    b.setAttribute('aria-selected', String(selected));
    b.tabIndex = selected ? 0 : -1;
  });
  if (!app.run) return;
  if (app.state.view === 'contour') renderContour(app);
  else if (app.state.view === 'surface') renderSurface(app);
  else if (app.state.view === 'phase') renderPhase(app, on);
  else renderTuning(app);
  updateFrameLabel(app);
}

/**
 * The tabs as the WAI-ARIA tabs pattern: a click, or Left and Right arrow (wrapping round), Home
 * and End on the focused tab, selects a tab and shows its view.
 */
export function wireTabs(app, on) {
  const tabs = [...document.querySelectorAll('.tabs [role="tab"]')];
  const select = (b) => {
    app.state.view = b.dataset.view;
    writeAddress(app.state);
    renderView(app, on);
  };
  tabs.forEach((b, i) => {
    b.addEventListener('click', () => select(b));
    b.addEventListener('keydown', (ev) => {
      const to = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[ev.key];
      if (to === undefined || ev.altKey || ev.ctrlKey || ev.metaKey) return;
      ev.preventDefault();
      const next = tabs[(to + tabs.length) % tabs.length];
      next.focus();
      select(next);
    });
  });
}
