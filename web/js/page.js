// What the parts of the lab page share: the element lookup, the paths' colours, the registry's
// entries and the start point. Every part is handed the page object, `app` (built in app.js), and
// reads and changes the page's state through it.
import * as S from './state.js';

/** The colour of optimizer i is COLORS[i % COLORS.length], in every view, chart and table. */
export const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf'];
/** The function menu's entry for a typed expression. */
export const EXPRESSION = '__expression';

export const $ = (id) => document.getElementById(id);

export const optimizerEntry = (app, name) => app.optimizers.find((e) => e.name === name);
export const functionEntry = (app, spec) =>
  app.functions.find((e) => e.name === S.parseSpec(spec).name) ?? null;

/** Whether `spec` is a typed expression rather than a function of the registry. */
export function isExpression(app, spec) {
  try {
    return functionEntry(app, spec) === null;
  } catch {
    return true;
  }
}

/** Where the paths start: the start chosen, else the function's own (once its surface is in). */
export function currentStart(app) {
  return app.state.start ?? app.base?.surface?.default_start ?? null;
}
