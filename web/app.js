// Firebreak web console: a no-build ES-module single-page app (see docs/ARCHITECTURE.md, "Web
// console"). Hash routes, one module per page; live updates from the SSE stream.

import { h, mount, note } from './lib/dom.js';
import { get, token, setToken } from './lib/api.js';
import { Stream } from './lib/stream.js';
import * as signin from './pages/signin.js';
import * as incidents from './pages/incidents.js';
import * as incident from './pages/incident.js';
import * as alerts from './pages/alerts.js';
import * as services from './pages/services.js';
import * as oncall from './pages/oncall.js';
import * as approvals from './pages/approvals.js';
import * as runbooks from './pages/runbooks.js';
import * as reports from './pages/reports.js';

const NAV = [
  ['#/incidents', 'Incidents'],
  ['#/alerts', 'Alerts'],
  ['#/services', 'Services'],
  ['#/oncall', 'On-call'],
  ['#/approvals', 'Approvals'],
  ['#/runbooks', 'Runbooks'],
  ['#/reports', 'Reports'],
];

export const ctx = { stream: null, me: null, cleanup: [] };

function route() {
  const hash = location.hash || '#/incidents';
  const [path, query = ''] = hash.slice(1).split('?');
  const params = Object.fromEntries(new URLSearchParams(query));
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  return { path, parts, params };
}

function header() {
  const current = (location.hash || '#/incidents').split('?')[0];
  const links = NAV.map(([href, label]) =>
    h('li', null, h('a', { href, 'aria-current': current.startsWith(href) ? 'page' : null }, label)));
  const live = h('span', { id: 'live', class: 'live', role: 'status', 'aria-live': 'polite' }, '');
  if (ctx.stream) ctx.stream.onState((st) => {
    live.textContent = st === 'live' ? 'Live' : st === 'unauthorized' ? 'Signed out' : 'Reconnecting…';
    live.className = `live ${st}`;
  });
  const who = ctx.me ? h('span', { class: 'who' }, ctx.me.person || ctx.me.actor) : null;
  const out = h('button', { type: 'button', class: 'link', onclick: () => { setToken(''); location.hash = '#/signin'; start(); } }, 'Sign out');
  return [
    h('a', { class: 'brand', href: '#/incidents' }, 'Firebreak'),
    h('nav', { 'aria-label': 'Main' }, h('ul', null, links, h('li', null, h('a', { href: '/status', target: '_blank', rel: 'noopener' }, 'Status page')))),
    h('div', { class: 'session' }, live, who, out),
  ];
}

async function defenseBanner() {
  const el = document.getElementById('banner');
  try {
    const d = await get('/api/v1/defense-level');
    const level = d.level || 'GREEN';
    mount(el, h('div', { class: `defense defense-${String(level).toLowerCase()}`, id: 'defense' },
      h('strong', null, `Defense level ${level}`),
      d.reason ? ` — ${d.reason}` : ''));
  } catch (e) {
    mount(el);
  }
}

function runCleanup() {
  for (const fn of ctx.cleanup.splice(0)) { try { fn(); } catch { /* ignore */ } }
}

async function render() {
  runCleanup();
  const main = document.getElementById('main');
  const r = route();
  if (!token() || r.parts[0] === 'signin') {
    mount(document.getElementById('top'));
    mount(document.getElementById('banner'));
    signin.render(main, { onSignedIn: () => { location.hash = '#/incidents'; start(); } });
    return;
  }
  mount(document.getElementById('top'), header());
  if (!bannerShown) { bannerShown = true; defenseBanner(); }
  // start() re-renders once the stream exists; a hashchange during sign-in renders without it.
  const onChange = (fn) => { if (ctx.stream) ctx.cleanup.push(ctx.stream.on(fn)); };
  const page = { main, params: r.params, parts: r.parts, me: ctx.me, onChange, cleanup: (fn) => ctx.cleanup.push(fn) };
  try {
    switch (r.parts[0] || 'incidents') {
      case 'incidents':
        if (r.parts[1]) await incident.render(page, r.parts[1]);
        else await incidents.render(page);
        break;
      case 'alerts': await alerts.render(page); break;
      case 'services': await services.render(page); break;
      case 'oncall': await oncall.render(page); break;
      case 'approvals': await approvals.render(page); break;
      case 'runbooks': await runbooks.render(page); break;
      case 'reports': await reports.render(page); break;
      default: mount(main, note('error', 'No such page.'));
    }
  } catch (e) {
    mount(main, note('error', e.message || String(e)));
  }
  // Refresh the defense banner when incidents change.
  onChange((ev) => { if (ev === 'incident' || ev === 'reset') debounceBanner(); });
}

let bannerTimer = null;
let bannerShown = false;
function debounceBanner() {
  clearTimeout(bannerTimer);
  bannerTimer = setTimeout(defenseBanner, 300);
}

async function start() {
  if (ctx.stream) { ctx.stream.stop(); ctx.stream = null; }
  ctx.me = null;
  bannerShown = false;
  if (token()) {
    try {
      ctx.me = await get('/api/v1/whoami');
    } catch (e) {
      if (e.status === 401) setToken('');
    }
  }
  if (token()) {
    ctx.stream = new Stream();
    ctx.stream.start();
  }
  render();
}

window.addEventListener('hashchange', render);
window.addEventListener('fb:unauthorized', () => {
  if (!ctx.me) return;  // the sign-in page reports its own refusals
  ctx.me = null;
  if (ctx.stream) ctx.stream.stop();
  setToken('');
  location.hash = '#/signin';
});
start();
