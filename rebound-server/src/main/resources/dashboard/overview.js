// Overview: the queue (depth, oldest waiting age, recipients per state), the webhook backlog, and the attempt
// outcomes this node has counted, from GET /v1/queue and GET /metrics (both need the read scope).
import {api, available, metrics, query} from './api.js';
import {h, age, when, table, problem} from './dom.js';
import {bars, series} from './plot.js';

const TONES = {DELIVERED: 'good', QUEUED: 'wait', DEFERRED: 'wait', BOUNCED_SOFT: 'warn', BLOCKED_POLICY: 'warn',
  BOUNCED_HARD: 'bad', COMPLAINT: 'bad', SUPPRESSED: 'bad'};
const words = (state) => state.replace(/_/g, ' ').toLowerCase();

const RATES = [
  ['hard_bounce', 'Hard bounce rate', 'final hard bounces / final outcomes'],
  ['complaint', 'Complaint rate', 'complaints / delivered'],
  ['soft_bounce', 'Soft bounce rate', 'final soft bounces / final outcomes'],
  ['block', 'Block rate', 'blocked / final outcomes'],
  ['defer', 'Defer rate', 'deferred attempts / attempts'],
];

export async function render(main, {stale}) {
  const none = Promise.resolve(null);
  const [queue, prom, rates, alerts] = await Promise.allSettled([api('/v1/queue'), metrics(),
    available.has('/v1/stats/series') ? api(`/v1/stats/series${query({window: '24h'})}`) : none,
    available.has('/v1/alerts') ? api(`/v1/alerts${query({state: 'open'})}`) : none]);
  if (stale()) return;
  main.append(h('h1', {}, 'Overview'));
  const grid = h('div', {class: 'cards'});
  main.append(grid);
  if (alerts.status === 'fulfilled' && alerts.value) {
    const open = alerts.value.alerts.filter((a) => a.state === 'open');
    const critical = open.filter((a) => a.level === 'critical').length;
    grid.append(card('Open alerts', h('a', {href: '#/alerts'}, String(open.length)),
      open.length ? `${critical} critical, ${open.length - critical} warning` : 'no rate over its line'));
  } else if (alerts.status === 'rejected') {
    main.append(problem(alerts.reason));
  }
  if (rates.status === 'fulfilled' && rates.value) main.append(ratePlots(rates.value));
  else if (rates.status === 'rejected') main.append(problem(rates.reason));

  if (queue.status === 'fulfilled') {
    const q = queue.value;
    grid.append(card('Waiting recipients', String(q.depth), 'queued or deferred, due now or later'),
      card('Oldest waiting message', age(q.oldest_age_seconds), 'since it was accepted'),
      card('Being delivered', String(q.leased), 'recipients leased by a node'),
      card('Next attempt due', when(q.oldest_due_at), 'earliest planned attempt'));
    const states = Object.entries(q.by_state);
    main.append(h('section', {'aria-labelledby': 'by-state'},
      h('h2', {id: 'by-state'}, 'Recipients by state'),
      bars('Recipients by state', states.map(([st, n]) => ({label: words(st), value: n, tone: TONES[st]}))),
      h('details', {}, h('summary', {}, 'As a table'),
        table('Recipients by state', ['State', 'Recipients'], states.map(([st, n]) => [words(st), String(n)])))));
  } else {
    main.append(problem(queue.reason));
  }

  if (prom.status === 'fulfilled') {
    const m = prom.value;
    const pending = (m.rebound_webhook_pending || []).filter((r) => r.labels.endpoint);
    const oldest = Object.fromEntries((m.rebound_webhook_oldest_pending_age_seconds || []).map((r) => [r.labels.endpoint, r.value]));
    const backlog = pending.reduce((sum, r) => sum + r.value, 0);
    grid.append(card('Webhook backlog', String(backlog), pending.length ? `events waiting for ${pending.length} endpoint(s)` : 'no endpoint has events waiting'));
    const section = h('section', {'aria-labelledby': 'webhook-backlog'}, h('h2', {id: 'webhook-backlog'}, 'Webhook backlog'));
    section.append(table('Events waiting per endpoint', ['Endpoint', 'Waiting', 'Oldest waiting'],
      pending.map((r) => [h('a', {href: `#/webhooks/${encodeURIComponent(r.labels.endpoint)}`}, r.labels.endpoint), String(r.value),
        age(oldest[r.labels.endpoint])]), {empty: 'No webhook event is waiting.'}));
    main.append(section);

    const byOutcome = {};
    for (const r of m.rebound_attempts_total || []) byOutcome[r.labels.outcome] = (byOutcome[r.labels.outcome] || 0) + r.value;
    const total = Object.values(byOutcome).reduce((a, b) => a + b, 0);
    const rows = Object.entries(byOutcome).sort((a, b) => b[1] - a[1]);
    const pct = (n) => (total ? `${((100 * n) / total).toFixed(1)} %` : '—');
    main.append(h('section', {'aria-labelledby': 'outcomes'},
      h('h2', {id: 'outcomes'}, 'Attempt outcomes since this node started'),
      total ? bars('Attempt outcomes since this node started', rows.map(([o, n]) => ({label: words(o), value: n, tone: TONES[o]})))
        : h('p', {class: 'empty'}, 'No delivery attempt yet.'),
      table('Attempt outcomes since this node started', ['Outcome', 'Attempts', 'Share'], rows.map(([o, n]) => [words(o), String(n), pct(n)]),
        {empty: ''})));
  } else {
    main.append(problem(prom.reason));
  }
}

/** One small plot per rate over the window, with the alert ceilings in force drawn as lines (SES's for hard bounces and complaints). */
function ratePlots(data) {
  const pct = (v) => `${(100 * v).toFixed(v > 0 && v < 0.01 ? 2 : 1)} %`;
  const section = h('section', {'aria-labelledby': 'rates'}, h('h2', {id: 'rates'}, `Rates over the last ${data.window}, one point per ${data.step}`));
  const plots = h('div', {class: 'plots'});
  for (const [id, title, how] of RATES) {
    const points = data.points.filter((p) => typeof p.rates[id] === 'number').map((p) => ({t: new Date(p.to), v: p.rates[id]}));
    const limits = data.thresholds[id] || {};
    const thresholds = [];
    if (typeof limits.warn === 'number') thresholds.push({value: limits.warn, label: 'warn', tone: ''});
    if (typeof limits.critical === 'number') thresholds.push({value: limits.critical, label: 'critical', tone: 'bad'});
    plots.append(h('figure', {class: 'rate'}, h('figcaption', {}, h('strong', {}, title), h('span', {class: 'note'}, ` ${how}`)),
      series(title, points, {thresholds, width: 420, height: 150, format: pct, from: new Date(data.from), to: new Date(data.to)})));
  }
  section.append(plots, h('details', {}, h('summary', {}, 'As a table'),
    table('Rates per step', ['Until', 'Final outcomes', ...RATES.map(([, t]) => t)], data.points.map((p) => [
      p.to.replace('T', ' ').replace(/:00Z$/, ' UTC'), String(p.counts.finals),
      ...RATES.map(([id]) => (typeof p.rates[id] === 'number' ? pct(p.rates[id]) : '—'))]))));
  return section;
}

function card(title, value, note) {
  return h('section', {class: 'card', 'aria-label': title},
    h('h2', {}, title), h('p', {class: 'figure'}, value), h('p', {class: 'note'}, note));
}
