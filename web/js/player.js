// The player under the contour and the 3-D surface: play and pause, one step, rewind, a slider
// over the steps and a speed. It cuts the paths of the view shown to the step shown (app.frame)
// and moves the loss chart's line there.
import { $ } from './page.js';
import { showContourFrame } from './contour.js';
import { showSurfaceFrame } from './surface.js';
import { showLossFrame } from './loss.js';

// The animation's clock: when the last frame was drawn, and the part of a step not yet shown.
const clock = { last: 0, carry: 0 };

export function updateFrameLabel(app) {
  $('frame').value = app.frame;
  $('frame-label').textContent = `step ${app.frame} / ${$('frame').max}`;
  $('play').textContent = app.playing ? 'Pause' : 'Play';
}

function setFrame(app, k) {
  if (!app.run) return;
  app.frame = Math.max(0, Math.min(k, Number($('frame').max)));
  if (app.state.view === 'contour' && $('contour').data) showContourFrame(app);
  else if (app.state.view === 'surface' && $('surface').data) showSurfaceFrame(app);
  showLossFrame(app);
  updateFrameLabel(app);
}

function tick(app, now) {
  if (!app.playing) return;
  clock.carry += ((now - clock.last) / 1000) * Number($('speed').value);
  clock.last = now;
  const advance = Math.floor(clock.carry);
  if (advance > 0) {
    clock.carry -= advance;
    setFrame(app, app.frame + advance);
  }
  if (app.frame >= Number($('frame').max)) {
    app.playing = false;
    updateFrameLabel(app);
    return;
  }
  requestAnimationFrame((t) => tick(app, t));
}

function play(app) {
  if (app.playing) {
    app.playing = false;
    updateFrameLabel(app);
    return;
  }
  if (app.frame >= Number($('frame').max)) setFrame(app, 0);
  app.playing = true;
  clock.last = performance.now();
  clock.carry = 0;
  updateFrameLabel(app);
  requestAnimationFrame((t) => tick(app, t));
}

export function wirePlayer(app) {
  $('play').addEventListener('click', () => play(app));
  $('step').addEventListener('click', () => {
    app.playing = false;
    setFrame(app, app.frame + 1);
  });
  $('rewind').addEventListener('click', () => {
    app.playing = false;
    setFrame(app, 0);
  });
  $('frame').addEventListener('input', () => {
    app.playing = false;
    setFrame(app, Number($('frame').value));
  });
}
