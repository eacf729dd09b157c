// The theory panel: the Hessian at the minimizer (or at the start when no minimizer is known),
// the settings under which gradient descent, momentum and Nesterov momentum are stable, the best ones, and buttons
// that use them.
import * as S from './state.js';
import { $, optimizerEntry } from './page.js';

export function renderTheory(app, on) {
  const box = $('theory-body');
  box.replaceChildren();
  const a = app.analysis?.answer;
  if (!a) {
    box.textContent = `No theory here: ${app.analysis?.error ?? 'not computed'}`;
    return;
  }
  const at = `(${a.point.map(S.displayNumber).join(', ')})`;
  const rows = [
    ['at', `${at}${a.at_minimizer ? ', the minimizer' : app.analysis.at_start ? ', the start (no known minimizer)' : ''}`],
    ['Hessian eigenvalues', a.eigenvalues.map(S.displayNumber).join(', ')],
    ['condition number κ', S.displayNumber(a.kappa)],
  ];
  if (a.gd) {
    rows.push(['GD stable for', `lr < ${S.displayNumber(a.gd.lr_max)}  (lr·λmax < 2)`]);
    rows.push(['GD best lr', `${S.displayNumber(a.gd.best_lr)}  (rate ${S.displayNumber(a.gd.rate)} per step)`]);
  }
  if (a.momentum) {
    rows.push(['momentum stable for', `lr < (2 + 2α)/${S.displayNumber(a.momentum.lambda_max)}`]);
    rows.push(['momentum best', `lr* = ${S.displayNumber(a.momentum.lr_star)}, α* = ${S.displayNumber(a.momentum.alpha_star)}  (rate ${S.displayNumber(a.momentum.rate)})`]);
  }
  if (a.nesterov) {
    rows.push(['Nesterov stable for', `lr < (2 + 2α)/((1 + 2α)·${S.displayNumber(a.nesterov.lambda_max)})`]);
  }
  const dl = document.createElement('dl');
  for (const [k, v] of rows) {
    const dt = document.createElement('dt');
    dt.textContent = k;
    const dd = document.createElement('dd');
    dd.textContent = v;
    dl.append(dt, dd);
  }
  box.append(dl);
  if (!a.applies) {
    const p = document.createElement('p');
    p.className = 'doc';
    p.textContent = a.not_applicable;
    box.append(p);
  }
  if (a.gd) box.append(applyButton(app, on, 'apply-gd', `Use lr = ${S.displayNumber(a.gd.best_lr)} for SGD`, ['sgd', 'gd'], { lr: a.gd.best_lr }));
  if (a.momentum) {
    box.append(applyButton(app, on, 'apply-momentum', `Use lr*, α* for momentum`, ['momentum'],
      { lr: a.momentum.lr_star, alpha: a.momentum.alpha_star, dampening: 0 }));
  }
}

/** A button that sets `settings` on every optimizer named in `names`, adding one if none is. */
function applyButton(app, on, id, text, names, settings) {
  const b = document.createElement('button');
  b.type = 'button';
  b.id = id;
  b.className = 'apply';
  b.textContent = text;
  b.addEventListener('click', () => {
    const st = app.state;
    let found = false;
    st.opts = st.opts.map((spec) => {
      const p = S.parseSpec(spec);
      if (!names.includes(p.name)) return spec;
      found = true;
      const values = { ...p.values };
      for (const [k, v] of Object.entries(settings)) values[k] = S.formatNumber(v);
      return S.buildSpec(optimizerEntry(app, p.name), values, p.schedule, p.wrapper);
    });
    if (!found && st.opts.length < S.limits.max_optimizers) {
      const values = {};
      for (const [k, v] of Object.entries(settings)) values[k] = S.formatNumber(v);
      st.opts.push(S.buildSpec(optimizerEntry(app, names[0]), values));
    }
    on.optimizersChanged();
  });
  return b;
}
