// One message (GET /v1/messages/{id}): every recipient with its state, the rule that decided, the planned retry
// schedule, the suppression entry it led to, every attempt with the receiving server's reply lines, and the
// asynchronous evidence (DSNs, provider events) matched to it.
import {api, available} from './api.js';
import {h, when, badge, table, facts} from './dom.js';

export async function render(main, {args, stale}) {
  const id = args[0];
  const m = await api(`/v1/messages/${encodeURIComponent(id)}`);
  if (stale()) return;
  main.append(h('p', {class: 'crumbs'}, h('a', {href: '#/messages'}, 'Messages'), ' / ', h('span', {class: 'mono'}, m.id)),
    h('h1', {}, 'Message ', h('span', {class: 'mono'}, m.id)),
    facts([
      ['From (envelope)', m.mail_from || '<>'],
      ['Message-ID', h('span', {class: 'mono'}, m.message_id_header || '—')],
      ['Stream', m.stream],
      ['Submitted by', m.source],
      ['Size', `${m.size_bytes} bytes`],
      ['Accepted', when(m.created_at)],
      ['Recipients', String(m.recipients.length)],
    ]));
  for (const [k, r] of m.recipients.entries()) main.append(recipient(r, k));
}

function recipient(r, k) {
  const hid = `rcpt-${k}`;
  const section = h('section', {class: 'recipient', 'aria-labelledby': hid},
    h('h2', {id: hid}, r.address, ' ', badge(r.state)),
    facts([
      ['State', r.state],
      ['Reason', r.reason],
      ['Decided by rule', r.rule ? h('code', {}, r.rule) : null],
      ['Attempts', String(r.attempt_count)],
      ['Next attempt', r.next_attempt_at ? when(r.next_attempt_at) : undefined],
      ['Gives up at', r.gives_up_at ? when(r.gives_up_at) : undefined],
      ['Suppression', r.suppression ? h('span', {}, badge(r.suppression.state), ' ', r.suppression.reason, ' ',
        h('code', {}, r.suppression.rule), r.suppression.expires_at ? [' until ', when(r.suppression.expires_at)] : '') : undefined],
      ['Suppression list', h('a', {href: `#/suppressions?address=${encodeURIComponent(r.address)}`}, 'entries and audit of this address')],
      ['Timeline', available.has('/v1/recipients/{address}/timeline')
        ? h('a', {href: `#/timeline?address=${encodeURIComponent(r.address)}`}, `everything that happened to ${r.address}`) : undefined],
    ]));

  if (r.planned_attempts.length) {
    section.append(h('h3', {}, 'Planned retries'), table(`Planned retries for ${r.address}`, ['Attempt', 'At', 'Rule', 'Why'],
      r.planned_attempts.map((p) => [String(p.attempt), when(p.at), h('code', {}, p.rule), p.why])));
  }

  section.append(h('h3', {}, `Attempts (${r.attempts.length})`));
  if (!r.attempts.length) section.append(h('p', {class: 'empty'}, 'No attempt yet.'));
  for (const a of r.attempts) {
    section.append(h('article', {class: 'attempt', 'aria-label': `Attempt ${a.attempt} to ${r.address}`},
      h('h4', {}, `Attempt ${a.attempt}`, ' ', badge(a.outcome), ' ', h('span', {class: 'muted'}, when(a.started_at))),
      facts([
        ['Server', a.mx_host ? `${a.mx_host} (${a.mx_ip})` : '—'],
        ['Phase', a.phase],
        ['Reply code', `${a.smtp_code}${a.enhanced_code ? ` ${a.enhanced_code}` : ''}`],
        ['Reason', a.reason],
        ['Classified by', h('code', {}, a.rule)],
        ['Decision', h('span', {}, a.decision, ' ', h('code', {}, a.decision_rule))],
        ['Took', `${a.duration_ms} ms`],
        ['TLS', a.tls ? `${a.tls.tls || 'none'} (${a.tls.verdict.toLowerCase()}, ${a.tls.rule})` : undefined],
      ]),
      h('figure', {class: 'reply'}, h('figcaption', {}, a.local ? 'Reply lines (written by Rebound, not by a server)' : 'Reply lines'),
        h('pre', {}, wire(a)))));
  }

  if (r.evidence.length) {
    section.append(h('h3', {}, 'DSNs and provider events'), table(`DSNs and provider events for ${r.address}`,
      ['Received', 'Source', 'Event', 'Code', 'Outcome', 'Reason', 'Rule', 'Decision', 'Text'],
      r.evidence.map((e) => [when(e.received_at), e.provider ? `${e.source} (${e.provider})` : e.source, e.provider_event,
        `${e.smtp_code || ''} ${e.enhanced_code || ''}`.trim() || '—', e.outcome ? badge(e.outcome) : '—', e.reason || '—',
        h('code', {}, e.rule), e.decision ? h('span', {}, e.decision, ' ', h('code', {}, e.decision_rule || '')) : '—',
        h('span', {class: 'small'}, e.raw_reason)])));
  }
  return section;
}

/** The reply as the server sent it: "550-first line", "550 last line" (RFC 5321 §4.2.1), else the raw reason. */
function wire(a) {
  const lines = a.reply_lines.filter((l, i, all) => l || i < all.length - 1);
  if (!lines.length || !a.smtp_code) return a.raw_reason || '(no reply)';
  return lines.map((l, i) => `${a.smtp_code}${i < lines.length - 1 ? '-' : ' '}${l}`).join('\n');
}
