// End-to-end tests of the lessons (/lessons/N): the real `descent serve` and Debian's chromium,
// headless. Each chapter's figures appear, its "try this" prompts change them as the text says,
// and its address reloads to the same state. DESCENT_BIN names the program (CTest passes it);
// screenshots of every chapter at 1440 and 400 px go to DESCENT_SCREENSHOTS when set.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execFileSync } from 'node:child_process';
import { displayNumber } from '../js/state.js';
import { launchChromium, plotPixelsPerUnit, startServer } from './browser.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '..');
const bin = process.env.DESCENT_BIN;
const shots = process.env.DESCENT_SCREENSHOTS ?? fs.mkdtempSync(path.join(os.tmpdir(), 'descent-lessons-'));

let server, context, page, base;
const problems = [];

before(async () => {
  assert.ok(bin, 'DESCENT_BIN must name the descent program');
  // Chapter 6 shows a trained network: a small one, trained and surveyed here (about a second).
  const net = fs.mkdtempSync(path.join(os.tmpdir(), 'descent-network-'));
  execFileSync(bin, ['train', '--train-limit', '2000', '--test-limit', '300', '--hidden', '32', '--epochs', '4',
    '--batch', '100', '-o', 'sgd:lr=0.1', '-o', 'adam:lr=0.003', '--sharpness-every', '10',
    '--sharpness-images', '500', '--no-plots', '--out', net], { stdio: 'ignore' });
  execFileSync(bin, ['landscape', '--from', net, '--grid', '15', '--images', '2000', '--test-images', '300',
    '--no-plots'], { stdio: 'ignore' });
  ({ server, base } = await startServer(bin, ['--web', webDir, '--network', net]));
  context = await launchChromium();
  page = context.pages()[0] ?? (await context.newPage());
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
});

after(async () => {
  await context?.close();
  server?.kill('SIGTERM');
});

// A number as the page's notes write it (state.js displayNumber), for matching them.
const S_num = (v) => displayNumber(v).replace(/[.+]/g, (c) => `\\${c}`);
const renders = () => page.evaluate(() => window.__lessons.renders);
const settled = (n = 0) => page.waitForFunction((k) => window.__lessons && window.__lessons.renders > k && !window.__lessons.busy, n, { polling: 50 });
const answer = () => page.evaluate(() => JSON.parse(JSON.stringify(window.__lessons.answer)));
const values = () => page.evaluate(() => ({ ...window.__lessons.values }));

async function open(address) {
  await page.goto(base + address.replace(/^\//, ''));
  await settled();
}

async function tryThis(k) {
  const n = await renders();
  await page.locator(`#try-${k}`).click();
  await settled(n);
}

// The figures a chapter shows, each with its number of traces.
const shown = () => page.evaluate(() => ['contour', 'loss', 'phase', 'tuning', 'netsurface', 'netline', 'sharpness']
  .filter((f) => !document.getElementById(`fig-${f}`).hidden)
  .map((f) => [f, document.getElementById(f).data?.length ?? 0]));

// The address reloads to the same chapter and settings.
async function reloads() {
  const url = page.url(), before = await values();
  await page.goto('about:blank');
  await page.goto(url);
  await settled();
  assert.deepEqual(await values(), before);
}

async function shoot(name) {
  await page.screenshot({ path: path.join(shots, `lesson-${name}.png`), fullPage: true });
}

test('the lessons are served at /lessons/N, and preload every module they import', async () => {
  for (const [address, status] of [['lessons', 200], ['lessons/3', 200], ['lessons/x', 404]])
    assert.equal((await fetch(base + address)).status, status, address);
  // The modules lessons.js imports, followed through their imports.
  const seen = new Set(), todo = ['lessons.js'];
  while (todo.length) {
    const f = todo.pop();
    for (const m of fs.readFileSync(path.join(webDir, 'js', f), 'utf8').matchAll(/^import .* from '\.\/(\S+\.js)';$/gm))
      if (!seen.has(m[1])) { seen.add(m[1]); todo.push(m[1]); }
  }
  await open('/lessons/1');
  const preloaded = await page.evaluate(() =>
    [...document.querySelectorAll('link[rel="modulepreload"]')].map((l) => new URL(l.href).pathname));
  assert.deepEqual(preloaded.sort(), [...seen].map((f) => `/js/${f}`).sort());
});

test('1. the valley: past 2/λmax the zig-zag grows', async () => {
  await open('/lessons/1');
  assert.deepEqual((await shown()).map(([f]) => f), ['contour', 'loss']);
  assert.ok((await shown()).every(([, n]) => n > 0));
  let a = await answer();
  assert.equal(a.run.function, 'anisotropic:ratio=8,angle=0');
  assert.ok(a.run.results[0].metrics.final_loss < 1e-8, 'lr 0.1 converges');
  assert.match(await page.locator('#lesson-notes').textContent(), /stable for lr < 0\.125/);
  await shoot('1');
  await tryThis(1); // lr 0.13
  a = await answer();
  assert.equal((await values()).lr, 0.13);
  assert.ok(a.run.results[0].metrics.final_loss > a.run.results[0].loss[0], 'the loss grew');
  assert.match(page.url(), /\/lessons\/1\?ratio=8&lr=0\.13$/);
  await reloads();
  await tryThis(3); // the round bowl, lr 0.5: one step
  a = await answer();
  assert.equal(a.run.results[0].loss[1], 0);
  // The slider keeps the focus through the redraw, so the arrow keys go on moving it.
  await page.locator('#slide-lr').focus();
  for (let k = 0; k < 2; ++k) {
    const n = await renders(), before = (await values()).lr;
    await page.keyboard.press('ArrowLeft');
    await settled(n);
    assert.ok((await values()).lr < before);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'slide-lr');
  }
  // The lab opens on the same run.
  const lab = new URL(await page.locator('#to-lab').getAttribute('href'), base);
  assert.equal(lab.searchParams.get('f'), 'anisotropic:ratio=1');
  assert.equal(lab.searchParams.getAll('o')[0], `sgd:lr=${(await values()).lr}`);
});

test('2. momentum: alpha = 0.99 is still far from the minimum after 50 steps', async () => {
  await open('/lessons/2');
  assert.deepEqual((await shown()).map(([f]) => f), ['contour', 'phase']);
  let a = await answer();
  const atDefault = a.run.results[1].metrics.final_loss;
  assert.equal(a.phase.cells.length, 32 * 32);
  const names = await page.evaluate(() => document.getElementById('phase').data.map((t) => t.name));
  assert.ok(names.includes('lr·λmax = 2 + 2α') && names.includes('best (lr*, α*)'), names.join());
  await shoot('2');
  await tryThis(1); // alpha 0.99
  a = await answer();
  assert.equal((await values()).alpha, 0.99);
  assert.ok(a.run.results[1].metrics.final_loss > 1, `alpha 0.99: ${a.run.results[1].metrics.final_loss}`);
  assert.ok(a.run.results[1].metrics.final_loss > 100 * atDefault);
  await reloads();
  await tryThis(2); // the theory's best pair: within 1e-20 of the minimum in 50 steps
  a = await answer();
  assert.ok(a.run.results[1].metrics.final_loss < 1e-20, `${a.run.results[1].metrics.final_loss}`);
  const star = await page.evaluate(() => document.getElementById('phase').data.find((t) => t.name === 'your (lr, α)'));
  assert.deepEqual([star.x[0], star.y[0]], [0.1365, 0.2281]);
  assert.match(await page.locator('#to-lab').getAttribute('href'), /v=phase/);
});

test('3. RMSProp: turning the valley raises its steps to tol; momentum does not care', async () => {
  await open('/lessons/3');
  let a = await answer();
  const [m0, r0] = a.run.results.map((r) => r.metrics.steps_to_tol);
  await shoot('3');
  await tryThis(1); // 45 degrees
  a = await answer();
  const [m45, r45] = a.run.results.map((r) => r.metrics.steps_to_tol);
  assert.equal(m45, m0, 'momentum takes the same path, turned');
  assert.ok(r45 === null || r45 > r0, `RMSProp: ${r0} steps along the axes, ${r45} turned`);
  assert.match(page.url(), /angle=45/);
  await reloads();
});

test('the turned valley is drawn to scale: a unit of w1 and of w2 span the same pixels', async () => {
  await open('/lessons/3?angle=45&lr=0.05');
  const s = await plotPixelsPerUnit(page, 'contour');
  assert.ok(s.x > 20 && s.y > 20, JSON.stringify(s));
  assert.ok(Math.abs(s.x / s.y - 1) < 0.01, `w1 ${s.x.toFixed(2)} px per unit, w2 ${s.y.toFixed(2)}`);
});

test('4. Adam: the first step is lr per coordinate; beta1 = 0 drops the momentum', async () => {
  await open('/lessons/4');
  let a = await answer();
  const p = a.run.results[2].points;
  assert.ok(Math.abs(Math.abs(p[1][0] - p[0][0]) - 0.1) < 1e-9 && Math.abs(Math.abs(p[1][1] - p[0][1]) - 0.1) < 1e-9);
  // RMSProp, without the bias correction, first moves lr / sqrt(1 - beta) = 0.1 / sqrt(0.1).
  const q = a.run.results[1].points;
  assert.ok(Math.abs(Math.abs(q[1][0] - q[0][0]) - 0.1 / Math.sqrt(0.1)) < 1e-6, `${q[1][0] - q[0][0]}`);
  assert.match(await page.locator('#lesson-notes').textContent(), /RMSProp's moved w1 by 0\.3162/);
  const before = a.run.results[2].metrics.steps_to_tol;
  await shoot('4');
  await tryThis(1); // beta1 = 0
  a = await answer();
  assert.match(a.run.results[2].optimizer, /beta1=0,/);
  assert.ok(a.run.results[2].metrics.steps_to_tol < before, `${before} -> ${a.run.results[2].metrics.steps_to_tol}`);
  await reloads();
});

test('5. tuning: every curve on the function chosen', async () => {
  await open('/lessons/5');
  assert.deepEqual((await shown()).map(([f]) => f), ['tuning']);
  let a = await answer();
  assert.equal(a.tuning.curves.length, 6);
  assert.equal(a.tuning.function, 'anisotropic:ratio=8,angle=0');
  assert.match(await page.locator('#lesson-notes').textContent(), /Flat within 0\.1 over all six decades: cocob/);
  await shoot('5');
  await tryThis(1); // Rosenbrock
  a = await answer();
  assert.equal(a.tuning.function, 'rosenbrock:n=2');
  assert.match(page.url(), /fn=rosenbrock/);
  await reloads();
});

test('6. real networks: the planes of the trained network, its lines and its sharpness', async () => {
  await open('/lessons/6');
  assert.deepEqual(await shown(), [['netsurface', 3], ['netline', 4], ['sharpness', 3]]);
  assert.equal(await page.locator('#to-lab').isHidden(), true);
  const net = (await answer()).network;
  const start = net.landscape.lines[0];
  const notes = () => page.locator('#lesson-notes').textContent();
  // The plane of the start and two solutions: the start is its origin, drawn at the surface there.
  assert.match(await notes(), new RegExp(`The start lies on this plane: its loss is ${S_num(start.train_loss[start.t.indexOf(0)])}`));
  assert.match(await notes(), /sgd:lr=0\.1 reached its threshold 20 at step \d+|sgd:lr=0\.1: peak [\d.]+, below its threshold 20/);
  const z0 = () => page.evaluate(() => document.getElementById('netsurface').data[1].z[0]);
  const exactStart = await z0();
  await shoot('6');
  await tryThis(2); // the PCA plane: the start's projection, with its own loss beside
  assert.equal((await values()).plane, 'pca');
  const p = net.landscape.planes.pca.paths[0];
  assert.match(await notes(), new RegExp(`The start's own loss is ${S_num(p.loss[0])}; the plane at its projection shows ${S_num(p.plane_loss[0])}`));
  assert.notEqual(await z0(), exactStart);
  await tryThis(3); // a random plane on the test images: the surface is the test grid
  assert.deepEqual(await values(), { plane: 'random', images: 'test' });
  const z = await page.evaluate(() => document.getElementById('netsurface').data[0].z);
  assert.deepEqual(z, net.landscape.planes.random.test_loss);
  assert.match(page.url(), /\/lessons\/6\?plane=random&images=test/);
  await reloads();
});

test('a bad address falls back to the defaults and says why; the arrow keys change lessons', async () => {
  await open('/lessons/9?lr=abc&nope=1');
  const text = await page.locator('#problems').textContent();
  assert.match(text, /there is no lesson 9/);
  assert.match(text, /lr 'abc' is not a number/);
  assert.match(text, /no setting 'nope'/);
  assert.equal((await values()).lr, 0.1);
  await page.locator('#chapters a[aria-current="page"]').focus();
  await Promise.all([page.waitForURL(/\/lessons\/2/), page.keyboard.press('ArrowRight')]);
  await settled();
  assert.equal(await page.evaluate(() => window.__lessons.chapter), 2);
});

test('every chapter fits a 400 px wide screen', async () => {
  await page.setViewportSize({ width: 400, height: 900 });
  try {
    for (let k = 1; k <= 6; ++k) {
      await open(`/lessons/${k}`);
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 400, `lesson ${k}: ${wide} px wide`);
      await shoot(`${k}-narrow`);
    }
  } finally {
    await page.setViewportSize({ width: 1440, height: 1000 });
  }
});

test('the lessons logged no errors', () => {
  assert.deepEqual(problems, []);
});
