// Domains (GET /v1/stats?by=domain over a window, GET /v1/pauses): per recipient domain the volume, the rates, and
// each domain's share of all the window's failures, so "is this spike one domain?" is one glance at the bars.
import {api, query} from './api.js';
import {h, table, field, select} from './dom.js';
import {bars} from './plot.js';

const WINDOWS = [['15m', 'last 15 minutes'], ['1h', 'last hour'], ['24h', 'last 24 hours'], ['7d', 'last 7 days']];
const pct = (v) => (typeof v === 'number' ? `${(100 * v).toFixed(v > 0 && v < 0.01 ? 2 : 1)} %` : '—');

export async function render(main, {params, stale}) {
  const window = WINDOWS.some(([w]) => w === params.get('window')) ? params.get('window') : '1h';
  const chooser = select('window', WINDOWS, window);
  const form = h('form', {class: 'filters', 'aria-label': 'Window'}, field('Window', chooser),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Show')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/domains${query({window: chooser.value})}`;
  });
  main.append(h('h1', {}, 'Domains'), form);
  const [stats, pauses] = await Promise.all([api(`/v1/stats${query({window, by: 'domain', limit: 200})}`), api('/v1/pauses')]);
  if (stale()) return;
  const paused = new Map(pauses.pauses.filter((p) => p.scope_kind === 'domain').map((p) => [p.scope, p]));
  const all = stats.overall.counts;
  const failures = (c) => c.hard_bounces + c.soft_bounces + c.blocked + c.complaints;
  const totalFailures = failures(all);
  const rows = [...stats.scopes].sort((a, b) => failures(b.counts) - failures(a.counts) || b.counts.attempts - a.counts.attempts);
  main.append(h('p', {class: 'count'}, `From ${stats.from.replace('T', ' ').replace(/:00Z$/, ' UTC')} to ${stats.to.replace('T', ' ').replace(/:00Z$/, ' UTC')}: `
    + `${all.attempts} attempts, ${all.finals} final outcomes, ${totalFailures} failures over ${rows.length} domain(s)`
    + (stats.truncated ? ' (the 200 busiest shown)' : '') + '.'));
  if (totalFailures > 0) {
    const top = rows.filter((r) => failures(r.counts) > 0).slice(0, 10);
    main.append(h('section', {'aria-labelledby': 'share'}, h('h2', {id: 'share'}, 'Share of the failures by domain'),
      bars('Share of the failures by domain', top.map((r) => ({label: r.scope, value: Math.round((1000 * failures(r.counts)) / totalFailures) / 10,
        tone: failures(r.counts) / totalFailures >= 0.5 ? 'bad' : 'warn'})), {unit: ' %'})));
  }
  main.append(h('section', {'aria-labelledby': 'per-domain'}, h('h2', {id: 'per-domain'}, 'Per domain'),
    table(`Per domain, ${WINDOWS.find(([w]) => w === window)[1]}`, ['Domain', 'Attempts', 'Delivered', 'Hard bounce rate', 'Soft bounce rate', 'Block rate',
      'Complaint rate', 'Defer rate', 'Share of failures', 'Paused'], rows.map((r) => [
      r.scope,
      String(r.counts.attempts), String(r.counts.delivered), pct(r.rates.hard_bounce), pct(r.rates.soft_bounce), pct(r.rates.block),
      pct(r.rates.complaint), pct(r.rates.defer), totalFailures ? pct(failures(r.counts) / totalFailures) : '—',
      paused.has(r.scope) ? `paused: ${paused.get(r.scope).reason}` : 'no',
    ]), {empty: 'No attempt in this window.'})));
}
