// The header's status line and the page's error boxes: an error in a typed expression shows
// under the expression, every other one under the controls.
import { $, isExpression } from './page.js';

export function setStatus(text) {
  $('status').textContent = text;
}

export function showError(app, e) {
  app.lastError = e.message;
  setStatus('');
  const target = e.field === 'function' && isExpression(app, app.state.fn) ? $('expression-error') : $('problems');
  target.textContent = e.field ? `${e.field}: ${e.message}` : e.message;
  target.hidden = false;
}

export function clearErrors(app) {
  app.lastError = '';
  for (const id of ['expression-error', 'problems']) {
    $(id).hidden = true;
    $(id).textContent = '';
  }
}
