// The page's state and the pure functions around it: specs, sliders, the URL and the exports.
// No DOM here, so that node's test runner checks all of it (web/tests/state.test.mjs).

/** The seed experiment: the page opens on it. */
export const DEFAULT_STATE = Object.freeze({
  fn: 'anisotropic',
  start: null, // null: the function's default start
  steps: 50,
  opts: ['sgd', 'momentum', 'rmsprop'],
  view: 'contour',
  // The phase diagram: optimizer index, the two settings, cells per side, metric, steps per cell
  // (its own, long enough that an unstable setting overflows and shows as diverged).
  phase: Object.freeze({ opt: 1, x: 'lr', y: 'alpha', n: 40, metric: 'steps_to_tol', steps: 1000 }),
  // The tuning view: learning rates per optimizer (from 1e-4 to 1e2 times its default), steps.
  tuning: Object.freeze({ points: 31, steps: 200 }),
});

export const VIEWS = ['contour', 'surface', 'phase', 'tuning'];
/** The learning rates per optimizer the tuning view may ask for. */
export const TUNING_POINTS = Object.freeze({ min: 3, max: 61 });
export const METRICS = ['steps_to_tol', 'final_loss', 'best_loss'];
/**
 * The API's limits the page clamps its inputs to: steps of a run, optimizers in one run, steps per
 * sweep cell. They come from GET /api/limits (setLimits) before the page reads its address; until
 * then they are NaN, so that nothing passes a check against them.
 */
export const limits = { max_steps: NaN, max_optimizers: NaN, max_sweep_steps: NaN };

/** Takes the limits from GET /api/limits' `limits`; throws if one is missing or not a count. */
export function setLimits(from) {
  for (const key of Object.keys(limits)) {
    const v = from?.[key];
    if (!Number.isInteger(v) || v < 1) throw new Error(`GET /api/limits gave no ${key}`);
  }
  for (const key of Object.keys(limits)) limits[key] = from[key];
}

/** A number as short as it can be written while keeping 6 significant digits. */
export function formatNumber(v) {
  if (v === null || v === undefined || !Number.isFinite(v)) return String(v);
  return String(Number(v.toPrecision(6)));
}

/** A number for tables: 4 significant digits, exponent form when very large or small. */
export function displayNumber(v) {
  if (v === null || v === undefined) return '–';
  if (!Number.isFinite(v)) return String(v);
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e5 || a < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/**
 * Splits a spec `[wrapper/]name:key=value,...[@schedule]` into the optimizer's name, its settings
 * (as text), the schedule part and the wrappers before the last '/' (both kept as written).
 * Values may hold ';' (lists) but not ',' or '='.
 */
export function parseSpec(spec) {
  const text = String(spec).trim();
  const at = text.indexOf('@');
  const head = at < 0 ? text : text.slice(0, at);
  const slash = head.lastIndexOf('/');
  const wrapper = slash < 0 ? '' : head.slice(0, slash).trim();
  const body = slash < 0 ? head : head.slice(slash + 1);
  const schedule = at < 0 ? '' : text.slice(at + 1);
  const colon = body.indexOf(':');
  const name = (colon < 0 ? body : body.slice(0, colon)).trim();
  const values = {};
  if (colon >= 0) {
    for (const part of body.slice(colon + 1).split(',')) {
      if (part.trim() === '') continue;
      const eq = part.indexOf('=');
      if (eq < 0) throw new Error(`'${part.trim()}' in '${text}' is not key=value`);
      values[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
  }
  return { name, values, schedule, wrapper };
}

/** The text of a parameter's default, as a spec writes it. */
export function defaultText(param) {
  if (param.type === 'boolean') return param.default ? 'true' : 'false';
  if (param.type === 'choice') return param.choices[param.default] ?? String(param.default);
  if (param.type === 'integer_list' || param.type === 'real_list')
    return param.default.length ? param.default.join(';') : 'none';
  return formatNumber(param.default);
}

/**
 * Builds a spec from a registry entry ({name, params}) and settings as text; settings equal to
 * the default are left out, so specs stay short and read like the CLI's.
 */
export function buildSpec(entry, values, schedule = '', wrapper = '') {
  const parts = [];
  for (const p of entry.params) {
    const v = values[p.name];
    if (v === undefined || v === '' || v === defaultText(p)) continue;
    parts.push(`${p.name}=${v}`);
  }
  let spec = parts.length ? `${entry.name}:${parts.join(',')}` : entry.name;
  if (wrapper) spec = `${wrapper}/${spec}`;
  if (schedule) spec += `@${schedule}`;
  return spec;
}

/**
 * The range a slider spans for a real parameter: the registry's bounds where finite, otherwise a
 * span around the default; log-scaled parameters get a logarithmic slider. An open end (alpha in
 * [0, 1)) is marked, and the slider stops just short of it.
 */
export function sliderRange(param) {
  const d = Number(param.default) || 0;
  const hasMin = param.min !== null && param.min !== undefined;
  const hasMax = param.max !== null && param.max !== undefined;
  const openLo = hasMin && param.min_inclusive === false;
  const openHi = hasMax && param.max_inclusive === false;
  if (param.log_scale) {
    const lo = hasMin && param.min > 0 ? param.min : d > 0 ? d / 1000 : 1e-5;
    const hi = hasMax ? param.max : d > 0 ? d * 100 : 1;
    return { lo, hi, log: true, openLo: openLo && lo === param.min, openHi };
  }
  let lo = hasMin ? param.min : d === 0 ? -1 : d - 10 * Math.abs(d);
  let hi = hasMax ? param.max : d === 0 ? 1 : d + 10 * Math.abs(d);
  if (hasMin && !hasMax && d === 0) hi = lo + 1;
  if (hasMax && !hasMin && d === 0) lo = hi - 1;
  return { lo, hi, log: false, openLo, openHi };
}

/** The span a phase diagram maps: the slider's, with open ends pulled in by 0.1%. */
export function gridRange(param) {
  const r = sliderRange(param);
  const pull = (to, from) => (r.log ? to * Math.pow(from / to, 1e-3) : to + (from - to) * 1e-3);
  return {
    lo: Number((r.openLo ? pull(r.lo, r.hi) : r.lo).toPrecision(6)),
    hi: Number((r.openHi ? pull(r.hi, r.lo) : r.hi).toPrecision(6)),
    log: r.log,
  };
}

export const SLIDER_STEPS = 1000;

/** The value at slider position `pos` in [0, SLIDER_STEPS]; an open end is never reached. */
export function sliderValue(range, pos) {
  const t = Math.min(Math.max(pos / SLIDER_STEPS, 0), 1);
  let v = range.log ? Math.exp(Math.log(range.lo) + t * Math.log(range.hi / range.lo))
    : range.lo + t * (range.hi - range.lo);
  v = Number(v.toPrecision(4));
  const nudge = (range.hi - range.lo) * 1e-4;
  if (range.openHi && v >= range.hi) v = Number((range.hi - nudge).toPrecision(4));
  if (range.openLo && v <= range.lo) v = Number((range.lo + nudge).toPrecision(4));
  return v;
}

/** The slider position nearest to `value`. */
export function sliderPosition(range, value) {
  let t;
  if (range.log) t = value > 0 ? Math.log(value / range.lo) / Math.log(range.hi / range.lo) : 0;
  else t = (value - range.lo) / (range.hi - range.lo);
  return Math.round(Math.min(Math.max(t, 0), 1) * SLIDER_STEPS);
}

/** The state as the URL's query string, so a view can be shared or bookmarked. */
export function encodeState(state) {
  const q = new URLSearchParams();
  q.set('f', state.fn);
  if (state.start) q.set('s', state.start.map(formatNumber).join(','));
  q.set('n', String(state.steps));
  for (const o of state.opts) q.append('o', o);
  q.set('v', state.view);
  const p = state.phase;
  q.set('p', [p.opt, p.x, p.y, p.n, p.metric, p.steps].join(','));
  q.set('u', [state.tuning.points, state.tuning.steps].join(','));
  return q.toString();
}

/**
 * The state read back from a query string; what is missing or malformed falls back to the
 * default, and the reasons are collected in `problems` (shown on the page).
 */
export function decodeState(query) {
  const q = new URLSearchParams(query);
  const state = structuredClone({
    ...DEFAULT_STATE, phase: { ...DEFAULT_STATE.phase }, tuning: { ...DEFAULT_STATE.tuning },
  });
  const problems = [];
  if (q.has('f') && q.get('f').trim() !== '') state.fn = q.get('f').trim();
  if (q.has('s')) {
    const s = q.get('s').split(',').map(Number);
    if (s.length === 2 && s.every(Number.isFinite)) state.start = s;
    else problems.push(`start '${q.get('s')}' is not two numbers`);
  }
  if (q.has('n')) {
    const n = Number(q.get('n'));
    if (Number.isInteger(n) && n >= 1 && n <= limits.max_steps) state.steps = n;
    else problems.push(`steps '${q.get('n')}' is not a whole number in [1, ${limits.max_steps}]`);
  }
  const opts = q.getAll('o').filter((o) => o.trim() !== '');
  if (opts.length > limits.max_optimizers)
    problems.push(`only the first ${limits.max_optimizers} optimizers are kept`);
  if (opts.length) state.opts = opts.slice(0, limits.max_optimizers);
  if (q.has('v')) {
    if (VIEWS.includes(q.get('v'))) state.view = q.get('v');
    else problems.push(`view '${q.get('v')}' is not one of ${VIEWS.join(', ')}`);
  }
  if (q.has('p')) {
    const [opt, x, y, n, metric, steps] = q.get('p').split(',');
    const o = Number(opt), cells = Number(n);
    const k = steps === undefined ? DEFAULT_STATE.phase.steps : Number(steps);
    if (Number.isInteger(o) && o >= 0 && x && y && x !== y && Number.isInteger(cells) &&
        cells >= 4 && cells <= 128 && METRICS.includes(metric) && Number.isInteger(k) && k >= 1 &&
        k <= limits.max_sweep_steps)
      state.phase = { opt: o, x, y, n: cells, metric, steps: k };
    else problems.push(`phase diagram settings '${q.get('p')}' are malformed`);
  }
  if (q.has('u')) {
    const [points, steps] = q.get('u').split(',').map(Number);
    if (Number.isInteger(points) && points >= TUNING_POINTS.min && points <= TUNING_POINTS.max &&
        Number.isInteger(steps) && steps >= 1 && steps <= limits.max_sweep_steps)
      state.tuning = { points, steps };
    else problems.push(`tuning settings '${q.get('u')}' are not LEARNING_RATES,STEPS within the limits`);
  }
  return { state, problems };
}

/**
 * The run as CSV in descent's trajectory format (docs/trajectory-csv.md), which `descent plot`
 * reads: optimizer,step,loss,w1,w2, one row per optimizer and step, the optimizer quoted.
 */
export function runToCsv(run) {
  const quote = (text) => `"${String(text).replaceAll('"', '""')}"`;
  const rows = ['optimizer,step,loss,w1,w2'];
  for (const r of run.results) {
    for (let k = 0; k < r.points.length; ++k) {
      const [w1, w2] = r.points[k];
      const loss = r.loss[k] === null ? '' : r.loss[k];
      rows.push(`${quote(r.optimizer)},${r.steps[k]},${loss},${w1},${w2}`);
    }
  }
  return rows.join('\n') + '\n';
}

/**
 * The view box for a contour: the function's box, grown to hold `start` with a margin, rounded
 * outwards to a tidy step.
 */
export function viewBox(bounds, start) {
  const lower = [...bounds.lower], upper = [...bounds.upper];
  if (start) {
    for (let k = 0; k < 2; ++k) {
      const margin = 0.1 * (upper[k] - lower[k]);
      if (start[k] < lower[k]) lower[k] = start[k] - margin;
      if (start[k] > upper[k]) upper[k] = start[k] + margin;
    }
  }
  return { lower, upper };
}

/**
 * Whether the learning rate is inside the stability limit the theory gives on a quadratic with
 * largest curvature `lambdaMax`: lr*lambda < 2 for gradient descent, lr*lambda < 2 + 2*alpha for
 * heavy-ball momentum, lr*lambda < (2 + 2*alpha)/(1 + 2*alpha) for Nesterov momentum (torch's
 * form; docs/theory.md). null where the theory says nothing (other optimizers).
 */
export function stability(spec, registry, lambdaMax) {
  const { name, values, wrapper } = parseSpec(spec);
  const entry = registry.find((e) => e.name === name);
  // A wrapper (Lookahead, SAM, ...) changes the dynamics the limits are for.
  if (!entry || wrapper || !(lambdaMax > 0)) return null;
  const get = (key) => {
    const p = entry.params.find((q) => q.name === key);
    return values[key] !== undefined ? Number(values[key]) : Number(p.default);
  };
  if (name === 'sgd' || name === 'gd') {
    const limit = 2 / lambdaMax;
    return { limit, stable: get('lr') < limit, rule: 'lr·λmax < 2' };
  }
  if (name === 'momentum' && get('dampening') === 0) {
    const limit = (2 + 2 * get('alpha')) / lambdaMax;
    return { limit, stable: get('lr') < limit, rule: 'lr·λmax < 2 + 2α' };
  }
  if (name === 'nesterov') {
    const alpha = get('alpha');
    const limit = (2 + 2 * alpha) / ((1 + 2 * alpha) * lambdaMax);
    return { limit, stable: get('lr') < limit, rule: 'lr·λmax < (2 + 2α)/(1 + 2α)' };
  }
  return null;
}

/**
 * The header's line for a finished run: how many optimizers, steps and milliseconds, and which
 * runs did not end well (diverged, or diverging: all steps taken but the loss blew up), with the
 * engine's message, e.g. "nesterov: diverging: loss grew from 10.25 to 1.991e+29 by step 80".
 */
export function runSummary(results, steps, ms) {
  let text = `${results.length} optimizer${results.length > 1 ? 's' : ''} × ${steps} steps: ${ms.toFixed(0)} ms`;
  const bad = results.filter((r) => r.termination === 'diverged' || r.termination === 'diverging');
  if (bad.length) text += ` · ${bad.map((r) => `${r.label}: ${r.message}`).join('; ')}`;
  return text;
}
