// Alerts (GET /v1/alerts?state=all): open and resolved, each with the numbers that decided it (events of trials,
// the rate, its lower confidence bound, the baseline, the threshold), and the paused domains and streams.
import {api, query} from './api.js';
import {h, when, table} from './dom.js';

const pct = (v) => (typeof v === 'number' ? `${(100 * v).toFixed(v < 0.01 ? 2 : 1)} %` : '—');
const METRICS = {hard_bounce: 'hard bounces', soft_bounce: 'soft bounces', block: 'blocks', complaint: 'complaints', defer: 'deferrals'};

export async function render(main, {stale}) {
  const data = await api(`/v1/alerts${query({state: 'all', limit: 200})}`);
  if (stale()) return;
  const open = data.alerts.filter((a) => a.state === 'open');
  const resolved = data.alerts.filter((a) => a.state !== 'open');
  main.append(h('h1', {}, 'Alerts'),
    h('section', {'aria-labelledby': 'open-alerts'}, h('h2', {id: 'open-alerts'}, `Open (${open.length})`),
      alertTable('Open alerts', open, 'No open alert.')),
    h('section', {'aria-labelledby': 'paused'}, h('h2', {id: 'paused'}, `Paused (${data.pauses.length})`),
      table('Paused domains and streams', ['Kind', 'Scope', 'Reason', 'Alert', 'By', 'Since'], data.pauses.map((p) => [
        p.scope_kind, p.scope, p.reason, p.alert_id || '—', p.actor, when(p.paused_at)]), {empty: 'Nothing is paused.'})),
    h('section', {'aria-labelledby': 'resolved-alerts'}, h('h2', {id: 'resolved-alerts'}, `Resolved (${resolved.length})`),
      alertTable('Resolved alerts', resolved, 'No resolved alert.')));
}

function alertTable(caption, alerts, empty) {
  return table(caption, ['Opened', 'Scope', 'Metric', 'Level', 'Numbers that decided', 'Now', 'Rule', 'Resolved'], alerts.map((a) => [
    when(a.opened_at), a.scope_kind === 'overall' || !a.scope ? 'all mail' : `${a.scope_kind} ${a.scope}`, METRICS[a.metric] || a.metric,
    h('span', {class: `badge ${a.level === 'critical' ? 'bad' : 'wait'}`}, a.level),
    numbers(a.figures), numbers(a.last_figures), h('code', {}, a.rule_id),
    a.resolved_at ? h('span', {}, when(a.resolved_at), a.resolve_rule ? [' ', h('code', {}, a.resolve_rule)] : '') : '—',
  ]), {empty});
}

/** "7 of 120 = 5.8 % (lower bound 3.1 %, baseline 0.9 %, threshold 5.0 %) over 15 min". */
function numbers(f) {
  if (!f || typeof f !== 'object') return '—';
  const parts = [`${f.events} of ${f.trials} = ${pct(f.rate)}`];
  const more = [];
  if (typeof f.lower_bound === 'number') more.push(`lower bound ${pct(f.lower_bound)}`);
  if (typeof f.baseline === 'number') more.push(`baseline ${pct(f.baseline)}`);
  if (typeof f.threshold === 'number') more.push(`threshold ${pct(f.threshold)}`);
  if (more.length) parts.push(`(${more.join(', ')})`);
  if (f.minutes) parts.push(`over ${f.minutes} min`);
  if (f.excluded_domains && f.excluded_domains.length) parts.push(`without ${f.excluded_domains.join(', ')}`);
  return h('span', {class: 'small'}, parts.join(' '));
}
