// Domains (GET /v1/domains: per recipient domain this node's throttle, the pause, the last hour's counts and rates;
// GET /v1/stats?by=domain for another window): why a domain is slowed (dead until its probe, backing off, paused), and
// each domain's share of the window's failures, so "is this spike one domain?" is one glance at the bars.
import {api, available, query} from './api.js';
import {h, when, table, field, select} from './dom.js';
import {bars} from './plot.js';

const WINDOWS = [['15m', 'last 15 minutes'], ['1h', 'last hour'], ['24h', 'last 24 hours'], ['7d', 'last 7 days']];
const pct = (v) => (typeof v === 'number' ? `${(100 * v).toFixed(v > 0 && v < 0.01 ? 2 : 1)} %` : '—');
const failures = (c) => c.hard_bounces + c.soft_bounces + c.blocked + c.complaints;

/** Why sending to the domain is slowed, most binding first, as a labelled badge. */
function status(d, max) {
  const t = d.throttle;
  if (d.pause) return h('span', {class: 'badge bad'}, `paused: ${d.pause.reason}`);
  if (!t.known) return h('span', {class: 'badge plain'}, 'not tried by this node');
  if (t.dead) return h('span', {class: 'badge bad'}, 'dead until the probe');
  if (t.in_flight >= t.concurrency_limit) return h('span', {class: 'badge wait'}, 'full');
  if (t.throttled) return h('span', {class: 'badge warn'}, t.connection_delay_ms ? 'backing off (delay)' : `backing off (${t.concurrency_limit} of ${max})`);
  return h('span', {class: 'badge good'}, 'open');
}

export async function render(main, {params, stale}) {
  const window = WINDOWS.some(([w]) => w === params.get('window')) ? params.get('window') : '1h';
  const [domains, stats] = await Promise.all([api('/v1/domains'),
    window !== '1h' && available.has('/v1/stats') ? api(`/v1/stats${query({window, by: 'domain', limit: 200})}`) : null]);
  if (stale()) return;
  main.append(h('h1', {}, 'Domains'));
  const rows = stats ? stats.scopes.map((s) => ({domain: s.scope, stats: s})) : domains.domains.map((d) => ({domain: d.domain, stats: d.last_hour}));
  const byName = new Map(domains.domains.map((d) => [d.domain, d]));
  const total = rows.reduce((n, r) => n + failures(r.stats.counts), 0);
  rows.sort((a, b) => failures(b.stats.counts) - failures(a.stats.counts) || b.stats.counts.attempts - a.stats.counts.attempts
    || a.domain.localeCompare(b.domain));

  const chooser = select('window', WINDOWS, window);
  const form = h('form', {class: 'filters', 'aria-label': 'Choose the window'}, field('Window', chooser),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Show')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/domains${query({window: chooser.value})}`;
  });
  const label = WINDOWS.find(([w]) => w === window)[1];
  main.append(available.has('/v1/stats') ? form : '',
    h('p', {class: 'count'}, `${label}: ${total} failure(s) over ${rows.length} domain(s). Throttle: the state on the node that answered.`));
  if (total > 0) {
    const top = rows.filter((r) => failures(r.stats.counts) > 0).slice(0, 10);
    main.append(h('section', {'aria-labelledby': 'share'}, h('h2', {id: 'share'}, `Share of the failures by domain, ${label}`),
      bars('Share of the failures by domain', top.map((r) => ({label: r.domain, value: Math.round((1000 * failures(r.stats.counts)) / total) / 10,
        tone: failures(r.stats.counts) / total >= 0.5 ? 'bad' : 'warn'})), {unit: ' %'})));
  }
  const known = new Set(rows.map((r) => r.domain));
  for (const d of domains.domains) if (!known.has(d.domain)) rows.push({domain: d.domain, stats: d.last_hour});
  main.append(h('section', {'aria-labelledby': 'per-domain'}, h('h2', {id: 'per-domain'}, 'Per domain'),
    table(`Per domain, ${label}`, ['Domain', 'Status', 'Connections', 'Delay', 'Dead until', 'Attempts', 'Hard bounce rate', 'Soft bounce rate',
      'Block rate', 'Complaint rate', 'Defer rate', 'Share of failures'], rows.map((r) => {
      const d = byName.get(r.domain) || {domain: r.domain, throttle: {known: false}, pause: null};
      const t = d.throttle;
      return [r.domain, status(d, domains.max_concurrency), t.known ? `${t.in_flight} of ${t.concurrency_limit}` : '—',
        t.known && t.connection_delay_ms ? `${(t.connection_delay_ms / 1000).toFixed(1)} s` : '—', t.known && t.dead_until ? when(t.dead_until) : '—',
        String(r.stats.counts.attempts), pct(r.stats.rates.hard_bounce), pct(r.stats.rates.soft_bounce), pct(r.stats.rates.block),
        pct(r.stats.rates.complaint), pct(r.stats.rates.defer), total ? pct(failures(r.stats.counts) / total) : '—'];
    }), {empty: 'No domain: nothing sent in this window and nothing throttled or paused.'})));
}
