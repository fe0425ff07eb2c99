// The review queue (GET /v1/suppressions/review): entries a policy or the domain circuit breaker left for a person.
// They never block mail. Approve makes the entry a suppression, reject removes it; both need a reason, kept in the
// audit trail, which is shown at once (POST /v1/suppressions/{stream}/{address}/approve | reject).
import {api, query} from './api.js';
import {h, when, table} from './dom.js';
import {reasonDialog, renderAudit} from './suppressions.js';

export async function render(main, {stale}) {
  const data = await api(`/v1/suppressions/review${query({limit: 500})}`);
  if (stale()) return;
  const status = h('div', {role: 'status', class: 'status'});
  const detail = h('div', {class: 'detail'});
  const caption = `${data.count} entr${data.count === 1 ? 'y' : 'ies'} waiting for review, newest first`;
  main.append(h('h1', {}, 'Review queue'),
    h('p', {class: 'note'}, 'These addresses are not blocked. Approve to suppress them, reject to close the review.'),
    status,
    table(caption, ['Address', 'Stream', 'Reason', 'Rule', 'Since', 'Actions'], data.suppressions.map((s) => [
      h('a', {href: `#/suppressions${query({address: s.address, stream: s.stream})}`}, s.address), s.stream, s.reason,
      h('code', {}, s.rule), when(s.created_at),
      h('div', {class: 'row-actions'},
        h('button', {type: 'button', 'aria-label': `Approve ${s.address} (${s.stream})`,
          onclick: (ev) => decide(main, s, true, status, detail, ev.currentTarget)}, 'Approve…'),
        h('button', {type: 'button', class: 'quiet', 'aria-label': `Reject ${s.address} (${s.stream})`,
          onclick: (ev) => decide(main, s, false, status, detail, ev.currentTarget)}, 'Reject…')),
    ]), {empty: 'Nothing waits for review.'}),
    detail);
}

function decide(main, s, approve, status, detail, opener) {
  reasonDialog(main, opener, {
    title: `${approve ? 'Approve' : 'Reject'} the review of ${s.address} (${s.stream})`,
    text: approve ? 'The address will be suppressed on this stream: mail to it stops.'
      : 'The review is closed and the address stays deliverable.',
    button: approve ? 'Approve' : 'Reject',
    missing: `Say why the review is ${approve ? 'approved' : 'rejected'}.`,
  }, async (reason) => {
    const r = await api(`/v1/suppressions/${encodeURIComponent(s.stream)}/${encodeURIComponent(s.address)}/${approve ? 'approve' : 'reject'}`,
      {method: 'POST', body: {reason}});
    status.textContent = approve ? `Approved: ${s.address} is suppressed on ${s.stream}.` : `Rejected: the review of ${s.address} is closed.`;
    const row = opener.closest('tr');
    if (row) row.remove();
    renderAudit(detail, s.address, s.stream, r.audit);
  });
}
