// Domains: this node's per-domain throttles (GET /v1/throttle: why a domain is slowed: dead, full, backoff), and,
// where the service has the stats API (GET /v1/stats?by=domain, GET /v1/pauses), per domain the volume, the rates and
// each domain's share of all the window's failures, so "is this spike one domain?" is one glance at the bars.
import {api, available, query} from './api.js';
import {h, when, table, field, select} from './dom.js';
import {bars} from './plot.js';

const WINDOWS = [['15m', 'last 15 minutes'], ['1h', 'last hour'], ['24h', 'last 24 hours'], ['7d', 'last 7 days']];
const pct = (v) => (typeof v === 'number' ? `${(100 * v).toFixed(v > 0 && v < 0.01 ? 2 : 1)} %` : '—');
const STATUS = {dead: ['bad', 'dead: no connection before the probe'], full: ['wait', 'full: every allowed connection in use'],
  backoff: ['warn', 'backoff: fewer connections, slower after deferrals'], open: ['good', 'open']};

export async function render(main, {params, stale}) {
  main.append(h('h1', {}, 'Domains'));
  const stats = available.has('/v1/stats');
  const window = WINDOWS.some(([w]) => w === params.get('window')) ? params.get('window') : '1h';
  const [throttle, counts, pauses] = await Promise.all([api('/v1/throttle'),
    stats ? api(`/v1/stats${query({window, by: 'domain', limit: 200})}`) : null,
    available.has('/v1/pauses') ? api('/v1/pauses') : null]);
  if (stale()) return;
  const paused = new Map((pauses ? pauses.pauses : []).filter((p) => p.scope_kind === 'domain').map((p) => [p.scope, p]));
  if (counts) main.append(rates(counts, window, paused));
  main.append(h('section', {'aria-labelledby': 'throttle'}, h('h2', {id: 'throttle'}, `Throttle on node ${throttle.node}`),
    h('p', {class: 'note'}, 'Each node paces each recipient domain by its replies (AIMD concurrency, a delay between connections, '
      + 'a dead domain probed later); this is the state on the node that answered, at ', when(throttle.at), '.'),
    table('Throttle per domain, slowed first', ['Domain', 'Status', 'Connections allowed', 'In flight', 'Delay between connections',
      'Dead until', 'Deferrals', 'Rate limits', 'Connection failures', 'Paused'], throttle.domains.map((d) => [
      d.domain, h('span', {class: `badge ${STATUS[d.status][0]}`}, STATUS[d.status][1]), String(d.concurrency), String(d.in_flight),
      d.connection_delay_ms ? `${(d.connection_delay_ms / 1000).toFixed(1)} s` : 'none', d.dead_until ? when(d.dead_until) : '—',
      String(d.deferrals), String(d.rate_limits), String(d.connection_failures),
      paused.has(d.domain) ? `paused: ${paused.get(d.domain).reason}` : 'no',
    ]), {empty: 'This node has not delivered to any domain since it started.'})));
}

function rates(stats, window, paused) {
  const chooser = select('window', WINDOWS, window);
  const form = h('form', {class: 'filters', 'aria-label': 'Window'}, field('Window', chooser),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Show')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/domains${query({window: chooser.value})}`;
  });
  const all = stats.overall.counts;
  const failures = (c) => c.hard_bounces + c.soft_bounces + c.blocked + c.complaints;
  const totalFailures = failures(all);
  const rows = [...stats.scopes].sort((a, b) => failures(b.counts) - failures(a.counts) || b.counts.attempts - a.counts.attempts);
  const section = h('section', {'aria-labelledby': 'volume'}, h('h2', {id: 'volume'}, 'Volume and rates'), form,
    h('p', {class: 'count'}, `${WINDOWS.find(([w]) => w === window)[1]}: ${all.attempts} attempts, ${all.finals} final outcomes, `
      + `${totalFailures} failures over ${rows.length} domain(s)${stats.truncated ? ' (the 200 busiest shown)' : ''}.`));
  if (totalFailures > 0) {
    const top = rows.filter((r) => failures(r.counts) > 0).slice(0, 10);
    section.append(h('h3', {}, 'Share of the failures by domain'),
      bars('Share of the failures by domain', top.map((r) => ({label: r.scope, value: Math.round((1000 * failures(r.counts)) / totalFailures) / 10,
        tone: failures(r.counts) / totalFailures >= 0.5 ? 'bad' : 'warn'})), {unit: ' %'}));
  }
  section.append(table(`Per domain, ${WINDOWS.find(([w]) => w === window)[1]}`, ['Domain', 'Attempts', 'Delivered', 'Hard bounce rate',
    'Soft bounce rate', 'Block rate', 'Complaint rate', 'Defer rate', 'Share of failures', 'Paused'], rows.map((r) => [
    r.scope, String(r.counts.attempts), String(r.counts.delivered), pct(r.rates.hard_bounce), pct(r.rates.soft_bounce), pct(r.rates.block),
    pct(r.rates.complaint), pct(r.rates.defer), totalFailures ? pct(failures(r.counts) / totalFailures) : '—',
    paused.has(r.scope) ? `paused: ${paused.get(r.scope).reason}` : 'no',
  ]), {empty: 'No attempt in this window.'}));
  return section;
}
