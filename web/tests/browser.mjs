// What the page's browser tests and bench/page_load.mjs share: starting `descent serve` on a free
// port, and Debian's chromium, headless and offline, with a fresh profile.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.DESCENT_CHROMIUM ?? '/usr/bin/chromium';

/** Starts `bin serve --port 0 ...args`; resolves to {server, base} once it prints its address. */
export function startServer(bin, args = []) {
  const server = spawn(bin, ['serve', '--port', '0', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    let out = '';
    server.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
      if (m) resolve({ server, base: m[0] });
    });
    server.on('exit', (code) => reject(new Error(`descent serve exited with ${code}: ${out}`)));
  });
}

/**
 * Chromium with the flags that keep a root, offline, headless browser quiet here, and 3-D plots
 * drawn by its software renderer (SwiftShader).
 */
export function launchChromium(options = {}) {
  if (!fs.existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: bash scripts/install-deps.sh --test installs chromium`);
  return chromium.launchPersistentContext(fs.mkdtempSync(path.join(os.tmpdir(), 'descent-chromium-')), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1440, height: 1000 },
    args: ['--no-sandbox', '--disable-gpu', '--enable-unsafe-swiftshader', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ...options,
  });
}

/** Pixels per unit along each axis of a plotly plot, read from where its tick labels are drawn. */
export const plotPixelsPerUnit = (page, id) => page.evaluate((plot) => {
  const gd = document.getElementById(plot);
  const per = (axis, coord) => {
    const ticks = [...gd.querySelectorAll(`.${axis}tick text`)].map((t) => ({
      v: Number(t.textContent.replace('\u2212', '-')),
      p: t.getBoundingClientRect()[coord] + t.getBoundingClientRect()[coord === 'x' ? 'width' : 'height'] / 2,
    })).filter((t) => Number.isFinite(t.v));
    const a = ticks[0], b = ticks.at(-1);
    return Math.abs((b.p - a.p) / (b.v - a.v));
  };
  return { x: per('x', 'x'), y: per('y', 'y') };
}, id);
