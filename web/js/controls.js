// The controls on the left, generated from the registry: the function and its settings (or a
// typed expression), the start and the number of steps, and one card per optimizer with its
// settings, its spec and, on a quadratic, whether the theory calls it stable.
import * as S from './state.js';
import { $, COLORS, EXPRESSION, currentStart, functionEntry, isExpression, optimizerEntry } from './page.js';

const DEFAULT_EXPRESSION = 'w1^2 + 8*w2^2';

function valueOf(param, values) {
  return values[param.name] ?? S.defaultText(param);
}

/**
 * Adds one control per parameter of `entry` to `box`; `onChange(values)` gets the settings as
 * text after every change. Parameters not marked always_shown go under "more settings" when
 * `fold` is set.
 */
function renderParams(box, entry, values, onChange, fold) {
  box.replaceChildren();
  let more = null;
  for (const p of entry.params) {
    let parent = box;
    if (fold && !p.always_shown) {
      if (!more) {
        more = document.createElement('details');
        more.className = 'more';
        more.innerHTML = '<summary>more settings</summary>';
        box.append(more);
      }
      parent = more;
    }
    parent.append(paramControl(p, values, onChange));
  }
}

function paramControl(p, values, onChange) {
  const row = document.createElement('label');
  row.className = 'param';
  row.title = `${p.doc} (range ${p.range}, default ${S.defaultText(p)})`;
  const name = document.createElement('span');
  name.textContent = p.name;
  row.append(name);
  const set = (text) => {
    values[p.name] = text;
    onChange(values);
  };
  const current = valueOf(p, values);
  if (p.type === 'real') {
    const range = S.sliderRange(p);
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.min = 0;
    slider.max = S.SLIDER_STEPS;
    slider.dataset.param = p.name;
    slider.setAttribute('aria-label', `${p.name} slider${range.log ? ' (logarithmic)' : ''}`);
    const number = document.createElement('input');
    number.type = 'number';
    number.step = 'any';
    number.dataset.param = p.name;
    number.value = current;
    slider.value = S.sliderPosition(range, Number(current));
    slider.addEventListener('input', () => {
      const v = S.formatNumber(S.sliderValue(range, Number(slider.value)));
      number.value = v;
      set(v);
    });
    number.addEventListener('change', () => {
      if (number.value.trim() === '' || !Number.isFinite(Number(number.value))) return;
      slider.value = S.sliderPosition(range, Number(number.value));
      set(S.formatNumber(Number(number.value)));
    });
    row.append(slider, number);
  } else if (p.type === 'boolean') {
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.dataset.param = p.name;
    box.checked = current === 'true';
    box.addEventListener('change', () => set(box.checked ? 'true' : 'false'));
    row.classList.add('wide');
    row.append(box);
  } else if (p.type === 'choice') {
    const select = document.createElement('select');
    select.dataset.param = p.name;
    for (const c of p.choices) select.add(new Option(c, c, false, c === current));
    select.addEventListener('change', () => set(select.value));
    row.classList.add('wide');
    row.append(select);
  } else {
    // integers and lists: typed as text, checked by the engine
    const input = document.createElement('input');
    input.type = p.type === 'integer' ? 'number' : 'text';
    if (p.type === 'integer') input.step = 1;
    input.dataset.param = p.name;
    input.value = current;
    input.addEventListener('change', () => set(input.value.trim()));
    row.classList.add('wide');
    row.append(input);
  }
  return row;
}

/** Adds an option per optimizer to `select`, grouped by family in the registry's order. */
function addOptimizerOptions(select, optimizers, selected) {
  const groups = new Map();
  for (const o of optimizers) {
    if (o.family === 'wrapper') continue; // chosen in the card's "around it" menu
    if (!groups.has(o.family)) {
      const g = document.createElement('optgroup');
      g.label = o.family;
      groups.set(o.family, g);
      select.append(g);
    }
    groups.get(o.family).append(new Option(o.name, o.name, false, o.name === selected));
  }
}

/** The function menu and the optimizer menu, from the registry. */
export function fillMenus(app) {
  const fsel = $('function');
  for (const f of app.functions) fsel.add(new Option(f.name, f.name));
  fsel.add(new Option('typed expression…', EXPRESSION));
  addOptimizerOptions($('add-name'), app.optimizers, 'adam');
  $('add-name').value = 'adam';
}

export function renderFunctionControls(app, on) {
  const st = app.state;
  const select = $('function');
  const expression = isExpression(app, st.fn);
  select.value = expression ? EXPRESSION : S.parseSpec(st.fn).name;
  $('expression-row').hidden = !expression;
  const box = $('function-params');
  if (expression) {
    $('expression').value = st.fn;
    $('function-doc').textContent =
      'A typed expression in w1 and w2: + - * / ^, sin, cos, exp, log, sqrt, abs, tanh, ...; exact gradients.';
    box.replaceChildren();
    return;
  }
  const entry = functionEntry(app, st.fn);
  $('function-doc').textContent = entry.doc;
  const values = { ...S.parseSpec(st.fn).values };
  renderParams(box, entry, values, (v) => {
    st.fn = S.buildSpec(entry, v);
    on.refresh();
  }, false);
}

export function renderOptimizerCards(app, on) {
  const st = app.state;
  const box = $('optimizers');
  box.replaceChildren();
  st.opts.forEach((spec, i) => {
    const parsed = S.parseSpec(spec);
    const entry = optimizerEntry(app, parsed.name);
    const card = document.createElement('div');
    card.className = 'opt';
    card.dataset.index = i;
    card.style.setProperty('--color', COLORS[i % COLORS.length]);
    const head = document.createElement('div');
    head.className = 'opt-head';
    const kind = document.createElement('select');
    kind.setAttribute('aria-label', `optimizer ${i + 1}`);
    addOptimizerOptions(kind, app.optimizers, parsed.name);
    kind.addEventListener('change', () => {
      const { wrapper } = S.parseSpec(st.opts[i]); // as it is now, its settings edited or not
      st.opts[i] = wrapper ? `${wrapper}/${kind.value}` : kind.value;
      on.optimizersChanged();
    });
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'remove';
    remove.textContent = '×';
    remove.title = 'remove this optimizer';
    remove.disabled = st.opts.length === 1;
    remove.addEventListener('click', () => {
      st.opts.splice(i, 1);
      on.optimizersChanged();
    });
    // A wrapper around it (one level; a spec typed with more keeps them as written).
    const around = document.createElement('select');
    around.className = 'around';
    around.setAttribute('aria-label', `wrapper around optimizer ${i + 1}`);
    around.title = 'a wrapper around this optimizer (descent list --family wrapper)';
    around.add(new Option('no wrapper', ''));
    for (const o of app.optimizers.filter((e) => e.family === 'wrapper'))
      around.add(new Option(`around it: ${o.name}`, o.name));
    const wrapped = parsed.wrapper ? S.parseSpec(parsed.wrapper) : null;
    around.value = wrapped && !parsed.wrapper.includes('/') ? wrapped.name : '';
    around.disabled = Boolean(parsed.wrapper.includes('/'));
    around.addEventListener('change', () => {
      const p = S.parseSpec(st.opts[i]);
      st.opts[i] = S.buildSpec(entry, p.values, p.schedule, around.value);
      on.optimizersChanged();
    });
    head.append(kind, remove);
    const wrapperParams = document.createElement('div');
    wrapperParams.className = 'wrapper-params';
    const wrapperEntry = around.value ? optimizerEntry(app, around.value) : null;
    if (wrapperEntry) {
      const wvalues = { ...wrapped.values };
      renderParams(wrapperParams, wrapperEntry, wvalues, (v) => {
        const p = S.parseSpec(st.opts[i]);
        st.opts[i] = S.buildSpec(entry, p.values, p.schedule, S.buildSpec(wrapperEntry, v));
        specLine.textContent = st.opts[i];
        on.refresh();
      }, false);
    }
    const params = document.createElement('div');
    const specLine = document.createElement('div');
    specLine.className = 'spec';
    specLine.textContent = spec;
    const note = document.createElement('div');
    note.className = 'note';
    const values = { ...parsed.values };
    renderParams(params, entry, values, (v) => {
      const p = S.parseSpec(st.opts[i]);
      st.opts[i] = S.buildSpec(entry, v, p.schedule, p.wrapper);
      specLine.textContent = st.opts[i];
      on.refresh();
    }, true);
    card.append(head, around, wrapperParams, params, specLine, note);
    box.append(card);
  });
  $('add').disabled = st.opts.length >= S.limits.max_optimizers;
  renderStabilityNotes(app);
}

/** Each card's note: stable or not by the theory's limit on lr, when the function is quadratic. */
export function renderStabilityNotes(app) {
  const lambda = app.analysis?.answer?.eigenvalues?.length
    ? Math.max(...app.analysis.answer.eigenvalues) : null;
  document.querySelectorAll('#optimizers .opt').forEach((card) => {
    const note = card.querySelector('.note');
    const s = lambda && app.analysis.answer.quadratic
      ? S.stability(app.state.opts[Number(card.dataset.index)], app.optimizers, lambda) : null;
    note.className = 'note';
    if (!s) {
      note.textContent = '';
      return;
    }
    note.classList.add(s.stable ? 'stable' : 'unstable');
    note.textContent = `${s.stable ? 'stable' : 'unstable'}: ${s.rule} needs lr < ${S.displayNumber(s.limit)}`;
  });
}

export function renderStartAndSteps(app) {
  const start = currentStart(app);
  $('start-x').value = start ? S.formatNumber(start[0]) : '';
  $('start-y').value = start ? S.formatNumber(start[1]) : '';
  $('steps').value = app.state.steps;
}

/** The controls' own inputs: the function menu, the expression, the start, the steps, Add. */
export function wireControls(app, on) {
  const st = app.state;
  $('function').addEventListener('change', () => {
    const v = $('function').value;
    st.fn = v === EXPRESSION ? ($('expression').value.trim() || DEFAULT_EXPRESSION) : v;
    st.start = null;
    renderFunctionControls(app, on);
    on.refresh();
  });
  let typing = 0;
  $('expression').addEventListener('input', () => {
    clearTimeout(typing);
    typing = setTimeout(() => {
      const text = $('expression').value.trim();
      if (text === '' || text === st.fn) return;
      st.fn = text;
      on.refresh();
    }, 250);
  });
  for (const id of ['start-x', 'start-y']) {
    $(id).addEventListener('change', () => {
      const s = [Number($('start-x').value), Number($('start-y').value)];
      if (s.every(Number.isFinite)) {
        st.start = s;
        on.refresh();
      }
    });
  }
  $('steps').addEventListener('change', () => {
    const n = Math.round(Number($('steps').value));
    st.steps = Math.min(Math.max(Number.isFinite(n) ? n : 50, 1), S.limits.max_steps);
    $('steps').value = st.steps;
    on.refresh();
  });
  $('add').addEventListener('click', () => {
    if (st.opts.length >= S.limits.max_optimizers) return;
    st.opts.push($('add-name').value);
    on.optimizersChanged();
  });
}
