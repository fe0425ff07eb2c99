// Webhooks: the endpoints (GET /v1/webhooks), and for one endpoint its deliveries and its attempt log (newest first,
// 100 at a time, older pages on request through next_cursor), redelivery of one event and replay of a time range
// (POST …/events/{id}/redeliver, POST …/replay). After a redelivery or replay the page reads the log again until the
// dispatcher's new attempt shows (or 15 s pass).
import {api, query} from './api.js';
import {h, when, badge, table, facts, field, problem} from './dom.js';

export async function render(main, {args, params, stale}) {
  if (args.length && args[0]) return endpoint(main, args[0], stale);
  const data = await api('/v1/webhooks');
  if (stale()) return;
  main.append(h('h1', {}, 'Webhooks'),
    table(`${data.endpoints.length} endpoint(s)`, ['Endpoint', 'URL', 'State', 'Events', 'Streams', 'Failing since', 'Source'],
      data.endpoints.map((e) => [
        h('a', {href: `#/webhooks/${encodeURIComponent(e.id)}`, class: 'mono'}, e.id), h('span', {class: 'mono small'}, e.url),
        h('span', {}, badge(e.enabled ? 'ENABLED' : 'DISABLED'), e.state_reason ? ` ${e.state_reason}` : ''),
        e.event_types.length ? e.event_types.join(', ') : 'all', e.streams.length ? e.streams.join(', ') : 'all',
        e.failing_since ? when(e.failing_since) : '—', e.source,
      ]), {empty: 'No webhook endpoint. Create one with POST /v1/webhooks or webhooks.endpoints in the config.'}));
}

async function endpoint(main, id, stale) {
  const path = `/v1/webhooks/${encodeURIComponent(id)}`;
  const [e, deliveries, log] = await Promise.all([api(path), api(`${path}/deliveries${query({limit: 100})}`), api(`${path}/log${query({limit: 100})}`)]);
  if (stale()) return;
  const status = h('div', {role: 'status', class: 'status'});
  const logBox = h('div');
  const deliveriesBox = h('div');
  const eventBox = h('div', {'aria-live': 'polite'});
  const view = {path, status, logBox, deliveriesBox, eventBox};
  main.append(h('p', {class: 'crumbs'}, h('a', {href: '#/webhooks'}, 'Webhooks'), ' / ', h('span', {class: 'mono'}, e.id)),
    h('h1', {}, 'Endpoint ', h('span', {class: 'mono'}, e.id)),
    facts([
      ['URL', h('span', {class: 'mono'}, e.url)],
      ['State', h('span', {}, badge(e.enabled ? 'ENABLED' : 'DISABLED'), e.state_reason ? ` ${e.state_reason}` : '')],
      ['Events', e.event_types.length ? e.event_types.join(', ') : 'all'],
      ['Final outcomes only', e.final_only ? 'yes' : 'no'],
      ['Streams', e.streams.length ? e.streams.join(', ') : 'all'],
      ['Waiting', String(e.pending)],
      ['Oldest waiting event', e.oldest_pending_event_at ? when(e.oldest_pending_event_at) : '—'],
      ['Failing since', e.failing_since ? when(e.failing_since) : '—'],
      ['Description', e.description],
    ]),
    status,
    h('section', {'aria-labelledby': 'deliveries'}, h('h2', {id: 'deliveries'}, 'Deliveries'), deliveriesBox),
    h('section', {'aria-labelledby': 'event-log'}, h('h2', {id: 'event-log'}, 'One event'), eventBox),
    h('section', {'aria-labelledby': 'log'}, h('h2', {id: 'log'}, 'Delivery log'), logBox),
    replayForm(path, status, (before) => refreshUntil(view, async () => (await newest(path)) !== before)));
  eventBox.append(h('p', {class: 'empty'}, 'Choose "Log" on a delivery to see every attempt of that event.'));
  renderDeliveries(view, deliveries);
  renderLog(view, log);
}

/** A "more" button that loads the next page (next_cursor) and shows it after the rows already shown. */
function older(label, status, load) {
  return h('button', {type: 'button', class: 'quiet', onclick: async (ev) => {
    const button = ev.currentTarget;
    button.disabled = true;
    try {
      await load();
    } catch (e) {
      status.replaceChildren(problem(e));
      if (button.isConnected) button.disabled = false;
    }
  }}, label);
}

/** One page of deliveries (GET …/deliveries, newest event first) after those already shown. */
function renderDeliveries(view, page, shown = []) {
  const {path, status} = view;
  const deliveries = shown.concat(page.deliveries);
  const more = page.next_cursor ? older('Older deliveries', status, async () =>
    renderDeliveries(view, await api(`${path}/deliveries${query({limit: 100, cursor: page.next_cursor})}`), deliveries)) : null;
  view.deliveriesBox.replaceChildren(table(`${deliveries.length} deliveries, newest event first${more ? ' (older ones on request)' : ''}`, ['Event', 'Type', 'State', 'Attempts', 'Last status', 'Next attempt', 'Actions'],
    deliveries.map((d) => [
      h('span', {class: 'mono small'}, d.webhook_id), d.event_type, badge(d.state), String(d.attempts),
      d.last_status === null ? (d.last_error || '—') : String(d.last_status), d.next_attempt_at ? when(d.next_attempt_at) : '—',
      h('div', {class: 'row-actions'}, h('button', {type: 'button', class: 'quiet', 'aria-label': `Log of ${d.webhook_id}`,
        onclick: () => showEvent(view, d).catch((e) => status.replaceChildren(problem(e)))}, 'Log'),
      h('button', {type: 'button', 'aria-label': `Redeliver ${d.webhook_id}`, onclick: async (ev) => {
        const button = ev.currentTarget;
        button.disabled = true;
        try {
          const before = await logged(path, d.event_id);
          await api(`${path}/events/${encodeURIComponent(d.event_id)}/redeliver`, {method: 'POST'});
          status.textContent = `Redelivery of ${d.webhook_id} queued.`;
          await refreshUntil(view, async () => (await logged(path, d.event_id)) > before);
          await showEvent(view, d);
        } catch (e) {
          status.replaceChildren(problem(e));
        } finally {
          if (button.isConnected) button.disabled = false;
        }
      }}, 'Redeliver')),
    ]), {empty: 'No delivery yet.'}), ...(more ? [more] : []));
}

/** Every attempt of one event to this endpoint (GET …/log?event_id=), newest first. */
async function showEvent(view, d) {
  const log = await api(`${view.path}/log${query({limit: 1000, event_id: d.event_id})}`);
  view.eventBox.replaceChildren(table(`Attempts of ${d.webhook_id} (${d.event_type}), newest first`,
    ['At', 'Attempt', 'Status', 'Latency', 'Error', 'Response'], log.attempts.map((a) => [when(a.attempted_at), String(a.attempt),
      a.status_code ? String(a.status_code) : '—', `${a.latency_ms} ms`, a.error || '—', h('span', {class: 'mono small'}, a.response || '—')]),
    {empty: 'No attempt logged for this event yet.'}));
}

/** One page of the delivery log (GET …/log, newest first) after the attempts already shown. */
function renderLog(view, page, shown = []) {
  const {path, status, logBox} = view;
  const attempts = shown.concat(page.attempts);
  const more = page.next_cursor ? older('Older attempts', status, async () =>
    renderLog(view, await api(`${path}/log${query({limit: 100, cursor: page.next_cursor})}`), attempts)) : null;
  logBox.replaceChildren(table(`Delivery log: ${attempts.length} attempt(s), newest first${more ? ' (older ones on request)' : ''}`, ['At', 'Event', 'Attempt', 'Status', 'Latency', 'Error', 'Response'],
    attempts.map((a) => [when(a.attempted_at), h('span', {class: 'mono small'}, `evt_${a.event_id}`), String(a.attempt),
      a.status_code ? String(a.status_code) : '—', `${a.latency_ms} ms`, a.error || '—', h('span', {class: 'mono small'}, a.response || '—')]),
    {empty: 'No attempt logged yet.'}), ...(more ? [more] : []));
}

/** The number of attempts logged for one event. */
async function logged(path, eventId) {
  return (await api(`${path}/log${query({limit: 1000, event_id: eventId})}`)).attempts.length;
}

/** The newest row of the log, as text (it changes when anything new is logged). */
async function newest(path) {
  return JSON.stringify((await api(`${path}/log${query({limit: 1})}`)).attempts[0] || null);
}

/**
 * Asks again, once a second, until {@code arrived()} holds or 15 s have passed, then shows the log and the
 * deliveries as they are.
 */
async function refreshUntil(view, arrived) {
  const {path, logBox, status} = view;
  for (let i = 0; i < 15; i++) {
    await new Promise((r) => setTimeout(r, 1000));
    if (!logBox.isConnected) return;
    const done = await arrived();
    if (done || i === 14) {
      renderLog(view, await api(`${path}/log${query({limit: 100})}`));
      renderDeliveries(view, await api(`${path}/deliveries${query({limit: 100})}`));
      status.textContent = done ? 'The delivery log has a new attempt.' : 'No new attempt yet; the dispatcher will retry by its schedule.';
      return;
    }
  }
}

function replayForm(path, status, after) {
  const from = h('input', {name: 'from', type: 'datetime-local', step: '1', required: true});
  const to = h('input', {name: 'to', type: 'datetime-local', step: '1'});
  const form = h('form', {class: 'filters', 'aria-labelledby': 'replay'},
    h('h2', {id: 'replay'}, 'Replay'),
    h('p', {class: 'note'}, 'Sends again every event of the outbox in the range that this endpoint subscribes to.'),
    field('From (UTC)', from), field('To (UTC)', to, 'empty: now'),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Replay')));
  const utc = (v) => (v ? (v.length === 16 ? `${v}:00Z` : `${v}Z`) : undefined);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      const body = {from: utc(from.value)};
      if (to.value) body.to = utc(to.value);
      const before = await newest(path);
      const r = await api(`${path}/replay`, {method: 'POST', body});
      status.textContent = `Replay queued: ${r.requeued} delivery(ies) again, ${r.added} new, ${r.in_flight} in flight.`;
      if (r.requeued + r.added > 0) await after(before);
    } catch (e) {
      status.replaceChildren(problem(e));
    }
  });
  return form;
}
