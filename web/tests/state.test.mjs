// The page's pure logic (web/js/state.js): specs, sliders, the URL, exports, the theory's limits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as S from '../js/state.js';

// The limits of descent serve's defaults (apps/descent/api.hpp), as GET /api/limits gives them.
S.setLimits({ max_steps: 10000, max_optimizers: 8, max_sweep_steps: 5000 });

const momentum = {
  name: 'momentum',
  params: [
    { name: 'lr', type: 'real', default: 0.1, min: 0, max: null, min_inclusive: true, log_scale: true },
    { name: 'alpha', type: 'real', default: 0.9, min: 0, max: 1, min_inclusive: true, max_inclusive: false, log_scale: false },
    { name: 'dampening', type: 'real', default: 0, min: 0, max: 1, min_inclusive: true, max_inclusive: true, log_scale: false },
  ],
};
const sgd = { name: 'sgd', params: [momentum.params[0]] };

test('specs split and build like the CLI writes them', () => {
  assert.deepEqual(S.parseSpec('momentum:lr=0.1,alpha=0.99@cosine:t_max=50'),
    { name: 'momentum', values: { lr: '0.1', alpha: '0.99' }, schedule: 'cosine:t_max=50', wrapper: '' });
  assert.deepEqual(S.parseSpec(' sgd '), { name: 'sgd', values: {}, schedule: '', wrapper: '' });
  // Wrappers come before the last '/', the schedule after '@'.
  assert.deepEqual(S.parseSpec('ema/lookahead:sync_period=3/momentum:lr=0.1@step:step_size=10'),
    { name: 'momentum', values: { lr: '0.1' }, schedule: 'step:step_size=10', wrapper: 'ema/lookahead:sync_period=3' });
  assert.equal(S.buildSpec(momentum, { lr: '0.05' }, 'step:step_size=10', 'lookahead'),
    'lookahead/momentum:lr=0.05@step:step_size=10');
  assert.deepEqual(S.parseSpec('quadratic:eigenvalues=1;10').values, { eigenvalues: '1;10' });
  assert.throws(() => S.parseSpec('sgd:lr'), /not key=value/);
  // Defaults are left out; the schedule is kept.
  assert.equal(S.buildSpec(momentum, { lr: '0.1', alpha: '0.99' }), 'momentum:alpha=0.99');
  assert.equal(S.buildSpec(momentum, { lr: '0.1', alpha: '0.9' }), 'momentum');
  assert.equal(S.buildSpec(momentum, { lr: '0.05' }, 'step:step_size=10'), 'momentum:lr=0.05@step:step_size=10');
  assert.equal(S.defaultText({ type: 'boolean', default: 0 }), 'false');
  assert.equal(S.defaultText({ type: 'choice', default: 1, choices: ['strong_wolfe', 'none'] }), 'none');
  assert.equal(S.defaultText({ type: 'real_list', default: [1, 10] }), '1;10');
});

test('sliders: log for learning rates, open ends kept open', () => {
  const lr = S.sliderRange(momentum.params[0]);
  assert.deepEqual(lr, { lo: 1e-4, hi: 10, log: true, openLo: false, openHi: false });
  assert.equal(S.sliderValue(lr, 0), 1e-4);
  assert.equal(S.sliderValue(lr, 1000), 10);
  assert.equal(S.sliderValue(lr, 600), 0.1);
  assert.equal(S.sliderPosition(lr, 0.1), 600);
  assert.equal(S.sliderPosition(lr, 1e9), 1000);
  const alpha = S.sliderRange(momentum.params[1]);
  assert.equal(alpha.log, false);
  assert.equal(alpha.lo, 0);
  assert.equal(S.sliderValue(alpha, S.sliderPosition(alpha, 0.9)), 0.9);
  assert.equal(S.sliderValue(alpha, 1000), 0.9999, "alpha's slider stops short of 1");
  assert.deepEqual(S.gridRange(momentum.params[1]), { lo: 0, hi: 0.999, log: false });
  assert.deepEqual(S.gridRange(momentum.params[0]), { lo: 1e-4, hi: 10, log: true });
  // A parameter with no upper bound and default 0 spans [min, min + 1].
  assert.deepEqual(S.sliderRange({ default: 0, min: 0, max: null, min_inclusive: true, log_scale: false }),
    { lo: 0, hi: 1, log: false, openLo: false, openHi: false });
  // Angles in [-360, 360].
  assert.deepEqual(S.sliderRange({ default: 0, min: -360, max: 360, min_inclusive: true, max_inclusive: true, log_scale: false }),
    { lo: -360, hi: 360, log: false, openLo: false, openHi: false });
  // A ratio in (0, inf), log-scaled around its default 8, never reaches 0.
  const ratio = S.sliderRange({ default: 8, min: 0, max: null, min_inclusive: false, log_scale: true });
  assert.deepEqual([ratio.lo, ratio.hi], [0.008, 800]);
});

test('the URL round-trips the state and reports what it cannot read', () => {
  const st = { ...S.DEFAULT_STATE, fn: 'w1^2 + 8*w2^2', start: [0.5, -1.25], steps: 200,
    opts: ['sgd:lr=0.05', 'momentum:alpha=0.99'], view: 'tuning',
    phase: { opt: 1, x: 'lr', y: 'alpha', n: 32, metric: 'final_loss', steps: 200 },
    tuning: { points: 41, steps: 300 } };
  const { state, problems } = S.decodeState(S.encodeState(st));
  assert.deepEqual(problems, []);
  assert.deepEqual(state, st);
  const bad = S.decodeState('?s=1&n=0&v=map&p=1,lr,lr,32,steps_to_tol&' + 'o=sgd&'.repeat(9));
  assert.equal(bad.problems.length, 5);
  assert.equal(bad.state.steps, 50);
  assert.equal(bad.state.start, null);
  assert.equal(bad.state.view, 'contour');
  assert.equal(bad.state.opts.length, 8);
  assert.deepEqual(S.decodeState('').state,
    { ...S.DEFAULT_STATE, phase: { ...S.DEFAULT_STATE.phase }, tuning: { ...S.DEFAULT_STATE.tuning } });
  // The tuning view's learning rates and steps: whole numbers within their ranges.
  for (const u of ['2,200', '62,200', '31,0', '31', 'x,y', '31.5,200'])
    assert.match(S.decodeState(`?u=${u}`).problems.join(), /tuning settings/, u);
  assert.deepEqual(S.decodeState('?u=7,50').state.tuning, { points: 7, steps: 50 });
  // An address without the phase diagram's steps (the field came later) gets the default.
  assert.deepEqual(S.decodeState('?p=0,lr,alpha,16,best_loss').state.phase,
    { opt: 0, x: 'lr', y: 'alpha', n: 16, metric: 'best_loss', steps: 1000 });
  assert.equal(S.decodeState('?p=0,lr,alpha,16,best_loss,6000').problems.length, 1);
});

test('the URL is checked against the API\'s limits', () => {
  assert.throws(() => S.setLimits({ max_steps: 10 }), /max_optimizers/);
  assert.equal(S.limits.max_steps, 10000, 'a refused set of limits changes none');
  S.setLimits({ max_steps: 100, max_optimizers: 2, max_sweep_steps: 50 });
  try {
    const ok = S.decodeState('?n=100&o=sgd&o=adam&p=0,lr,alpha,16,best_loss,50');
    assert.deepEqual(ok.problems, []);
    const over = S.decodeState('?n=101&o=sgd&o=adam&o=momentum&p=0,lr,alpha,16,best_loss,51');
    assert.equal(over.problems.length, 3);
    assert.equal(over.state.steps, S.DEFAULT_STATE.steps);
    assert.deepEqual(over.state.opts, ['sgd', 'adam']);
    assert.equal(over.state.phase.steps, S.DEFAULT_STATE.phase.steps);
  } finally {
    S.setLimits({ max_steps: 10000, max_optimizers: 8, max_sweep_steps: 5000 });
  }
});

test('numbers are short in specs and tables', () => {
  assert.equal(S.formatNumber(0.1), '0.1');
  assert.equal(S.formatNumber(1e-8), '1e-8');
  assert.equal(S.formatNumber(0.13645492859214775), '0.136455');
  assert.equal(S.displayNumber(null), '–');
  assert.equal(S.displayNumber(2.0406e-10), '2.04e-10');
  assert.equal(S.displayNumber(0.021876), '0.02188');
  assert.equal(S.displayNumber(0), '0');
});

test('CSV export: descent\'s trajectory format, one row per optimizer and step', () => {
  const run = { results: [{ optimizer: 'sgd:lr=0.1', steps: [0, 1], points: [[1, 1], [0.8, -0.6]], loss: [9, null] }] };
  assert.equal(S.runToCsv(run), 'optimizer,step,loss,w1,w2\n"sgd:lr=0.1",0,9,1,1\n"sgd:lr=0.1",1,,0.8,-0.6\n');
  const quoted = { results: [{ optimizer: 'say "hi"', steps: [0], points: [[1, 2]], loss: [5] }] };
  assert.equal(S.runToCsv(quoted).split('\n')[1], '"say ""hi""",0,5,1,2');
});

test('the view grows to hold a start outside the function box', () => {
  const b = { lower: [-2, -2], upper: [2, 2] };
  assert.deepEqual(S.viewBox(b, [1, 1]), b);
  assert.deepEqual(S.viewBox(b, [3, -5]), { lower: [-2, -5.4], upper: [3.4, 2] });
});

test('stability limits from the theory', () => {
  const registry = [sgd, momentum];
  assert.deepEqual(S.stability('sgd:lr=0.1', registry, 16), { limit: 0.125, stable: true, rule: 'lr·λmax < 2' });
  assert.equal(S.stability('sgd:lr=0.13', registry, 16).stable, false);
  assert.equal(S.stability('lookahead/sgd:lr=0.1', registry, 16), null); // a wrapper changes the limits
  const m = S.stability('momentum:lr=0.2,alpha=0.5', registry, 16);
  assert.equal(m.limit, 3 / 16);
  assert.equal(m.stable, false);
  assert.equal(S.stability('momentum:dampening=0.5', registry, 16), null);
  assert.equal(S.stability('adam', registry, 16), null);
});

test('the stability limit of Nesterov momentum', () => {
  const nesterov = { name: 'nesterov', params: [momentum.params[0], momentum.params[1]] };
  // Its default lr = 0.1 at alpha = 0.9 is beyond the limit 3.8 / (2.8 * 16) on the seed's valley.
  const n = S.stability('nesterov', [nesterov], 16);
  assert.equal(n.limit, 3.8 / (2.8 * 16));
  assert.equal(n.stable, false);
  assert.equal(S.stability('nesterov:lr=0.08', [nesterov], 16).stable, true);
  assert.equal(S.stability('nesterov:lr=0.1,alpha=0', [nesterov], 16).stable, true);
});

test('the status line names the runs that blew up', () => {
  const ok = { label: 'sgd', termination: 'completed', message: 'completed 80 steps' };
  const bad = { label: 'nesterov', termination: 'diverging', message: 'diverging: loss grew from 10.25 to 1.991e+29 by step 80' };
  assert.equal(S.runSummary([ok], 80, 12.3), '1 optimizer × 80 steps: 12 ms');
  assert.equal(S.runSummary([ok, bad], 80, 5),
    '2 optimizers × 80 steps: 5 ms · nesterov: diverging: loss grew from 10.25 to 1.991e+29 by step 80');
});

test('a lesson\'s address: its chapter from the path, its settings from the query', async () => {
  const L = await import('../js/lesson_state.js');
  assert.deepEqual(L.chapterOfPath('/lessons/3', 5), { chapter: 3, problem: '' });
  assert.deepEqual(L.chapterOfPath('/lessons', 5), { chapter: 1, problem: '' });
  assert.match(L.chapterOfPath('/lessons/6', 5).problem, /no lesson 6/);
  assert.equal(L.chapterOfPath('/lessons/0', 5).chapter, 1);
  const settings = [
    { key: 'lr', value: 0.1, min: 0.001, max: 1, log: true },
    { key: 'fn', value: 'a', choices: [{ value: 'a' }, { value: 'b' }] },
  ];
  assert.deepEqual(L.decodeSettings(settings, '?lr=0.25&fn=b'), { values: { lr: 0.25, fn: 'b' }, problems: [] });
  const bad = L.decodeSettings(settings, '?lr=2&fn=c&x=1');
  assert.deepEqual(bad.values, { lr: 0.1, fn: 'a' });
  assert.equal(bad.problems.length, 3);
  assert.equal(L.encodeSettings(settings, { lr: 0.25, fn: 'b' }), 'lr=0.25&fn=b');
  // A start turned with the valley: (1.5, 0.5) by 45 degrees.
  const [x, y] = L.turned([1.5, 0.5], 45);
  assert.ok(Math.abs(x - Math.SQRT1_2) < 1e-15 && Math.abs(y - 2 * Math.SQRT1_2) < 1e-15);
  // Sliders: the ends map to the range's ends, a log setting spreads decades evenly.
  assert.equal(L.toSlider(settings[0], 0.01), 333);
  assert.equal(L.fromSlider(settings[0], 1000), 1);
  assert.equal(L.fromSlider({ min: 0, max: 0.999, step: 0.001 }, 500), 0.5);
  // A rate close to 1 spreads its 9s: beta2 = 0.999 has a position of its own.
  const beta2 = { min: 0.5, max: 0.9999, step: 0.0001, closeToOne: true };
  assert.equal(L.fromSlider(beta2, L.toSlider(beta2, 0.999)), 0.999);
  // A whole-number setting refuses fractions.
  assert.equal(L.decodeSettings([{ key: 'steps', value: 200, min: 10, max: 1000, integer: true }], '?steps=10.5').problems.length, 1);
  assert.deepEqual(L.chapterOfPath('/lessons.html', 5), { chapter: 1, problem: '' });
  assert.equal(L.chapterOfPath('/lessons/2/', 5).chapter, 2);
});
