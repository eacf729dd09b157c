// Times the lab page (or a lesson, with --path /lessons/N) in Debian's chromium: from navigation
// to the first paint and to the first drawn run (a lesson's first drawn figures), the first load
// (an empty cache) apart from the later ones (what the browser kept), and how long each file took
// to arrive and its bytes on the wire on the first load (the browser's resource timing), over
// several loads of one browser.
//   node bench/page_load.mjs build/release/apps/descent [--loads 5] [--path /lessons/1]
//                            [--network DIR]   (the training folder lesson 6 shows)
// Needs web/node_modules (npm ci --prefix web) and /usr/bin/chromium.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { launchChromium, startServer } = await import(path.join(root, 'web', 'tests', 'browser.mjs'));
const bin = process.argv[2];
const loadsAt = process.argv.indexOf('--loads');
const loads = loadsAt > 0 ? Number(process.argv[loadsAt + 1]) : 5;
const pathAt = process.argv.indexOf('--path');
const where = pathAt > 0 ? process.argv[pathAt + 1] : '/';
const networkAt = process.argv.indexOf('--network');
const network = networkAt > 0 ? ['--network', process.argv[networkAt + 1]] : [];
const lesson = where.startsWith('/lessons');
if (!bin || !(loads >= 1)) {
  console.error('usage: node bench/page_load.mjs PATH/TO/descent [--loads N] [--path /lessons/N]');
  process.exit(2);
}

const { server, base } = await startServer(bin, network);
const context = await launchChromium();
const page = context.pages()[0] ?? (await context.newPage());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const totals = [], paints = [], firsts = [], files = {};
try {
  for (let i = 0; i < loads; ++i) {
    const t0 = Date.now();
    await page.goto(base + where.replace(/^\//, ''));
    if (lesson) {
      await page.waitForFunction(() => window.__lessons && window.__lessons.renders > 0 && !window.__lessons.busy);
      firsts.push(Math.round(await page.evaluate(() => window.__lessons.firstFigure)));
    }
    else
      await page.waitForFunction(() => window.__descent && window.__descent.renders > 0 && !window.__descent.busy);
    totals.push(Date.now() - t0);
    paints.push(await page.evaluate(() =>
      Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? NaN)));
    const entries = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => [new URL(e.name).pathname, e.duration, e.transferSize]));
    for (const [name, ms, bytes] of entries) (files[name] ??= { ms: [], bytes }).ms.push(ms);
  }
  console.log(`${lesson ? `lesson ${where}` : 'lab page'}, first load (empty cache): first paint ${paints[0]} ms, first drawn ${lesson ? 'figures' : 'run'} ${totals[0]} ms`);
  if (loads > 1)
    console.log(`later ${loads - 1} loads: first paint median ${median(paints.slice(1))} ms, first drawn ${lesson ? "figures" : "run"} ` +
      `median ${median(totals.slice(1))} ms (min ${Math.min(...totals.slice(1))}, max ${Math.max(...totals.slice(1))})`);
  if (lesson)
    console.log(`first figure: first load ${firsts[0]} ms` +
      (loads > 1 ? `, later loads median ${median(firsts.slice(1))} ms` : ''));
  for (const [name, f] of Object.entries(files))
    console.log(`  ${name.padEnd(36)} median ${median(f.ms).toFixed(0).padStart(5)} ms, first load ${String(f.bytes).padStart(8)} bytes`);
} finally {
  await context.close();
  server.kill('SIGTERM');
}
