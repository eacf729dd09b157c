// Times the lab page in Debian's chromium: from navigation to the first drawn run, and how long
// each file took to arrive (the browser's resource timing), over several loads of one browser.
//   node bench/page_load.mjs build/release/apps/descent [--loads 5]
// Needs web/node_modules (npm ci --prefix web) and /usr/bin/chromium.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { chromium } = createRequire(path.join(root, 'web', 'package.json'))('playwright-core');
const bin = process.argv[2];
const loadsAt = process.argv.indexOf('--loads');
const loads = loadsAt > 0 ? Number(process.argv[loadsAt + 1]) : 5;
if (!bin || !(loads >= 1)) {
  console.error('usage: node bench/page_load.mjs PATH/TO/descent [--loads N]');
  process.exit(2);
}

const server = spawn(bin, ['serve', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const base = await new Promise((resolve, reject) => {
  let out = '';
  server.stdout.on('data', (d) => {
    out += d;
    const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
    if (m) resolve(m[0]);
  });
  server.on('exit', (code) => reject(new Error(`descent serve exited with ${code}`)));
});
const context = await chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'descent-bench-')), {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1440, height: 1000 },
  args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const page = context.pages()[0] ?? (await context.newPage());
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const totals = [], files = {};
try {
  for (let i = 0; i < loads; ++i) {
    const t0 = Date.now();
    await page.goto(base);
    await page.waitForFunction(() => window.__descent && window.__descent.renders > 0 && !window.__descent.busy);
    totals.push(Date.now() - t0);
    const entries = await page.evaluate(() =>
      performance.getEntriesByType('resource').map((e) => [new URL(e.name).pathname, e.duration, e.transferSize]));
    for (const [name, ms, bytes] of entries) (files[name] ??= { ms: [], bytes }).ms.push(ms);
  }
  console.log(`lab page, ${loads} loads: navigation to the first drawn run, median ${median(totals)} ms ` +
    `(min ${Math.min(...totals)}, max ${Math.max(...totals)})`);
  for (const [name, f] of Object.entries(files))
    console.log(`  ${name.padEnd(24)} median ${median(f.ms).toFixed(0).padStart(5)} ms`);
} finally {
  await context.close();
  server.kill('SIGTERM');
}
