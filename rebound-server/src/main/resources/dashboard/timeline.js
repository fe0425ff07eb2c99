// Recipient timeline (GET /v1/recipients/{address}/timeline): every message accepted for an address, each attempt
// with its reply, the DSNs and provider events, the decisions they led to and the suppression changes, in time order,
// a page at a time (next_cursor).
import {api, query} from './api.js';
import {h, when, badge, field, facts} from './dom.js';

const KINDS = {accepted: 'accepted', attempt: 'attempt', dsn: 'DSN', provider_event: 'provider event', decision: 'decision',
  suppression: 'suppression'};

export async function render(main, {params, stale}) {
  const address = h('input', {name: 'address', type: 'search', value: params.get('address') || '', autocomplete: 'off', required: true});
  const stream = h('input', {name: 'stream', type: 'search', value: params.get('stream') || '', autocomplete: 'off'});
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Find a recipient'},
    field('Recipient address', address), field('Stream', stream, 'empty: every stream'),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Show timeline')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/timeline${query({address: address.value.trim(), stream: stream.value.trim()})}`;
  });
  main.append(h('h1', {}, 'Timeline'), form);
  const who = params.get('address');
  if (!who) {
    main.append(h('p', {class: 'empty'}, 'Type an address to see everything that happened to it.'));
    return;
  }
  const list = h('ol', {class: 'timeline', 'aria-label': `Timeline of ${who}`});
  const more = h('div');
  const path = `/v1/recipients/${encodeURIComponent(who)}/timeline`;
  const page = await api(`${path}${query({stream: params.get('stream'), limit: 100})}`);
  if (stale()) return;
  main.append(h('h2', {}, who), list, more);
  show(page);

  function show(p) {
    for (const e of p.entries) list.append(entry(e));
    if (!list.children.length) list.replaceWith(h('p', {class: 'empty'}, 'Nothing recorded for this address.'));
    more.replaceChildren();
    if (p.next_cursor) {
      more.append(h('button', {type: 'button', class: 'quiet', onclick: async () => {
        const next = await api(`${path}${query({stream: params.get('stream'), limit: 100, cursor: p.next_cursor})}`);
        show(next);
      }}, 'More entries'));
    }
  }
}

function entry(e) {
  const head = h('p', {class: 'when'}, when(e.at), ' ', h('span', {class: 'kind'}, KINDS[e.kind] || e.kind), ' ', e.stream ? h('span', {class: 'muted'}, e.stream) : '');
  let body;
  switch (e.kind) {
    case 'accepted':
      body = h('p', {}, 'Message ', h('a', {href: `#/messages/${encodeURIComponent(e.message_id)}`, class: 'mono'}, e.message_id),
        ` from ${e.mail_from || '<>'} (${e.source}) `, badge(e.state));
      break;
    case 'attempt':
      body = h('div', {}, h('p', {}, `Attempt ${e.attempt} to ${e.mx_host || '—'} at ${e.phase}: `, badge(e.outcome), ` ${e.reason} `, h('code', {}, e.rule)),
        h('pre', {class: 'reply-inline'}, (e.reply_lines || []).filter((l) => l).map((l) => `${e.smtp_code} ${l}`).join('\n') || e.raw_reason || ''));
      break;
    case 'dsn':
    case 'provider_event':
      body = h('p', {}, `${e.provider || e.source || ''} ${e.provider_event || ''} `.trim(), ' ', e.outcome ? badge(e.outcome) : '', ` ${e.reason || ''} `,
        h('code', {}, e.rule), e.raw_reason ? h('span', {class: 'small'}, ` — ${e.raw_reason}`) : '');
      break;
    case 'decision':
      body = h('p', {}, `Decision on the ${e.source}: `, e.state ? badge(e.state) : 'no change', ` ${e.reason || ''} `, h('code', {}, e.rule),
        e.suppression_rule ? [' → ', h('code', {}, e.suppression_rule)] : '');
      break;
    case 'suppression':
      body = facts([['Change', h('span', {}, e.action, ' ', badge(e.state), ` ${e.reason} `, h('code', {}, e.rule))], ['Who', e.actor], ['Note', e.note || undefined]]);
      break;
    default:
      body = h('p', {}, JSON.stringify(e));
  }
  return h('li', {class: `entry ${e.kind}`}, head, body);
}
