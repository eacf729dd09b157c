// The lessons' state: which chapter, and its settings, read from and written to the address
// (/lessons/N?key=value...). No DOM here, so that node's test runner checks it
// (web/tests/state.test.mjs).
import { formatNumber } from './state.js';

/**
 * The chapter number of a path: /lessons/N for N in 1..count, or /lessons alone (chapter 1).
 * Returns { chapter, problem }: problem names what could not be read (then chapter is 1).
 */
export function chapterOfPath(pathname, count) {
  const m = /^\/lessons(?:\/(\d+))?\/?$/.exec(pathname);
  if (!m) return { chapter: 1, problem: `'${pathname}' is not a lesson's address` };
  if (m[1] === undefined) return { chapter: 1, problem: '' };
  const n = Number(m[1]);
  if (Number.isInteger(n) && n >= 1 && n <= count) return { chapter: n, problem: '' };
  return { chapter: 1, problem: `there is no lesson ${m[1]}; the lessons are 1 to ${count}` };
}

/** Whether `v` is a valid value of setting `s` (a number in [min, max], or one of `choices`). */
function valid(s, v) {
  if (s.choices) return s.choices.some((c) => c.value === v);
  return Number.isFinite(v) && v >= s.min && v <= s.max;
}

/**
 * A chapter's settings from a query string: each known key read and checked against the
 * setting's range, else its default; problems lists what was left at the default and why.
 */
export function decodeSettings(settings, query) {
  const q = new URLSearchParams(query);
  const values = {}, problems = [];
  for (const s of settings) {
    values[s.key] = s.value;
    if (!q.has(s.key)) continue;
    const text = q.get(s.key);
    const v = s.choices ? text : Number(text);
    if (text.trim() !== '' && valid(s, v)) values[s.key] = v;
    else if (s.choices) problems.push(`${s.key} '${text}' is not one of ${s.choices.map((c) => c.value).join(', ')}`);
    else problems.push(`${s.key} '${text}' is not a number in [${s.min}, ${s.max}]`);
  }
  for (const key of q.keys())
    if (!settings.some((s) => s.key === key)) problems.push(`this lesson has no setting '${key}'`);
  return { values, problems };
}

/** The settings as a query string, in the chapter's order (numbers as the shortest round trip). */
export function encodeSettings(settings, values) {
  const q = new URLSearchParams();
  for (const s of settings) q.set(s.key, s.choices ? values[s.key] : formatNumber(values[s.key]));
  return q.toString();
}

/** The start (x, y) turned by `degrees` about the origin (a valley and its start turn together). */
export function turned(point, degrees) {
  const a = (degrees * Math.PI) / 180, c = Math.cos(a), s = Math.sin(a);
  return [c * point[0] - s * point[1], s * point[0] + c * point[1]];
}

/** A slider position in [0, 1000] for `v`, and back: linear, or in log10 for a log setting. */
export function toSlider(s, v) {
  const t = s.log ? (Math.log10(v) - Math.log10(s.min)) / (Math.log10(s.max) - Math.log10(s.min))
    : (v - s.min) / (s.max - s.min);
  return Math.round(Math.min(Math.max(t, 0), 1) * 1000);
}
export function fromSlider(s, pos) {
  const t = pos / 1000;
  const v = s.log ? 10 ** (Math.log10(s.min) + t * (Math.log10(s.max) - Math.log10(s.min)))
    : s.min + t * (s.max - s.min);
  // Three significant digits, or whole steps: values that read well in a spec and an address.
  return s.step ? Number((Math.round(v / s.step) * s.step).toPrecision(12)) : Number(v.toPrecision(3));
}
