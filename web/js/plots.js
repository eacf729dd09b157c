// What the plots share: plotly's settings, the height scale of the contour and the surface, and a
// path cut to the step shown. No DOM here.
import * as S from './state.js';

export const PLOT_CONFIG = { displaylogo: false, responsive: true, modeBarButtonsToRemove: ['toImage'] };

/**
 * Heights for the contour and the surface. Contour levels are logarithmic once the values span
 * two decades above their minimum, so the valley floor keeps its lines; the 3-D surface keeps
 * true heights unless they span more than 1000 (walls like Rosenbrock's would flatten the rest).
 */
export function heightScale(z, forSurface) {
  let lo = Infinity, hi = -Infinity;
  for (const row of z) for (const v of row) if (v !== null) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  const span = hi - lo;
  const eps = span * 1e-4 || 1e-12;
  const log = Number.isFinite(span) && span > 0 &&
    (forSurface ? span > 1e3 : (lo > 0 ? hi / lo : span / eps) > 100);
  const f = log ? (v) => (v === null ? null : Math.log10(v - lo + eps)) : (v) => v;
  return { f, log, title: log ? `log10(f − ${S.displayNumber(lo)} + ε)` : 'f' };
}

/**
 * The first k+1 points of the path of result `r`, for drawing in `box`. Coordinates far outside
 * the box (a diverging run reaches 1e300) are pulled in to ten box widths, where they are still
 * off the plot but keep the plotting library's pixel arithmetic finite.
 */
export function truncated(r, k, box) {
  const n = Math.min(k + 1, r.points.length);
  const clip = (v, d) => {
    const lo = box.lower[d], hi = box.upper[d], w = 10 * (hi - lo);
    return Math.min(Math.max(v, lo - w), hi + w);
  };
  const pts = r.points.slice(0, n);
  return { x: pts.map((p) => clip(p[0], 0)), y: pts.map((p) => clip(p[1], 1)), n };
}
