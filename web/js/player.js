// The player under the contour and the 3-D surface: play and pause, one step, rewind, a slider
// over the steps and a speed. It cuts the paths of the view shown to the step shown (app.frame)
// and moves the loss chart's line there.
import { $ } from './page.js';
import { showContourFrame } from './contour.js';
import { showSurfaceFrame } from './surface.js';
import { showLossFrame } from './loss.js';

// The animation's clock: when the last frame was drawn, the part of a step not yet shown, and
// which play it belongs to (a pause and a new play start another, and the old one's frames stop).
const clock = { last: 0, carry: 0, run: 0 };

export function updateFrameLabel(app) {
  $('frame').value = app.frame;
  $('frame-label').textContent = `step ${app.frame} / ${$('frame').max}`;
  $('play').textContent = app.playing ? 'Pause' : 'Play';
}

/** Shows step k; resolves once the views are drawn. */
function setFrame(app, k) {
  if (!app.run) return Promise.resolve();
  app.frame = Math.max(0, Math.min(k, Number($('frame').max)));
  updateFrameLabel(app);
  const drawn = [showLossFrame(app)];
  if (app.state.view === 'contour' && $('contour').data) drawn.push(showContourFrame(app));
  else if (app.state.view === 'surface' && $('surface').data) drawn.push(showSurfaceFrame(app));
  return Promise.all(drawn);
}

// The next frame of play `run`, at the browser's next paint, or after 100 ms where the browser
// paints no frames (a hidden tab, a headless browser under load), whichever comes first.
function schedule(app, run) {
  let due = true;
  const go = () => {
    if (!due) return;
    due = false;
    tick(app, run);
  };
  requestAnimationFrame(go);
  setTimeout(go, 100);
}

// One frame of play `run`. The clock is performance.now(): a slow frame shows more steps at once,
// never slows the animation down. After each frame the page idles as long as the frame took to
// draw, so that clicks and keys are answered at once however slow the drawing.
async function tick(app, run) {
  if (!app.playing || run !== clock.run) return;
  const now = performance.now();
  clock.carry += (Math.max(0, now - clock.last) / 1000) * Number($('speed').value);
  clock.last = now;
  const advance = Math.floor(clock.carry);
  if (advance > 0) {
    clock.carry -= advance;
    await setFrame(app, app.frame + advance);
  }
  if (!app.playing || run !== clock.run) return;
  if (app.frame >= Number($('frame').max)) {
    app.playing = false;
    updateFrameLabel(app);
    return;
  }
  setTimeout(() => schedule(app, run), performance.now() - now);
}

function play(app) {
  clock.run += 1;
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
  schedule(app, clock.run);
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
