// Building the page: every value from the API goes in as text (textContent), never as HTML.
import {ApiError} from './api.js';

/**
 * h('a', {href: '#/x', class: 'c', onclick: fn, 'aria-label': 'y'}, 'text', child, [more]) → an element.
 * Attributes named on* become listeners; null/undefined/false attributes and children are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'class') el.className = value;
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

/** Replaces the element's children. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** An ISO instant as "2026-12-04 22:41:07 UTC" (the service works in UTC; so does the page). */
export function time(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC').replace(/Z$/, ' UTC');
}

/** A <time> element with the machine-readable instant. */
export function when(iso) {
  return iso ? h('time', {datetime: iso}, time(iso)) : '—';
}

/** Seconds as "3 h 12 min", "45 s". */
export function age(seconds) {
  if (seconds === null || seconds === undefined) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

/** A recipient or delivery state as a labelled badge (the word carries the meaning; colour only repeats it). */
export function badge(state) {
  const s = String(state || '').toUpperCase();
  const tone = {
    DELIVERED: 'good', ENABLED: 'good',
    QUEUED: 'wait', DEFERRED: 'wait', PENDING: 'wait', REVIEW: 'wait',
    BOUNCED_SOFT: 'warn', BLOCKED_POLICY: 'warn', COMPLAINT: 'bad', BOUNCED_HARD: 'bad', SUPPRESSED: 'bad',
    FAILED: 'bad', DISABLED: 'bad',
  }[s] || 'plain';
  return h('span', {class: `badge ${tone}`}, s.replace(/_/g, ' ').toLowerCase());
}

/** A table with a caption and a header row; rows are arrays of cells (text or nodes). */
export function table(caption, headers, rows, {empty = 'Nothing to show.', className = ''} = {}) {
  if (rows.length === 0) return h('p', {class: 'empty'}, empty);
  return h('div', {class: 'table-wrap'},
    h('table', {class: className},
      h('caption', {}, caption),
      h('thead', {}, h('tr', {}, headers.map((t) => h('th', {scope: 'col'}, t)))),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((c) => h('td', {}, c)))))));
}

/** A definition list from [term, value] pairs (rows whose value is undefined are left out). */
export function facts(pairs) {
  return h('dl', {class: 'facts'}, pairs.filter(([, v]) => v !== undefined)
    .map(([t, v]) => [h('dt', {}, t), h('dd', {}, v === null || v === '' ? '—' : v)]));
}

/** A labelled form field: <label for> + input/select/textarea. */
export function field(label, control, hint) {
  const id = control.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  control.id = id;
  const hintEl = hint ? h('span', {class: 'hint', id: `${id}-hint`}, hint) : null;
  if (hintEl) control.setAttribute('aria-describedby', hintEl.id);
  return h('div', {class: 'field'}, h('label', {for: id}, label), control, hintEl);
}

/** A <select> with the given options ([value, text] pairs) and the current value selected. */
export function select(name, options, current) {
  return h('select', {name}, options.map(([v, t]) => h('option', {value: v, selected: v === (current || '')}, t)));
}

/** An API failure as a person reads it: what was refused and why (the API's own message). */
export function problem(e) {
  if (e instanceof ApiError) {
    const scope = e.status === 403 && e.body.field === 'scope' ? ` This key lacks the "${e.body.value}" scope.` : '';
    return h('p', {class: 'alert', role: 'alert'}, `${e.message}${scope} (HTTP ${e.status})`);
  }
  return h('p', {class: 'alert', role: 'alert'}, `Could not load: ${e.message}`);
}
