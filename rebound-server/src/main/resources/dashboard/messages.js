// Messages: search by id, Message-ID header, recipient address, recipient state and acceptance time
// (GET /v1/messages, newest first); the filters live in the URL (#/messages?address=…) so a search can be shared.
import {api, query} from './api.js';
import {h, when, badge, table, field, select} from './dom.js';

const STATES = ['QUEUED', 'DEFERRED', 'DELIVERED', 'BOUNCED_SOFT', 'BOUNCED_HARD', 'BLOCKED_POLICY', 'COMPLAINT', 'SUPPRESSED'];
const FILTERS = ['message_id', 'address', 'state', 'since', 'until'];

/** "2026-12-04T22:00" typed as UTC → "2026-12-04T22:00:00Z"; an RFC 3339 text is kept. */
function utc(v) {
  if (!v) return '';
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(v)) return `${v}:00Z`;
  if (/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/.test(v)) return `${v}Z`;
  return v;
}
const local = (iso) => (iso ? iso.replace(/(:\d\d)?(\.\d+)?Z$/, (m, sec) => sec || '') : '');

export async function render(main, {params, stale}) {
  const values = Object.fromEntries(FILTERS.map((f) => [f, params.get(f) || '']));
  const id = h('input', {name: 'id', type: 'search', value: params.get('id') || '', autocomplete: 'off'});
  const header = h('input', {name: 'message_id', type: 'search', value: values.message_id, autocomplete: 'off'});
  const address = h('input', {name: 'address', type: 'search', value: values.address, autocomplete: 'off'});
  const state = select('state', [['', 'any state'], ...STATES.map((s) => [s, s.replace(/_/g, ' ').toLowerCase()])], values.state);
  const since = h('input', {name: 'since', type: 'datetime-local', step: '1', value: local(values.since)});
  const until = h('input', {name: 'until', type: 'datetime-local', step: '1', value: local(values.until)});
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Search messages'},
    field('Message id', id, 'opens the message'),
    field('Message-ID header', header),
    field('Recipient address', address),
    field('Recipient state', state),
    field('Accepted from (UTC)', since),
    field('Accepted before (UTC)', until),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Search'), h('a', {href: '#/messages', class: 'button quiet'}, 'Clear')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (id.value.trim()) {
      location.hash = `#/messages/${encodeURIComponent(id.value.trim())}`;
      return;
    }
    location.hash = `#/messages${query({message_id: header.value.trim(), address: address.value.trim(), state: state.value,
      since: utc(since.value), until: utc(until.value)})}`;
  });
  main.append(h('h1', {}, 'Messages'), form);

  const data = await api(`/v1/messages${query({...values, limit: 100})}`);
  if (stale()) return;
  const filtered = FILTERS.some((f) => values[f]);
  const caption = `${data.count} message${data.count === 1 ? '' : 's'}${filtered ? ' found' : ''}, newest first`
    + (data.count === data.limit ? ` (the first ${data.limit}; narrow the search for older ones)` : '');
  main.append(h('section', {'aria-labelledby': 'results'}, h('h2', {id: 'results', class: 'visually-hidden'}, 'Results'),
    h('p', {role: 'status', class: 'count'}, caption),
    table(caption, ['Message', 'Accepted', 'From', 'Message-ID', 'Recipients'], data.messages.map((m) => [
      h('a', {href: `#/messages/${encodeURIComponent(m.id)}`, class: 'mono'}, m.id),
      when(m.created_at), m.mail_from || '<>', h('span', {class: 'mono small'}, m.message_id_header || '—'),
      h('ul', {class: 'plain'}, m.recipients.map((r) => h('li', {}, r.address, ' ', badge(r.state)))),
    ]), {empty: filtered ? 'No message matches this search.' : 'No message yet.'})));
}
