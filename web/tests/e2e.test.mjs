// End-to-end tests of the lab page: the real `descent serve` and Debian's chromium, headless,
// driven by playwright-core. DESCENT_BIN names the program (CTest passes it); screenshots go to
// DESCENT_SCREENSHOTS when set (scripts/make-doc-figures.sh uses docs/figures).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { launchChromium, plotPixelsPerUnit, startServer } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const bin = process.env.DESCENT_BIN;
const shots = process.env.DESCENT_SCREENSHOTS ?? fs.mkdtempSync(path.join(os.tmpdir(), 'descent-shots-'));

let server, context, page, base;
const problems = []; // console errors and uncaught exceptions of the page

before(async () => {
  assert.ok(bin, 'DESCENT_BIN must name the descent program');
  ({ server, base } = await startServer(bin, ['--web', webDir]));
  context = await launchChromium({ acceptDownloads: true });
  page = context.pages()[0] ?? (await context.newPage());
  // The 400s the tests provoke on purpose are shown on the page; the browser logs them as well.
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 400/.test(m.text())) problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
});

after(async () => {
  await context?.close();
  server?.kill('SIGTERM');
});

const renders = () => page.evaluate(() => window.__descent.renders);
const waitRender = (n) => page.waitForFunction((k) => window.__descent.renders > k && !window.__descent.busy, n);
const state = () => page.evaluate(() => JSON.parse(JSON.stringify(window.__descent.state)));
const shot = (name) => page.screenshot({ path: path.join(shots, `page-${name}.png`) });
// The x data of the contour's path trace of optimizer i.
const pathOf = (i) => page.evaluate((k) => {
  const d = document.getElementById('contour').data;
  return { x: [...d[3 + 2 * k].x], y: [...d[3 + 2 * k].y] };
}, i);

// Waits that poll on a timer: by default playwright polls on the page's animation frames, which a
// headless browser under load may stop painting for a while.
const poll = { polling: 50 };

// Resolves once the page has had `n` chances to move its player: n animation frames, or n of the
// player's 100 ms fallback timers where the browser paints no frames.
const playerChances = (n) => page.evaluate((k) => new Promise((done) => {
  let left = k;
  const next = () => (--left <= 0 ? done() : requestAnimationFrame(next));
  requestAnimationFrame(next);
  setTimeout(done, 100 * k + 50);
}), n);

// Clicks the contour map at the point (w1, w2) and waits for the page to redraw.
async function clickContourAt(point) {
  const xy = await page.evaluate(([x, y]) => {
    const gd = document.getElementById('contour');
    const L = gd._fullLayout, r = gd.getBoundingClientRect();
    return [r.left + L.xaxis._offset + L.xaxis.l2p(x), r.top + L.yaxis._offset + L.yaxis.l2p(y)];
  }, point);
  const n = await renders();
  await page.mouse.click(xy[0], xy[1]);
  await waitRender(n);
}

async function load(query = '') {
  await page.goto(base + query);
  await page.waitForFunction(() => window.__descent && window.__descent.renders > 0 && !window.__descent.busy);
}

test('the page opens on the seed experiment and draws it', async () => {
  await load();
  assert.equal(await page.locator('#metrics tbody tr').count(), 3);
  const labels = await page.locator('#metrics tbody td:first-child').allTextContents();
  assert.deepEqual(labels, ['sgd:lr=0.1', 'momentum:lr=0.1,alpha=0.9', 'rmsprop:lr=0.1,beta=0.9']);
  assert.match(await page.locator('#formula').textContent(), /w1\^2 \+ 8\*w2\^2/);
  assert.match(await page.locator('#theory-body').textContent(), /condition number κ8/);
  // The contour holds the surface, minimum, start, and a path, head and answer ring (empty but
  // for a method whose answer is not its last point) per optimizer.
  assert.equal(await page.evaluate(() => document.getElementById('contour').data.length), 3 + 3 * 3);
  const p = await pathOf(0);
  assert.equal(p.x.length, 51);
  assert.deepEqual([p.x[0], p.y[0]], [1, 1]);
  assert.deepEqual([p.x[1], p.y[1]], [0.8, -0.6000000000000001]); // sgd: w - 0.1*(2w1, 16w2)
  await shot('contour');
});

test('the page preloads every module of js/', async () => {
  const modules = fs.readdirSync(path.join(webDir, 'js'))
    .filter((f) => f.endsWith('.js') && f !== 'app.js' && !f.startsWith('lesson')); // lesson*.js: the lessons' own
  const preloaded = await page.evaluate(() =>
    [...document.querySelectorAll('link[rel="modulepreload"]')].map((l) => new URL(l.href).pathname));
  assert.deepEqual(preloaded.sort(), modules.map((f) => `/js/${f}`).sort());
});

test('the metrics table shows what the engine answered', async () => {
  const run = await page.evaluate(() => window.__descent.run);
  const rows = await page.locator('#metrics tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
  run.results.forEach((r, i) => {
    assert.equal(rows[i][0], r.label);
    assert.equal(rows[i][1], r.termination);
    const v = r.metrics.final_loss;
    assert.equal(Number(rows[i][2]).toPrecision(3), v.toPrecision(3), `final loss of ${r.label}`);
    assert.equal(rows[i][4], r.metrics.steps_to_tol === null ? 'not reached' : String(r.metrics.steps_to_tol));
  });
  // The seed's finding: sgd and rmsprop reach 1e-6, momentum (alpha 0.9) does not in 50 steps.
  assert.equal(rows[0][4], '31');
  assert.equal(rows[1][4], 'not reached');
  assert.equal(rows[2][4], '19');
});

test('moving a slider changes the paths and the URL', async () => {
  const before = await pathOf(0);
  const n = await renders();
  const lr = page.locator('.opt[data-index="0"] input[type="range"][data-param="lr"]');
  await lr.fill('550'); // log slider over [1e-4, 10]: 1e-4 * 10^(5 * 0.55)
  await waitRender(n);
  const after = await pathOf(0);
  assert.notDeepEqual(after.x, before.x);
  assert.equal(await page.locator('.opt[data-index="0"] input[type="number"][data-param="lr"]').inputValue(), '0.05623');
  assert.match(decodeURIComponent(page.url()), /o=sgd:lr=0\.05623/);
  assert.deepEqual([after.x[1], after.y[1]], [1 - 0.05623 * 2, 1 - 0.05623 * 16]);
  // The anisotropic ratio is a slider too.
  const m = await renders();
  await page.locator('#function-params input[type="number"][data-param="ratio"]').fill('2');
  await page.locator('#function-params input[type="number"][data-param="ratio"]').press('Enter');
  await waitRender(m);
  assert.equal((await state()).fn, 'anisotropic:ratio=2');
  assert.match(await page.locator('#formula').textContent(), /w1\^2 \+ 2\*w2\^2/);
});

test('picking a function redraws everything', async () => {
  const n = await renders();
  await page.locator('#function').selectOption('rosenbrock');
  await waitRender(n);
  assert.equal((await state()).fn, 'rosenbrock');
  assert.match(await page.locator('#formula').textContent(), /100\*\(w2 - w1\^2\)\^2/);
  assert.equal(await page.locator('#start-x').inputValue(), '-1.2');
  const p = await pathOf(1);
  assert.deepEqual([p.x[0], p.y[0]], [-1.2, 1]);
  await shot('rosenbrock');
});

test('a typed expression shows the parser error inline, then runs', async () => {
  let n = await renders();
  await page.locator('#function').selectOption('__expression');
  await waitRender(n);
  assert.equal((await state()).fn, 'w1^2 + 8*w2^2');
  await page.locator('#expression').fill('w1^2 +* w2');
  await page.waitForFunction(() => !document.getElementById('expression-error').hidden);
  assert.match(await page.locator('#expression-error').textContent(), /function: .*column/);
  await shot('expression-error');
  n = await renders();
  await page.locator('#expression').fill('(w1 - 1)^2 + 4*(w2 + 0.5)^2');
  await waitRender(n);
  assert.equal(await page.locator('#expression-error').isHidden(), true);
  assert.equal((await state()).fn, '(w1 - 1)^2 + 4*(w2 + 0.5)^2');
  assert.match(await page.locator('#theory-body').textContent(), /\(1, -0\.5\)|at\(/);
});

test('clicking the contour sets the start', async () => {
  await load('?f=anisotropic&o=sgd&o=momentum&o=rmsprop');
  const target = [0.5, -1.5];
  await clickContourAt(target);
  const start = (await state()).start;
  // One pixel of a 4-unit-wide plot is under 0.01.
  assert.ok(Math.abs(start[0] - target[0]) < 0.01 && Math.abs(start[1] - target[1]) < 0.01, `start ${start}`);
  const p = await pathOf(0);
  assert.deepEqual([p.x[0], p.y[0]], start);
  assert.equal(Number(await page.locator('#start-x').inputValue()), start[0]);
  assert.match(decodeURIComponent(page.url()), new RegExp(`s=${start[0]},${start[1]}`));
});

test('the animation plays, pauses and steps', async () => {
  // The paths are drawn after the frame changes: each wait is on the frame and the drawn path.
  const shown = (frame, i = 0) => page.waitForFunction(([f, k]) => window.__descent.frame === f &&
    document.getElementById('contour').data[3 + 2 * k].x.length === f + 1, [frame, i], poll);
  await page.locator('#rewind').click();
  await shown(0);
  assert.equal(await page.locator('#frame-label').textContent(), 'step 0 / 50');
  await page.locator('#speed').selectOption('30');
  await page.locator('#play').click();
  await page.waitForFunction(() => window.__descent.frame >= 10, null, poll);
  await page.locator('#play').click(); // pause
  // Wait on the state the click leads to, never on time: a loaded machine may take a while.
  await page.waitForFunction(() => !window.__descent.playing && document.querySelector('#play').textContent === 'Play', null, poll);
  const paused = await page.evaluate(() => window.__descent.frame);
  assert.ok(paused < 50, `the pause came at step ${paused}, after the end`);
  await shown(paused);
  await playerChances(10);
  assert.equal(await page.evaluate(() => window.__descent.frame), paused, 'paused means paused');
  await page.locator('#step').click();
  await shown(paused + 1, 1);
  await shot('animation');
  await page.locator('#play').click();
  await page.waitForFunction(() => !window.__descent.playing, null, poll);
  await shown(50);
});

test('adding and removing optimizers', async () => {
  // The menu groups the registry's optimizers by family.
  const groups = await page.locator('#add-name optgroup').evaluateAll((gs) => gs.map((g) => g.label));
  assert.deepEqual(groups, ['classic', 'adaptive', 'sign-based', 'lr-free', 'second-order', 'layer-wise']);
  assert.equal(await page.locator('#add-name optgroup[label="lr-free"] option[value="schedule_free_adamw"]').count(), 1);
  await page.locator('#add-name').selectOption('adam');
  let n = await renders();
  await page.locator('#add').click();
  await waitRender(n);
  assert.equal(await page.locator('#metrics tbody tr').count(), 4);
  assert.equal(await page.locator('.opt').count(), 4);
  // Controls come from the registry: adam's lr default and its hidden settings.
  assert.equal(await page.locator('.opt[data-index="3"] input[type="number"][data-param="lr"]').inputValue(), '0.001');
  assert.equal(await page.locator('.opt[data-index="3"] input[type="checkbox"][data-param="amsgrad"]').count(), 1);
  n = await renders();
  await page.locator('.opt[data-index="3"] .remove').click();
  await waitRender(n);
  assert.equal(await page.locator('#metrics tbody tr').count(), 3);
});

test('the theory panel applies the optimal momentum', async () => {
  await load('?f=anisotropic&o=sgd&o=momentum&o=rmsprop');
  assert.match(await page.locator('#theory-body').textContent(), /lr < 0\.125/);
  assert.match(await page.locator('.opt[data-index="1"] .note').textContent(), /stable/);
  const n = await renders();
  await page.locator('#apply-momentum').click();
  await waitRender(n);
  const spec = (await state()).opts[1];
  assert.match(spec, /^momentum:lr=0\.136455,alpha=0\.228094$/);
  const steps = await page.locator('#metrics tbody tr:nth-child(2) td:nth-child(5)').textContent();
  assert.ok(Number(steps) > 0 && Number(steps) < 31, `momentum at (lr*, alpha*) needs ${steps} steps`);
  await shot('theory');
});

test('the URL holds the whole state', async () => {
  const url = page.url();
  const before = await state();
  await page.goto('about:blank');
  await page.goto(url);
  await page.waitForFunction(() => window.__descent && window.__descent.renders > 0 && !window.__descent.busy);
  assert.deepEqual(await state(), before);
  // A malformed address falls back to the defaults and says why.
  await load('?n=ten&o=nothing&v=sideways');
  const text = await page.locator('#problems').textContent();
  assert.match(text, /steps 'ten'/);
  assert.match(text, /optimizer 'nothing' is not in the registry/);
  assert.match(text, /view 'sideways'/);
  assert.deepEqual((await state()).opts, ['sgd', 'momentum', 'rmsprop']);
  // The inputs and the address are held to the API's own limits, read from GET /api/limits.
  const limits = (await (await fetch(`${base}api/limits`)).json()).limits;
  assert.equal(await page.locator('#steps').getAttribute('max'), String(limits.max_steps));
  assert.equal(await page.locator('#phase-steps').getAttribute('max'), String(limits.max_sweep_steps));
  await load(`?n=${limits.max_steps + 1}&` + 'o=sgd&'.repeat(limits.max_optimizers + 1));
  const over = await page.locator('#problems').textContent();
  assert.match(over, new RegExp(`not a whole number in \\[1, ${limits.max_steps}\\]`));
  assert.match(over, new RegExp(`only the first ${limits.max_optimizers} optimizers`));
});

test('the 3-D surface draws with the paths', async () => {
  await load('?f=anisotropic&o=sgd&o=momentum&o=rmsprop&v=surface');
  await page.waitForFunction(() => document.querySelector('#surface canvas') !== null &&
    document.getElementById('surface').data?.length === 4);
  const traces = await page.evaluate(() => document.getElementById('surface').data.map((d) => d.type));
  assert.deepEqual(traces, ['surface', 'scatter3d', 'scatter3d', 'scatter3d']);
  const text = await page.locator('#view-surface').textContent();
  assert.doesNotMatch(text, /WebGL is not supported/);
  await shot('surface');
  // The player moves the paths on the surface too.
  const points = () => page.evaluate(() => document.getElementById('surface').data.slice(1).map((d) => d.x.length));
  assert.deepEqual(await points(), [51, 51, 51]);
  await page.locator('#rewind').click();
  assert.deepEqual(await points(), [1, 1, 1]);
  await page.locator('#step').click();
  await page.locator('#step').click();
  assert.deepEqual(await points(), [3, 3, 3]);
  const z = await page.evaluate(() => document.getElementById('surface').data[1].z);
  assert.equal(z[0], 9); // sgd's loss at the start (1, 1): 1 + 8
});

test('the phase diagram maps two settings and marks the theory', async () => {
  await load('?f=anisotropic&o=sgd&o=momentum&o=rmsprop&v=phase&p=1,lr,alpha,40,steps_to_tol');
  await page.waitForFunction(() => window.__descent.phaseRenders > 0);
  const d = await page.evaluate(() => document.getElementById('phase').data.map((t) => ({ type: t.type, name: t.name, n: t.z?.length })));
  assert.equal(d[0].type, 'heatmap');
  assert.equal(d[0].n, 40);
  assert.ok(d.some((t) => /stability limit/.test(t.name)));
  assert.ok(d.some((t) => /theory optimum/.test(t.name)));
  const note = await page.locator('#phase-note').textContent();
  assert.match(note, /1000 steps, 40×40 settings/);
  // With 1000 steps the settings well past the stability limit lr*lambda_max = 2 + 2*alpha
  // (lambda_max = 16 here) overflow and show as diverged, and none inside it does. (Just past the
  // limit the growth per step is slow: at alpha 0 and 1.1 times the limit, 1.2^1000 stays finite.)
  const blown = Number(note.match(/(\d+) diverge/)[1]);
  assert.ok(blown > 100, note);
  const wrong = await page.evaluate(() => {
    const [heat, red] = document.getElementById('phase').data;
    let n = 0;
    heat.y.forEach((alpha, j) => heat.x.forEach((lr, i) => {
      const limit = (2 + 2 * alpha) / 16;
      const diverged = red.z[j][i] === 1;
      if ((lr < 0.9 * limit && diverged) || (lr > 1.5 * limit && !diverged)) ++n;
    }));
    return n;
  });
  assert.equal(wrong, 0, 'diverged cells lie where the theory puts the limit');
  await shot('phase');
  // Choosing the metric recomputes it.
  const k = await page.evaluate(() => window.__descent.phaseRenders);
  await page.locator('#phase-metric').selectOption('final_loss');
  await page.waitForFunction((n) => window.__descent.phaseRenders > n, k);
  assert.match(page.url(), /final_loss/);
});

test('the tuning view draws every optimizer against its learning rate', async () => {
  await load('?f=anisotropic&o=sgd&o=momentum&o=cocob&v=tuning&u=13,100');
  await page.waitForFunction(() => window.__descent.tuningRenders > 0);
  const d = await page.evaluate(() => document.getElementById('tuning').data.map((t) => ({
    name: t.name, n: t.x.length, dash: t.line?.dash, x: t.x, y: t.y })));
  assert.deepEqual(d.map((t) => t.name), ['sgd:lr=0.1', 'momentum:lr=0.1,alpha=0.9', 'cocob:lr=1,alpha=100', 'at the defaults']);
  assert.deepEqual(d.slice(0, 3).map((t) => t.n), [13, 13, 13]);
  assert.equal(d[2].dash, 'dash'); // learning-rate-free
  assert.ok(Math.abs(d[0].x[0] - 1e-4) < 1e-12 && Math.abs(d[0].x[12] - 100) < 1e-9, `x ${d[0].x}`);
  for (const t of d) assert.ok(t.y.every((v) => v >= 0 && v <= 1), `${t.name}: ${t.y}`);
  // The scores are the API's: some optimizer reaches 1, and SGD well past its stability limit
  // (lr 0.125 on this valley) scores 0.
  assert.ok(d.slice(0, 3).some((t) => t.y.some((v) => v === 1)));
  const a = await page.evaluate(() => window.__descent.tuningAnswer);
  a.curves[0].lr.forEach((lr, k) => { if (lr > 0.3) assert.equal(a.curves[0].score[k], 0, `sgd lr ${lr}`); });
  const note = await page.locator('#tuning-note').textContent();
  assert.match(note, /100 steps, 13 learning rates each/);
  assert.match(note, /cocob:lr=1,alpha=100 ≥ 6\.0 decades/);
  await shot('tuning');
  // Fewer learning rates recompute it and go into the address.
  const k = await page.evaluate(() => window.__descent.tuningRenders);
  await page.locator('#tuning-points').fill('7');
  await page.locator('#tuning-points').dispatchEvent('change');
  await page.waitForFunction((n) => window.__descent.tuningRenders > n, k);
  assert.match(page.url(), /u=7%2C100/);
  assert.equal((await page.evaluate(() => document.getElementById('tuning').data[0].x.length)), 7);
});

const pixelsPerUnit = (id) => plotPixelsPerUnit(page, id);

test('the contour is drawn to scale: a unit of w1 and of w2 span the same pixels', async () => {
  await load('?f=anisotropic:angle=45&o=sgd');
  const s = await pixelsPerUnit('contour');
  assert.ok(s.x > 20 && s.y > 20, JSON.stringify(s));
  assert.ok(Math.abs(s.x / s.y - 1) < 0.01, `w1 ${s.x.toFixed(2)} px per unit, w2 ${s.y.toFixed(2)}`);
  // Clicking still lands where the pointer is, now that the plot area is narrower than the panel.
  const target = [-1, 0.5];
  await clickContourAt(target);
  const start = (await state()).start;
  assert.ok(Math.abs(start[0] - target[0]) < 0.02 && Math.abs(start[1] - target[1]) < 0.02, `start ${start}`);
});

test('the view tabs follow the arrow keys, Home and End', async () => {
  await load('?f=anisotropic&o=sgd&o=momentum');
  const selected = () => page.evaluate(() => ({
    view: window.__descent.state.view,
    focused: document.activeElement.dataset.view,
    selected: [...document.querySelectorAll('[role="tab"][aria-selected="true"]')].map((t) => t.dataset.view),
    stops: [...document.querySelectorAll('[role="tab"]')].filter((t) => t.tabIndex === 0).map((t) => t.dataset.view),
    shown: [...document.querySelectorAll('[role="tabpanel"]')].filter((p) => !p.hidden).map((p) => p.id),
  }));
  const expect = async (view) => assert.deepEqual(await selected(),
    { view, focused: view, selected: [view], stops: [view], shown: [`view-${view}`] });
  await page.locator('#tab-contour').focus();
  await page.keyboard.press('ArrowRight');
  await expect('surface');
  await page.keyboard.press('ArrowRight');
  await expect('phase');
  await page.keyboard.press('ArrowRight');
  await expect('tuning');
  await page.keyboard.press('ArrowRight'); // wraps round
  await expect('contour');
  await page.keyboard.press('ArrowLeft');
  await expect('tuning');
  await page.keyboard.press('Home');
  await expect('contour');
  await page.keyboard.press('End');
  await expect('tuning');
  assert.match(page.url(), /v=tuning/);
  // Tab leaves the tab list from the selected tab.
  await page.keyboard.press('Home');
  await page.keyboard.press('Tab');
  assert.notEqual(await page.evaluate(() => document.activeElement.getAttribute('role')), 'tab');
});

test('the phase diagram colours on a log scale, as the CLI does', async () => {
  await load('?f=anisotropic&o=sgd&o=momentum&v=phase&p=1,lr,alpha,24,steps_to_tol');
  await page.waitForFunction(() => window.__descent.phaseRenders > 0);
  const { cells, heat, ny } = await page.evaluate(() => {
    const a = window.__descent.phaseAnswer, h = document.getElementById('phase').data[0];
    return { cells: a.cells, heat: { z: h.z, title: h.colorbar.title.text, reverse: h.reversescale ?? false,
      ticks: h.colorbar.ticktext }, ny: a.axes[1].values.length };
  });
  const reached = cells.filter((c) => !c.diverged && c.median !== null).map((c) => c.median);
  const lo = Math.min(...reached), hi = Math.max(...reached);
  assert.ok(hi > 10 * lo, `steps to tol from ${lo} to ${hi}: more than a decade, so log`);
  assert.equal(heat.title, 'steps to tol (log)');
  assert.equal(heat.reverse, false, 'viridis from few (dark) to many (yellow), as the CLI');
  let checked = 0;
  cells.forEach((c, k) => {
    const z = heat.z[k % ny][Math.floor(k / ny)];
    if (c.diverged || c.median === null) return assert.equal(z, null);
    assert.ok(Math.abs(z - Math.log10(c.median)) < 1e-12, `cell ${k}: ${z} for ${c.median}`);
    ++checked;
  });
  assert.equal(checked, reached.length);
  // The converging wedge is not one colour: its cells spread over the scale's upper and lower halves.
  const t = reached.map((v) => (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)));
  assert.ok(t.filter((x) => x < 0.5).length > reached.length / 10 && t.filter((x) => x >= 0.5).length > reached.length / 10,
    `colour positions ${t.map((x) => x.toFixed(2)).join(' ')}`);
  assert.ok(heat.ticks.includes('100'), heat.ticks.join(' '));
});

test('the page fits a 400 px wide screen, the contour still to scale', async () => {
  await page.setViewportSize({ width: 400, height: 800 });
  try {
    for (const view of ['contour', 'phase']) {
      await load(`?f=anisotropic:angle=45&o=sgd&o=momentum&v=${view}&p=1,lr,alpha,16,steps_to_tol`);
      if (view === 'phase') await page.waitForFunction(() => window.__descent.phaseRenders > 0);
      const w = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth, view: window.innerWidth,
        wide: [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > window.innerWidth + 0.5 &&
          !e.closest('.metrics')).map((e) => e.id || e.className?.baseVal || e.className || e.tagName).slice(0, 8),
      }));
      assert.ok(w.scroll <= w.view, `${view}: scrollWidth ${w.scroll} > ${w.view}; too wide: ${w.wide.join(', ')}`);
      await page.screenshot({ path: path.join(shots, `page-narrow-${view}.png`), fullPage: true });
    }
    await load('?f=anisotropic:angle=45&o=sgd');
    const s = await pixelsPerUnit('contour');
    assert.ok(Math.abs(s.x / s.y - 1) < 0.01, `w1 ${s.x.toFixed(2)} px per unit, w2 ${s.y.toFixed(2)}`);
  } finally {
    await page.setViewportSize({ width: 1440, height: 1000 });
  }
});

test('exports: PNG, CSV and JSON of the current run', async () => {
  await load('?f=anisotropic&o=sgd&o=momentum&n=20');
  const save = async (button) => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
    return { name: download.suggestedFilename(), data: fs.readFileSync(await download.path()) };
  };
  const csv = await save('#export-csv');
  assert.equal(csv.name, 'descent-run.csv');
  const lines = csv.data.toString().trim().split('\n');
  assert.equal(lines[0], 'optimizer,step,loss,w1,w2');
  assert.equal(lines.length, 1 + 2 * 21);
  assert.equal(lines[1], '"sgd:lr=0.1,weight_decay=0",0,9,1,1');
  const json = await save('#export-json');
  const j = JSON.parse(json.data.toString());
  assert.deepEqual(j.request.optimizers, ['sgd', 'momentum']);
  assert.equal(j.response.results[1].points.length, 21);
  const png = await save('#export-png');
  assert.equal(png.name, 'descent-contour.png');
  assert.deepEqual([...png.data.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  assert.ok(png.data.length > 10000);
});

test('the CSV export reads back with descent plot', async () => {
  await load('?f=rosenbrock&o=sgd:lr=0.001&o=adam:lr=0.05&n=30');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-csv').click()]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-export-'));
  const csv = path.join(dir, 'descent-run.csv');
  await download.saveAs(csv);
  const plot = (...args) => spawnSync(bin, ['plot', csv, ...args], { encoding: 'utf8' });
  const ok = plot('--function', 'rosenbrock', '--kind', 'contour', '--out', path.join(dir, 'contour.png'));
  assert.equal(ok.status, 0, ok.stderr);
  assert.match(ok.stdout, /wrote .*contour\.png/);
  const png = fs.readFileSync(path.join(dir, 'contour.png'));
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
  // The rows are the page's run: the same points and losses the engine answered.
  const run = await page.evaluate(() => window.__descent.run);
  const rows = fs.readFileSync(csv, 'utf8').trim().split('\n').slice(1);
  assert.equal(rows.length, run.results.reduce((n, r) => n + r.points.length, 0));
  // The loss column is checked against the function: the same file over another one is refused.
  const wrong = plot('--function', 'anisotropic', '--out', path.join(dir, 'wrong'));
  assert.equal(wrong.status, 2);
  assert.match(wrong.stderr, /descent-run\.csv:2: the file's loss 24\.[0-9]+ \(optimizer 'sgd:lr=0\.001.*, step 0\) is not the loss of function 'anisotropic.* which is 9\.[0-9]+/);
  fs.rmSync(dir, { recursive: true });
});

test("a method's own answer is drawn where its path ends", async () => {
  // Schedule-Free takes its gradients at y; its answer is its average x, a ring on the map.
  await load('?o=schedule_free_sgd:lr=0.05&o=sgd&n=40');
  const rings = await page.evaluate(() => document.getElementById('contour').data
    .filter((t) => / its answer x$/.test(t.name)).map((t) => ({ n: t.x.length, legend: t.showlegend })));
  assert.deepEqual(rings, [{ n: 1, legend: true }, { n: 0, legend: false }]);
  // The metrics give the answer's loss beside the last point's.
  const finals = await page.locator('#metrics tbody td:nth-child(3)').allTextContents();
  assert.match(finals[0], /^\S+ \(x: \S+\)$/);
  assert.doesNotMatch(finals[1], /x:/);
  await shot('answer');
});

test('a wrapper goes around an optimizer from its card', async () => {
  await load('?o=sgd:lr=0.05&n=40');
  // The card's second menu lists the registry's wrappers after "no wrapper".
  const options = await page.locator('.opt[data-index="0"] select.around option')
    .evaluateAll((os) => os.map((o) => o.value));
  assert.equal(options[0], '');
  assert.ok(options.includes('lookahead') && options.includes('sam'), options.join());
  let n = await renders();
  await page.locator('.opt[data-index="0"] select.around').selectOption('lookahead');
  await waitRender(n);
  assert.equal((await state()).opts[0], 'lookahead/sgd:lr=0.05');
  // Its own settings, kept beside the optimizer's when either changes.
  n = await renders();
  const k = page.locator('.opt[data-index="0"] input[type="number"][data-param="sync_period"]');
  await k.fill('3');
  await k.press('Enter');
  await waitRender(n);
  assert.equal((await state()).opts[0], 'lookahead:sync_period=3/sgd:lr=0.05');
  n = await renders();
  const lr = page.locator('.opt[data-index="0"] input[type="number"][data-param="lr"]');
  await lr.fill('0.08');
  await lr.press('Enter');
  await waitRender(n);
  assert.equal((await state()).opts[0], 'lookahead:sync_period=3/sgd:lr=0.08');
  // Lookahead's answer, its slow weights, is a ring where the path ends.
  const rings = await page.evaluate(() => document.getElementById('contour').data
    .filter((t) => / its answer x$/.test(t.name)).map((t) => t.x.length));
  assert.deepEqual(rings, [1]);
  await shot('wrapper');
});

test('the page logged no errors', () => {
  assert.deepEqual(problems, []);
});
