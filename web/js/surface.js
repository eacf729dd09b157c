// The 3-D view: the function's surface and each optimizer's path on it, up to the step shown.
import { $, COLORS } from './page.js';
import { PLOT_CONFIG, heightScale, truncated } from './plots.js';

/* global Plotly */

/**
 * The 3-D view's heights, computed once per run and surface (kept in app.surfaceView): the
 * surface in its scale (true heights, or log-scaled for walls like Rosenbrock's), its range, and
 * each path's heights held to ten times that range.
 */
function surfaceView(app) {
  if (app.surfaceView?.run === app.run && app.surfaceView.surface === app.surface) return app.surfaceView;
  const scale = heightScale(app.surface.z, true);
  const z = app.surface.z.map((row) => row.map(scale.f));
  let zlo = Infinity, zhi = -Infinity;
  for (const row of z) for (const v of row) if (v !== null) { zlo = Math.min(zlo, v); zhi = Math.max(zhi, v); }
  const span = zhi - zlo;
  const clip = (v) => (v === null ? null : Math.min(Math.max(v, zlo - 10 * span), zhi + 10 * span));
  const paths = app.run.results.map((r) => r.loss.map((v) => clip(scale.f(v))));
  app.surfaceView = { run: app.run, surface: app.surface, scale, z, zlo, zhi, paths };
  return app.surfaceView;
}

export function renderSurface(app) {
  const s = app.surface;
  const view = surfaceView(app);
  const traces = [{
    type: 'surface', x: s.x, y: s.y, z: view.z, colorscale: 'Viridis',
    opacity: 0.85, showscale: false, hoverinfo: 'skip',
    contours: { z: { show: true, usecolormap: true, project: { z: true } } },
  }];
  // The box is the surface's; a path leaving it is cut at its walls by the scene.
  const zpad = 0.05 * (view.zhi - view.zlo || 1);
  app.run.results.forEach((r, i) => {
    const t = truncated(r, app.frame, app.box);
    const color = COLORS[i % COLORS.length];
    traces.push({
      type: 'scatter3d', mode: 'lines+markers', name: r.label, x: t.x, y: t.y,
      z: view.paths[i].slice(0, t.n), line: { color, width: 6 }, marker: { color, size: 3 },
    });
  });
  const layout = {
    margin: { l: 0, r: 0, t: 0, b: 0 },
    scene: {
      xaxis: { title: { text: 'w1' }, range: [app.box.lower[0], app.box.upper[0]] },
      yaxis: { title: { text: 'w2' }, range: [app.box.lower[1], app.box.upper[1]] },
      zaxis: { title: { text: view.scale.title }, range: [view.zlo - zpad, view.zhi + zpad] },
      camera: { eye: { x: -1.5, y: -1.6, z: 1.1 } }, aspectmode: 'manual', aspectratio: { x: 1, y: 1, z: 0.7 },
    },
    legend: { orientation: 'h', x: 0, y: 0 },
    uirevision: 'surface',
  };
  Plotly.react($('surface'), traces, layout, PLOT_CONFIG);
}

/** Cuts the drawn paths to the step shown (the player's frame); restyled, not redrawn. */
export function showSurfaceFrame(app) {
  const xs = [], ys = [], zs = [], idx = [];
  const z = surfaceView(app).paths;
  app.run.results.forEach((r, i) => {
    const t = truncated(r, app.frame, app.box);
    xs.push(t.x);
    ys.push(t.y);
    zs.push(z[i].slice(0, t.n));
    idx.push(1 + i);
  });
  return Plotly.restyle($('surface'), { x: xs, y: ys, z: zs }, idx);
}
