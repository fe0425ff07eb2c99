// Suppressions: filter the list (GET /v1/suppressions), read one entry's audit trail, and remove an entry with a
// written reason (DELETE /v1/suppressions/{stream}/{address}); the answer's audit trail is shown at once.
import {api, query} from './api.js';
import {h, when, badge, table, field, select, problem} from './dom.js';

export async function render(main, {params, stale}) {
  const values = {address: params.get('address') || '', stream: params.get('stream') || '', state: params.get('state') || ''};
  const address = h('input', {name: 'address', type: 'search', value: values.address, autocomplete: 'off'});
  const stream = h('input', {name: 'stream', type: 'search', value: values.stream, autocomplete: 'off'});
  const state = select('state', [['', 'any state'], ['SUPPRESSED', 'suppressed'], ['REVIEW', 'review']], values.state);
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': 'Filter suppressions'},
    field('Address', address), field('Stream', stream), field('State', state),
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, 'Filter'), h('a', {href: '#/suppressions', class: 'button quiet'}, 'Clear')));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    location.hash = `#/suppressions${query({address: address.value.trim(), stream: stream.value.trim(), state: state.value})}`;
  });
  const status = h('div', {role: 'status', class: 'status'});
  const detail = h('div', {class: 'detail'});
  main.append(h('h1', {}, 'Suppressions'), form, status);

  const data = await api(`/v1/suppressions${query({...values, limit: 500})}`);
  if (stale()) return;
  const caption = `${data.count} entr${data.count === 1 ? 'y' : 'ies'}, newest first`;
  main.append(h('p', {class: 'count'}, caption),
    table(caption, ['Address', 'Stream', 'State', 'Reason', 'Rule', 'Since', 'Expires', 'Actions'], data.suppressions.map((s) => [
      s.address, s.stream, badge(s.state), s.reason, h('code', {}, s.rule), when(s.created_at), s.expires_at ? when(s.expires_at) : 'never',
      h('div', {class: 'row-actions'},
        h('button', {type: 'button', class: 'quiet', 'aria-label': `Audit trail of ${s.address} (${s.stream})`,
          onclick: () => showAudit(detail, s.stream, s.address)}, 'Audit trail'),
        h('button', {type: 'button', 'aria-label': `Remove ${s.address} (${s.stream})`,
          onclick: (ev) => removeDialog(main, s, status, detail, ev.currentTarget)}, 'Remove…')),
    ]), {empty: 'No suppression matches.'}),
    detail);
  if (values.address && values.stream) showAudit(detail, values.stream, values.address);
}

async function showAudit(detail, stream, address) {
  try {
    const s = await api(`/v1/suppressions/${encodeURIComponent(stream)}/${encodeURIComponent(address)}`);
    renderAudit(detail, address, stream, s.audit);
  } catch (e) {
    if (e.status === 404 && e.body.audit) renderAudit(detail, address, stream, e.body.audit);
    else detail.replaceChildren(problem(e));
  }
}

export function renderAudit(detail, address, stream, audit) {
  const title = `Audit trail of ${address} (${stream})`;
  detail.replaceChildren(h('section', {'aria-label': title}, h('h2', {}, title),
    table(title, ['At', 'Action', 'State', 'Reason', 'Rule', 'Who', 'Note'], audit.map((a) => [
      when(a.at), a.action, badge(a.state), a.reason, h('code', {}, a.rule), a.actor, a.note || '—',
    ]), {empty: 'No audit row.'})));
}

/** The removal dialog: the reason is required (the API refuses a removal without one) and kept in the audit trail. */
function removeDialog(main, s, status, detail, opener) {
  reasonDialog(main, opener, {
    title: `Remove ${s.address} from the ${s.stream} suppression list`,
    text: s.state === 'REVIEW' ? 'This closes the review: the address was never blocked.'
      : 'Mail to this address will be sent again. Say why; the reason is kept in the audit trail.',
    button: 'Remove',
    missing: 'Say why the suppression is lifted.',
  }, async (reason) => {
    const r = await api(`/v1/suppressions/${encodeURIComponent(s.stream)}/${encodeURIComponent(s.address)}`,
      {method: 'DELETE', body: {reason}});
    status.textContent = `Removed ${s.address} from the ${s.stream} suppression list.`;
    const row = opener.closest('tr');
    if (row) row.remove();
    renderAudit(detail, s.address, s.stream, r.audit);
  });
}

/**
 * A modal dialog asking for a required reason; {@code act(reason)} runs the change and throws an ApiError to keep the
 * dialog open with the API's message. Escape or Cancel closes it; focus returns to the button that opened it.
 */
export function reasonDialog(main, opener, {title, text, button, missing}, act) {
  const reason = h('textarea', {name: 'reason', rows: 3, required: true, maxlength: 1000});
  const error = h('p', {role: 'alert', class: 'alert', hidden: true});
  const dialog = h('dialog', {'aria-labelledby': 'dialog-title'});
  const close = () => {
    dialog.close();
    dialog.remove();
    if (opener.isConnected) opener.focus();
  };
  const form = h('form', {method: 'dialog', novalidate: true},
    h('h2', {id: 'dialog-title'}, title),
    h('p', {}, text),
    field('Reason', reason, 'required, up to 1000 characters; kept in the audit trail'),
    error,
    h('div', {class: 'actions'}, h('button', {type: 'submit'}, button), h('button', {type: 'button', class: 'quiet', onclick: close}, 'Cancel')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    if (!reason.value.trim()) {
      error.hidden = false;
      error.textContent = missing;
      reason.focus();
      return;
    }
    try {
      await act(reason.value.trim());
      close();
    } catch (e) {
      error.hidden = false;
      error.textContent = `${e.message}${e.status ? ` (HTTP ${e.status})` : ''}`;
    }
  });
  dialog.append(form);
  dialog.addEventListener('cancel', (ev) => {
    ev.preventDefault();
    close();
  });
  main.append(dialog);
  dialog.showModal();
  reason.focus();
}
