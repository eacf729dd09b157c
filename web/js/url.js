// The page's address: it holds the whole state (encoded and decoded by state.js), so that a link
// opens the same experiment; the "Copy link" button copies it.
import * as S from './state.js';
import { $, optimizerEntry } from './page.js';
import { setStatus } from './status.js';

/** Puts `state` in the address bar, in place (a change adds no history entry). */
export function writeAddress(state) {
  history.replaceState(null, '', `?${S.encodeState(state)}`);
}

/**
 * The state the address holds and the problems found in it. Optimizers the registry does not
 * know are left out (with a problem each); if none is left, the seed's are used.
 */
export function readAddress(app) {
  const { state, problems } = S.decodeState(location.search);
  const known = state.opts.filter((spec) => {
    try {
      // Every level a known name: wrappers before the last '/', an optimizer after it.
      const { name, wrapper } = S.parseSpec(spec);
      const levels = wrapper ? wrapper.split('/').map((w) => S.parseSpec(w).name) : [];
      const inner = optimizerEntry(app, name);
      if (inner && inner.family !== 'wrapper'
          && levels.every((w) => optimizerEntry(app, w)?.family === 'wrapper')) return true;
    } catch { /* reported below */ }
    problems.push(`optimizer '${spec}' is not in the registry; left out`);
    return false;
  });
  state.opts = known.length ? known : [...S.DEFAULT_STATE.opts];
  return { state, problems };
}

/** Says under the controls what was wrong with the address, if anything was. */
export function showAddressProblems(problems) {
  if (problems.length) {
    $('problems').textContent = `From the address: ${problems.join('; ')}`;
    $('problems').hidden = false;
  }
}

export function wireShare() {
  $('share').addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(location.href);
      setStatus('link copied');
    } catch {
      setStatus('copy the address bar: it holds this view');
    }
  });
}
