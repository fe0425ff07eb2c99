// The one door to the JSON API: every call carries the key typed at login as "Authorization: Bearer".
// The key lives in this tab's sessionStorage (gone when the tab closes) and never in a URL.

const KEY = 'rebound.apiKey';

export const session = {
  key: () => sessionStorage.getItem(KEY),
  set: (key) => sessionStorage.setItem(KEY, key),
  clear: () => sessionStorage.removeItem(KEY),
};

/** A refusal of the API, carrying its JSON error {error, field, value, message}. */
export class ApiError extends Error {
  constructor(status, body, path) {
    super(body && body.message ? body.message : `HTTP ${status} from ${path}`);
    this.status = status;
    this.body = body || {};
  }
}

/** The API paths this service has (filled from /openapi.json at login); pages ask it before linking to a section. */
export const available = new Set();

let onUnauthorized = () => {};
/** What to do when the API answers 401 (the key was revoked, or there is none): the app shows the login. */
export function whenUnauthorized(fn) {
  onUnauthorized = fn;
}

/** Calls the API and returns its JSON (null for an empty answer); throws ApiError for a non-2xx status. */
export async function api(path, {method = 'GET', body, key = session.key(), quiet401 = false} = {}) {
  const headers = {Accept: 'application/json'};
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    cache: 'no-store', credentials: 'omit', redirect: 'error',
  });
  const type = res.headers.get('Content-Type') || '';
  const data = type.startsWith('application/json') ? await res.json() : null;
  if (!res.ok) {
    if (res.status === 401 && !quiet401) onUnauthorized();
    throw new ApiError(res.status, data, path);
  }
  return data;
}

/** Query string from an object, leaving out empty values. */
export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, v);
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The text of /metrics as {name: [{labels, value}]} (Prometheus text format 0.0.4, comments skipped). */
export function parseMetrics(text) {
  const out = {};
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const l of (m[3] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]] = l[2];
    (out[m[1]] ||= []).push({labels, value: Number(m[4])});
  }
  return out;
}

/** GET /metrics as text (needs the read scope). */
export async function metrics() {
  const key = session.key();
  const res = await fetch('/metrics', {headers: key ? {Authorization: `Bearer ${key}`} : {}, cache: 'no-store', credentials: 'omit'});
  if (!res.ok) throw new ApiError(res.status, null, '/metrics');
  return parseMetrics(await res.text());
}
