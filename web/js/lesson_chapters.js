// The lessons: the seed note's story, one chapter each, with the settings a reader can move, what
// the engine is asked for (runs, the theory, a phase diagram, a tuning curve) and the "try this"
// prompts. No DOM here: lessons.js draws a chapter from its entry.
import { displayNumber as num, formatNumber } from './state.js';
import { turned } from './lesson_state.js';
import { bilinear } from './lesson_network.js';

const fmt = (v) => (v === null || v === undefined ? '–' : num(v));
const result = (answer, i) => answer.run.results[i];
const reached = (r) => (r.metrics.steps_to_tol === null ? 'never below 1e-6' : `first below 1e-6 at step ${r.metrics.steps_to_tol}`);
// The initialization's training loss: the first line's value at t = 0.
const lineStart = (net) => {
  const l = net.landscape.lines[0];
  return l.train_loss[l.t.indexOf(0)] ?? null;
};
const ending = (r) => `loss ${fmt(r.metrics.final_loss)} (${r.termination === 'completed' ? reached(r) : r.message})`;

export const CHAPTERS = [
  {
    title: 'The bowl and the valley: why gradient descent zig-zags',
    settings: [
      { key: 'ratio', label: 'valley ratio κ', value: 8, min: 1, max: 50, step: 0.5 },
      { key: 'lr', label: 'learning rate', value: 0.1, min: 0.005, max: 0.6, log: true },
    ],
    text: [
      'Gradient descent steps against the gradient, <code>w ← w − lr·∇f(w)</code>. On the seed\'s round ' +
        'bowl <code>w1² + w2²</code> the gradient points straight at the minimum, and the path runs ' +
        'straight in. On the narrow valley <code>w1² + κ·w2²</code> it does not: the gradient is steep ' +
        'across the valley and shallow along it.',
      'Each coordinate of the error is multiplied by <code>1 − lr·λ</code> at every step, λ being that ' +
        'direction\'s curvature. Across the valley λ is large: once <code>lr·λ &gt; 1</code> the factor is ' +
        'negative, the step overshoots the floor and the path zig-zags, and past <code>lr·λmax = 2</code> ' +
        'the zig-zag grows. Along the valley λ is small and progress is slow. No learning rate suits ' +
        'both directions; the best balances them, and the error still shrinks only by ' +
        '<code>(κ − 1)/(κ + 1)</code> per step, κ = λmax/λmin being the condition number.',
    ],
    formula: 'f(w) = w1² + κ·w2²    Hessian eigenvalues λ = 2, 2κ\n' +
      'w ← w − lr·∇f(w)\n' +
      'each direction shrinks by (1 − lr·λ) a step\n' +
      'stable while lr·λmax < 2\n' +
      'fastest at lr = 2/(λmin + λmax), rate (κ − 1)/(κ + 1)',
    figures: ['contour', 'loss'],
    analyze: true,
    request: (v) => ({
      function: `anisotropic:ratio=${formatNumber(v.ratio)}`, start: [1, 1], steps: 50,
      optimizers: [`sgd:lr=${formatNumber(v.lr)}`], box: 1.25,
    }),
    theoryLine: true,
    lab: (v) => ({ fn: `anisotropic:ratio=${formatNumber(v.ratio)}`, start: [1, 1], steps: 50, opts: [`sgd:lr=${formatNumber(v.lr)}`] }),
    notes: (v, a) => {
      const [l1, l2] = a.analysis.eigenvalues, g = a.analysis.gd;
      return `Here λ = ${fmt(l1)} and ${fmt(l2)}: κ = ${fmt(a.analysis.kappa)}. Gradient descent is ` +
        `stable for lr < ${fmt(g.lr_max)} and fastest at lr = ${fmt(g.best_lr)}, rate ${fmt(g.rate)} per step. ` +
        `At lr = ${fmt(v.lr)} the two directions shrink by factors ${fmt(1 - v.lr * l1)} and ` +
        `${fmt(1 - v.lr * l2)} per step; after 50 steps, ${ending(result(a, 0))}. The dashed line ` +
        'in the loss chart is the theory: the start\'s loss times ρ^2k, ρ the larger factor\'s size. ' +
        '(The loss weighs the steep direction κ times more, so near the best rate a slightly smaller ' +
        'one can dip below 1e-6 a step sooner; over more steps the best rate wins.)';
    },
    tries: [
      { label: 'lr = 0.13, just past 2/λmax = 0.125: the zig-zag grows', set: { ratio: 8, lr: 0.13 } },
      { label: 'lr = 0.111, the best rate: both directions shrink by 0.78 a step', set: { ratio: 8, lr: 0.111 } },
      { label: 'κ = 1, lr = 0.5: the round bowl, solved in one step', set: { ratio: 1, lr: 0.5 } },
      { label: 'κ = 30: a narrower valley, slower at any rate', set: { ratio: 30, lr: 0.03 } },
    ],
  },
  {
    title: 'Momentum: the heavy ball, its overshoot, and why α = 0.99 fails',
    settings: [
      { key: 'lr', label: 'learning rate', value: 0.1, min: 0.005, max: 0.5, log: true },
      { key: 'alpha', label: 'momentum α', value: 0.9, min: 0, max: 0.999, step: 0.001 },
    ],
    text: [
      'Heavy-ball momentum keeps a velocity: <code>v ← α·v − lr·∇f(w)</code>, <code>w ← w + v</code>. ' +
        'Along the valley, where the gradient keeps its sign, the velocity builds up; across it, where ' +
        'the sign flips at every step, the contributions cancel. Well tuned, that damps the zig-zag ' +
        'and speeds the slow direction (gradient descent runs beside it, for comparison).',
      'The same velocity is why it overshoots: a ball that has gathered speed runs past the floor and ' +
        'climbs back. The seed\'s α = 0.9 is already too much here: the error shrinks by only ' +
        '√0.9 ≈ 0.95 a step, against gradient descent\'s 0.8 at the same lr, and the ball circles ' +
        'the minimum. With α near 1 almost nothing is lost per step: the seed\'s run at α = 0.99 is ' +
        'still far from the minimum after 50 steps. The phase diagram maps every (lr, α) by the ' +
        'steps it takes to reach a loss of 1e-6: left of the dashed line <code>lr·λmax = 2 + 2α</code> ' +
        'momentum converges, right of it it diverges (red); grey settings do not get there in 300 ' +
        'steps. The theory\'s best pair (the diamond) ' +
        'shrinks the error by √α* ≈ 0.48 a step, against gradient descent\'s best (κ − 1)/(κ + 1) ≈ 0.78.',
    ],
    formula: 'v ← α·v − lr·∇f(w)\nw ← w + v\n' +
      'stable while lr·λmax < 2 + 2α\n' +
      'best: α* = ((√κ − 1)/(√κ + 1))²\n' +
      '      lr* = 4/(√λmax + √λmin)², rate √α*',
    figures: ['contour', 'phase'],
    analyze: true,
    request: (v) => ({
      function: 'anisotropic', start: [1, 1], steps: 50,
      optimizers: ['sgd:lr=0.1', `momentum:lr=${formatNumber(v.lr)},alpha=${formatNumber(v.alpha)}`], box: 1.25,
    }),
    phase: { optimizer: 'momentum', x: 'lr=0.005:0.5:log:32', y: 'alpha=0:0.999:lin:32', steps: 300 },
    lab: (v) => ({
      fn: 'anisotropic', start: [1, 1], steps: 50, view: 'phase',
      opts: ['sgd:lr=0.1', `momentum:lr=${formatNumber(v.lr)},alpha=${formatNumber(v.alpha)}`],
      phase: { opt: 1, x: 'lr', y: 'alpha', n: 32, metric: 'steps_to_tol', steps: 300 },
    }),
    notes: (v, a) => {
      const m = a.analysis.momentum, limit = (2 + 2 * v.alpha) / m.lambda_max;
      return `With α = ${fmt(v.alpha)} momentum is stable for lr < ${fmt(limit)}. After 50 steps at lr = ` +
        `${fmt(v.lr)}: momentum ${ending(result(a, 1))}; gradient descent at lr 0.1, ` +
        `${ending(result(a, 0))}. The best pair is lr* = ${fmt(m.lr_star)}, α* = ${fmt(m.alpha_star)}, ` +
        `rate ${fmt(m.rate)} per step.`;
    },
    tries: [
      { label: 'α = 0.99: the seed\'s failure, the ball keeps swinging', set: { lr: 0.1, alpha: 0.99 } },
      { label: 'the theory\'s best pair lr*, α*', set: (a) => ({ lr: Number(a.analysis.momentum.lr_star.toPrecision(4)), alpha: Number(a.analysis.momentum.alpha_star.toPrecision(4)) }) },
      { label: 'α = 0: no memory, gradient descent again', set: { lr: 0.1, alpha: 0 } },
      { label: 'lr = 0.25, α = 0.9: just outside the wedge', set: { lr: 0.25, alpha: 0.9 } },
    ],
  },
  {
    title: 'RMSProp: a step size per coordinate, and a valley turned by 45 degrees',
    settings: [
      { key: 'angle', label: 'valley turned by (degrees)', value: 0, min: 0, max: 90, step: 1 },
      { key: 'lr', label: 'RMSProp learning rate', value: 0.05, min: 0.005, max: 0.2, log: true },
    ],
    text: [
      'RMSProp divides each coordinate\'s step by a running root mean square of its own gradient. A ' +
        'coordinate with large gradients takes small steps, one with small gradients large ones: on ' +
        'a valley along the axes (here κ = 20) both coordinates move at about the same pace, and the ' +
        'path runs down the steep coordinate at once and then straight along the floor.',
      'But it rescales coordinates, not directions. Turn the valley and its steep and shallow ' +
        'directions mix both coordinates: each coordinate\'s gradient holds some of each, the ' +
        'rescaling can no longer tell them apart, and the path bends and needs more steps. ' +
        'Momentum, which treats every direction alike, takes the same path turned (the start ' +
        'turns with the valley): its numbers do not change at all. Near the floor RMSProp\'s ' +
        'gradient shrinks, but so does the root mean square it divides by: its steps stay about ' +
        'lr long, so with a constant learning rate it cannot settle, and its loss climbs back up ' +
        'after its lowest point (a schedule that lowers lr, or a larger ε, lets it settle).',
    ],
    formula: 's ← β·s + (1 − β)·g²   (per coordinate, β = 0.9)\n' +
      'w ← w − lr·g / (√s + ε)',
    figures: ['contour', 'loss'],
    lab: (v) => ({
      fn: `anisotropic:ratio=20,angle=${formatNumber(v.angle)}`, steps: 100,
      start: turned([1.5, 0.5], v.angle).map((x) => Number(x.toPrecision(6))),
      opts: ['momentum:lr=0.05,alpha=0.6', `rmsprop:lr=${formatNumber(v.lr)}`],
    }),
    request: (v) => ({
      function: `anisotropic:ratio=20,angle=${formatNumber(v.angle)}`,
      start: turned([1.5, 0.5], v.angle).map((x) => Number(x.toPrecision(12))), steps: 100,
      optimizers: ['momentum:lr=0.05,alpha=0.6', `rmsprop:lr=${formatNumber(v.lr)}`], box: 1.8,
    }),
    notes: (v, a) => {
      const m = result(a, 0), r = result(a, 1);
      return `With the valley turned by ${fmt(v.angle)}°: RMSProp ${ending(r)}, its path ` +
        `${fmt(r.metrics.path_length)} long, its lowest loss ${fmt(r.metrics.best_loss)} at step ` +
        `${r.metrics.best_step}; momentum ${ending(m)}. Compare RMSProp's step counts at 0° and 45°.`;
    },
    tries: [
      { label: 'turn the valley by 45°: RMSProp needs more steps', set: { angle: 45 } },
      { label: 'back along the axes (0°)', set: { angle: 0 } },
      { label: '90°: along the axes again, the other way round', set: { angle: 90 } },
    ],
  },
  {
    title: 'Adam: momentum, RMSProp and the bias correction',
    settings: [
      { key: 'lr', label: 'learning rate', value: 0.1, min: 0.001, max: 0.5, log: true },
      { key: 'beta1', label: 'β1 (momentum)', value: 0.9, min: 0, max: 0.999, step: 0.001 },
      { key: 'beta2', label: 'β2 (mean square)', value: 0.999, min: 0.5, max: 0.9999, step: 0.0001, closeToOne: true },
    ],
    text: [
      'Adam keeps both: a momentum of the gradient, <code>m ← β1·m + (1 − β1)·g</code>, and RMSProp\'s ' +
        'mean square, <code>v ← β2·v + (1 − β2)·g²</code>. Both start at zero, so early on they are too ' +
        'small; Adam divides each by the share of its weight already filled, <code>1 − β^t</code> (the ' +
        'bias correction), and steps by their ratio.',
      'At the first step m̂ = g and v̂ = g², so every coordinate moves by lr, in the direction of ' +
        '−sign(g), whatever the scale of f. β1 sets how long the momentum remembers (about ' +
        '1/(1 − β1) steps), β2 how long the scale does. With β1 = 0 Adam is RMSProp with the bias ' +
        'correction; β2 = 0.999 remembers the scale for about a thousand steps, longer than this ' +
        'run. Momentum and RMSProp run beside it at learning rate 0.1. RMSProp has no bias ' +
        'correction: after one step its mean square is only (1 − β)·g², so its first step is ' +
        'lr/√(1 − β) ≈ 3.2·lr in each coordinate, the bias Adam removes; both then head down the ' +
        'diagonal, where RMSProp\'s path lies under Adam\'s.',
    ],
    formula: 'm ← β1·m + (1 − β1)·g\n' +
      'v ← β2·v + (1 − β2)·g²\n' +
      'm̂ = m / (1 − β1^t),  v̂ = v / (1 − β2^t)\n' +
      'w ← w − lr·m̂ / (√v̂ + ε)',
    figures: ['contour', 'loss'],
    lab: (v) => ({
      fn: 'anisotropic', start: [1, 1], steps: 100,
      opts: ['momentum:lr=0.1,alpha=0.9', 'rmsprop:lr=0.1',
        `adam:lr=${formatNumber(v.lr)},beta1=${formatNumber(v.beta1)},beta2=${formatNumber(v.beta2)}`],
    }),
    request: (v) => ({
      function: 'anisotropic', start: [1, 1], steps: 100,
      optimizers: ['momentum:lr=0.1,alpha=0.9', 'rmsprop:lr=0.1',
        `adam:lr=${formatNumber(v.lr)},beta1=${formatNumber(v.beta1)},beta2=${formatNumber(v.beta2)}`],
      box: 1.25,
    }),
    notes: (v, a) => {
      const r = result(a, 2), p = r.points;
      const step = p.length > 1 ? p[1].map((x, i) => Math.abs(x - p[0][i])) : [NaN, NaN];
      const q = result(a, 1).points, rstep = q.length > 1 ? Math.abs(q[1][0] - q[0][0]) : NaN;
      return `Adam's first step moved w1 by ${fmt(step[0])} and w2 by ${fmt(step[1])} (lr = ${fmt(v.lr)}); ` +
        `RMSProp's moved w1 by ${fmt(rstep)}. ` +
        `After 100 steps: Adam ${ending(r)}; RMSProp ${ending(result(a, 1))}; momentum ${ending(result(a, 0))}.`;
    },
    tries: [
      { label: 'β1 = 0: no momentum, RMSProp with the bias correction', set: { beta1: 0 } },
      { label: 'β2 = 0.9: a short memory of the scale', set: { beta1: 0.9, beta2: 0.9 } },
      { label: 'lr = 0.001: the usual default, far too small here', set: { lr: 0.001, beta1: 0.9, beta2: 0.999 } },
    ],
  },
  {
    title: 'Must every optimizer be tuned?',
    settings: [
      {
        key: 'fn', label: 'function', value: 'anisotropic', choices: [
          { value: 'anisotropic', label: 'the seed\'s valley' },
          { value: 'anisotropic:angle=45', label: 'the valley turned by 45°' },
          { value: 'rosenbrock', label: 'Rosenbrock' },
          { value: 'isotropic', label: 'the round bowl' },
        ],
      },
      { key: 'steps', label: 'steps per run', value: 200, min: 10, max: 1000, step: 10, integer: true },
    ],
    text: [
      'The seed ends: every optimizer must be tuned to its problem. The figure runs each optimizer ' +
        'at 25 learning rates from 1e-4 to 1e2 times its default and scores each run from 0 (no ' +
        'progress from the start) to 1 (as far down as the best run of all). A method that needs no ' +
        'tuning would be a flat line near 1; the dashed ones are sold as learning-rate-free. Stars ' +
        'mark each one at its defaults. COCOB is flat by construction (its learning rate scales ' +
        'the gradient before a bet that undoes the scale), even where it scores low, as on Rosenbrock.',
      '<code>descent study tuning</code> measures the same over nine problems, from these bowls to an ' +
        'MLP on Fashion-MNIST (<code>docs/tuning-study.md</code> in the source). Its answer: at their defaults twelve optimizers score 0.34 on average and ' +
        'tuned 0.65; for most, the good learning rates span 0.2 to 1 decade; only COCOB is flat on almost ' +
        'every problem; and trying several optimizers at their defaults, keeping the best, beats ' +
        'tuning a single one.',
    ],
    formula: 'gap = final loss − minimum\n' +
      '      (clamped to [start gap·1e-12, start gap])\n' +
      'score = 1 − log10(gap / best) / log10(start gap / best)\n' +
      'tuning width = the decades of learning rate\n' +
      '      within 0.1 of the best score\n' +
      '      (0 when the best is itself at most 0.1)',
    figures: ['tuning'],
    lab: (v) => ({
      fn: v.fn, view: 'tuning', tuning: { points: 25, steps: v.steps },
      opts: ['sgd', 'momentum', 'rmsprop', 'adam', 'prodigy', 'cocob'],
    }),
    tuning: (v) => ({
      function: v.fn, steps: v.steps, points: 25,
      optimizers: ['sgd', 'momentum', 'rmsprop', 'adam', 'prodigy', 'cocob'],
    }),
    notes: (v, a) => {
      const widths = a.tuning.curves.map((c) => `${c.label.split(':')[0]} ${c.width.at_edge ? '≥ ' : ''}${c.width.decades.toFixed(1)}`);
      const flat = a.tuning.curves.filter((c) => Math.max(...c.score) - Math.min(...c.score) < 0.1).map((c) => c.label.split(':')[0]);
      return `Tuning widths on ${a.tuning.function}, in decades: ${widths.join(', ')}. ` +
        (flat.length ? `Flat within 0.1 over all six decades: ${flat.join(', ')}.` : 'No curve is flat.');
    },
    tries: [
      { label: 'Rosenbrock: a curved valley', set: { fn: 'rosenbrock' } },
      { label: 'the valley turned by 45°', set: { fn: 'anisotropic:angle=45' } },
      { label: 'only 20 steps per run', set: { steps: 20 } },
    ],
  },
  {
    title: 'Real networks: the landscape and the edge of stability',
    settings: [
      {
        key: 'plane', label: 'plane', value: 'exact', choices: [
          { value: 'exact', label: 'through the start and two solutions' },
          { value: 'pca', label: 'of the paths\' principal components' },
          { value: 'random', label: 'random, through a solution' },
        ],
      },
      {
        key: 'images', label: 'images (random plane)', value: 'train', choices: [
          { value: 'train', label: 'training images' },
          { value: 'test', label: 'test images' },
        ],
      },
    ],
    text: [
      'The seed draws each path on the surface of a two-parameter bowl. A network for ' +
        'Fashion-MNIST has 235,146 parameters, and its loss can only be seen on slices: a line ' +
        'between two points of parameter space, or a plane through three. The figures here are ' +
        'the files <code>descent landscape</code> wrote for the network the server was started ' +
        'with (<code>descent serve --network DIR</code>).',
      'On the plane through the shared start and two optimizers\' solutions, those three points ' +
        'are exact: the start sits high, and the paths run down into the basin. On the plane of ' +
        'the paths\' principal components, where Li et al. 2018 draw trajectories, the paths ' +
        'are projections, and a point\'s height is the plane\'s, not its own: for the default ' +
        '<code>descent train</code> run the start, at loss 2.31, shows as 0.29. A random ' +
        'plane through a solution, its directions scaled to each unit\'s weights (filter ' +
        'normalisation), shows the basin the optimizer ended in.',
      'The bowl\'s rule holds in a network too: gradient descent is stable while ' +
        '<code>lr·λmax &lt; 2</code>. The network\'s λmax, its sharpness, changes as it trains: ' +
        'under full-batch gradient descent it rises until it reaches 2/lr, then hovers there ' +
        'while the loss keeps falling in spikes (Cohen et al. 2021, "the edge of stability"). ' +
        '<code>descent train --sharpness-every K</code> measures it with exact Hessian-vector ' +
        'products.',
    ],
    formula: 'line:   L(a + t·(b − a)),  t = 0 at a, 1 at b\n' +
      'plane:  L(w* + s·d1 + t·d2)\n' +
      '        d1, d2 random, each row scaled to |row of w*|\n' +
      'stable while lr·λmax < 2\n' +
      'edge of stability: λmax rises to 2/lr and stays',
    figures: ['netsurface', 'netline', 'sharpness'],
    network: true,
    notes: (v, a) => {
      const net = a.network, planes = net.landscape.planes;
      const plane = planes[v.plane];
      if (!plane) return 'This run has one optimizer: there is no plane through two solutions. Choose another plane.';
      const z = v.plane === 'random' && v.images === 'test' ? plane.test_loss : plane.train_loss;
      let text;
      if (v.plane === 'random') {
        const flat = z.flat().filter((x) => x !== null);
        const centre = bilinear(plane, z, 0, 0);
        text = `On the ${v.images === 'test' ? 'test' : 'training'} images the loss at the solution w* is ` +
          `${fmt(centre)}; over the plane it runs from ${fmt(Math.min(...flat))} to ${fmt(Math.max(...flat))}.`;
      } else {
        const p = plane.paths[0];
        const start = p.loss ? p.loss[0] : null;
        text = v.plane === 'pca'
          ? `The paths' first two components explain ${(100 * net.landscape.meta.pca.explained_variance[0]).toFixed(1)}% and ` +
            `${(100 * net.landscape.meta.pca.explained_variance[1]).toFixed(1)}% of their variance. The start's own loss is ` +
            `${fmt(start)}; the plane at its projection shows ${fmt(p.plane_loss[0])}. The farther an iterate lies ` +
            'off the plane, the less its height says about it.'
          : `The start lies on this plane: its loss is ${fmt(lineStart(net))}, and the surface shows ` +
            `${fmt(bilinear(plane, z, 0, 0))} there. The first two solutions lie on it too; the other ` +
            'iterates are projected onto it.';
      }
      if (net.sharpness) {
        const parts = net.sharpness.filter((r) => r.threshold.some((v) => v !== null)).map((r) => {
          const k = r.step.findIndex((_, i) => r.threshold[i] !== null && r.sharpness[i] >= r.threshold[i]);
          const label = net.labels?.[r.optimizer] ?? r.optimizer;
          return k < 0
            ? `${label}: peak ${fmt(Math.max(...r.sharpness))}, below its threshold ${fmt(r.threshold.at(-1))}`
            : `${label} reached its threshold ${fmt(r.threshold[k])} at step ${r.step[k]}`;
        });
        if (!parts.length) parts.push('no run has a simple stability threshold (plain or heavy-ball gradient descent)');
        text += ` Sharpness: ${parts.join('; ')}.`;
      } else {
        text += ' This run was trained without --sharpness-every: no sharpness to show.';
      }
      return text;
    },
    tries: [
      { label: 'the plane through the start and two solutions: the start at its true loss', set: { plane: 'exact' } },
      { label: 'the PCA plane: heights of the projections, not of the iterates', set: { plane: 'pca' } },
      { label: 'a random plane through the solution, on the test images', set: { plane: 'random', images: 'test' } },
    ],
  },
];
