// The lessons' state: which chapter, and its settings, read from and written to the address
// (/lessons/N?key=value...). No DOM here, so that node's test runner checks it
// (web/tests/state.test.mjs).
import { formatNumber } from './state.js';

/**
 * The chapter number of a path: /lessons/N for N in 1..count, or /lessons alone (chapter 1).
 * Returns { chapter, problem }: problem names what could not be read (then chapter is 1).
 */
export function chapterOfPath(pathname, count) {
  if (pathname === '/lessons.html') return { chapter: 1, problem: '' };
  const m = /^\/lessons(?:\/(\d+))?\/?$/.exec(pathname);
  if (!m) return { chapter: 1, problem: `'${pathname}' is not a lesson's address` };
  if (m[1] === undefined) return { chapter: 1, problem: '' };
  const n = Number(m[1]);
  if (Number.isInteger(n) && n >= 1 && n <= count) return { chapter: n, problem: '' };
  return { chapter: 1, problem: `there is no lesson ${m[1]}; the lessons are 1 to ${count}` };
}

/**
 * Whether `v` is a valid value of setting `s`: one of its `choices`, or a number in [min, max]
 * (a whole one for an `integer` setting).
 */
export function valid(s, v) {
  if (s.choices) return s.choices.some((c) => c.value === v);
  return Number.isFinite(v) && v >= s.min && v <= s.max && (!s.integer || Number.isInteger(v));
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
    else problems.push(`${s.key} '${text}' is not a ${s.integer ? 'whole ' : ''}number in [${s.min}, ${s.max}]`);
  }
  for (const key of q.keys())
    if (!settings.some((s) => s.key === key)) problems.push(`this lesson has no setting '${key}'`);
  return { values, problems };
}

/** The settings as a query string, in the chapter's order (numbers to 6 significant digits). */
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

// A setting's position along its slider, from 0 to 1: linear; in log10 for `log`; in log10 of
// 1 - v for `closeToOne` (a rate such as β2 = 0.999, whose decimals after the 9s matter).
const along = (s) => (s.log ? Math.log10 : s.closeToOne ? (v) => Math.log10(1 - v) : (v) => v);
const back = (s) => (s.log ? (u) => 10 ** u : s.closeToOne ? (u) => 1 - 10 ** u : (u) => u);

/** A slider position in [0, 1000] for `v`, and back. */
export function toSlider(s, v) {
  const f = along(s);
  const t = (f(v) - f(s.min)) / (f(s.max) - f(s.min));
  return Math.round(Math.min(Math.max(t, 0), 1) * 1000);
}
export function fromSlider(s, pos) {
  const f = along(s);
  const v = back(s)(f(s.min) + (pos / 1000) * (f(s.max) - f(s.min)));
  // Three significant digits, or whole steps: values that read well in a spec and an address.
  return s.step ? Number((Math.round(v / s.step) * s.step).toPrecision(12)) : Number(v.toPrecision(3));
}
