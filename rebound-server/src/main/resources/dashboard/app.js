// The dashboard's shell: the login, the section links and a hash router (#/messages?address=…), so the browser's
// back button and bookmarks work without the server knowing any page but "/". Filters may be in the URL; the key never.
import {api, ApiError, available, session, whenUnauthorized} from './api.js';
import {h, fill, field, problem} from './dom.js';
import * as overview from './overview.js';
import * as messages from './messages.js';
import * as message from './message.js';
import * as suppressions from './suppressions.js';
import * as webhooks from './webhooks.js';
import * as timeline from './timeline.js';
import * as review from './review.js';
import * as alerts from './alerts.js';
import * as domains from './domains.js';

const main = document.getElementById('main');
const nav = document.getElementById('sections');
const logout = document.getElementById('logout');

/**
 * The sections in nav order: link, label, the hash paths and pages they route, and the API path the section reads.
 * A section is offered only when the service's /openapi.json lists that path, so a page never shows for an API this
 * service does not have.
 */
const SECTIONS = [
  {href: '#/', label: 'Overview', routes: [[/^\/?$/, overview]], needs: '/v1/queue'},
  {href: '#/domains', label: 'Domains', routes: [[/^\/domains$/, domains]], needs: '/v1/domains'},
  {href: '#/alerts', label: 'Alerts', routes: [[/^\/alerts$/, alerts]], needs: '/v1/alerts'},
  {href: '#/messages', label: 'Messages', routes: [[/^\/messages$/, messages], [/^\/messages\/([^/]+)$/, message]], needs: '/v1/messages'},
  {href: '#/timeline', label: 'Timeline', routes: [[/^\/timeline$/, timeline]], needs: '/v1/recipients/{address}/timeline'},
  {href: '#/suppressions', label: 'Suppressions', routes: [[/^\/suppressions$/, suppressions]], needs: '/v1/suppressions'},
  {href: '#/review', label: 'Review queue', routes: [[/^\/review$/, review]], needs: '/v1/suppressions/review'},
  {href: '#/webhooks', label: 'Webhooks', routes: [[/^\/webhooks$/, webhooks], [/^\/webhooks\/([^/]+)$/, webhooks]], needs: '/v1/webhooks'},
];

/** Route table: a hash path pattern and the page that renders it (filled from the sections the API has). */
const pages = [];

async function sections() {
  if (pages.length) return;
  const res = await fetch('/openapi.json', {cache: 'no-store', credentials: 'omit'});
  const doc = await res.json();
  for (const p of Object.keys(doc.paths)) available.add(p);
  const list = nav.querySelector('ul');
  list.replaceChildren();
  for (const s of SECTIONS) {
    if (!available.has(s.needs)) continue;
    list.appendChild(h('li', {}, h('a', {href: s.href}, s.label)));
    pages.push(...s.routes);
  }
}

function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, q = ''] = raw.split('?');
  return {path, params: new URLSearchParams(q)};
}

let generation = 0;
async function route({focus = true} = {}) {
  const {path, params} = parseHash();
  const mine = ++generation;
  for (const a of nav.querySelectorAll('a')) {
    const target = a.getAttribute('href').replace(/^#/, '');
    const current = target === '/' ? (path === '/' || path === '') : path === target || path.startsWith(`${target}/`);
    if (current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  const found = pages.find(([re]) => re.test(path));
  fill(main);
  if (!found) {
    main.append(h('h1', {tabindex: '-1'}, 'Not found'), h('p', {}, `No page at #${path}.`), h('p', {}, h('a', {href: '#/'}, 'Overview')));
    return;
  }
  const [re, page] = found;
  const args = path.match(re).slice(1).map(decodeURIComponent);
  try {
    await page.render(main, {args, params, stale: () => mine !== generation});
  } catch (e) {
    if (mine !== generation) return;
    main.append(problem(e));
  }
  if (focus && mine === generation) {
    const heading = main.querySelector('h1');
    if (heading) {
      heading.setAttribute('tabindex', '-1');
      heading.focus({preventScroll: false});
    }
  }
}

function showLogin(message) {
  nav.hidden = true;
  logout.hidden = true;
  const input = h('input', {type: 'password', name: 'key', autocomplete: 'off', spellcheck: 'false', required: true});
  const status = h('p', {role: 'alert', class: 'alert', hidden: !message}, message || '');
  const form = h('form', {class: 'login', 'aria-labelledby': 'login-title'},
    h('h1', {id: 'login-title'}, 'Log in'),
    h('p', {}, 'Type an API key (', h('code', {}, 'rebound keys create --scope read,…'),
      '). It is kept in this tab only and sent with every request of the dashboard.'),
    field('API key', input),
    status,
    h('button', {type: 'submit'}, 'Log in'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const key = input.value.trim();
    try {
      await api('/v1/queue', {key, quiet401: true});
      session.set(key);
      enter();
    } catch (e) {
      status.hidden = false;
      status.textContent = e instanceof ApiError && e.status === 401 ? 'This key is not accepted (unknown or revoked).'
        : e instanceof ApiError && e.status === 403 ? `This key cannot read the queue: ${e.message}` : `Could not log in: ${e.message}`;
      input.focus();
    }
  });
  fill(main, form);
  input.focus();
}

async function enter() {
  try {
    await sections();
  } catch (e) {
    fill(main, problem(e));
    return;
  }
  nav.hidden = false;
  logout.hidden = !session.key();
  route({focus: false});
}

// The skip link moves focus to the content; as a plain #main link it would change the hash and so the page.
document.querySelector('.skip').addEventListener('click', (ev) => {
  ev.preventDefault();
  main.focus();
});
logout.addEventListener('click', () => {
  session.clear();
  showLogin('Logged out.');
});
whenUnauthorized(() => {
  session.clear();
  showLogin('Your key was refused (revoked, or the service now needs one). Log in again.');
});
window.addEventListener('hashchange', () => {
  if (!nav.hidden) route();
});

// Start: with a kept key, or when the API needs none, straight in; otherwise the login form.
(async () => {
  try {
    await api('/v1/queue', {quiet401: true});
    enter();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) showLogin(session.key() ? 'Your key is no longer accepted. Log in again.' : '');
    else if (e instanceof ApiError && e.status === 403) showLogin(`This key cannot read the queue: ${e.message}`);
    else fill(main, problem(e));
  }
})();
