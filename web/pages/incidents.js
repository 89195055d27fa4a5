// Incidents list: filters (state, severity, service), open counts by severity, keyset pagination
// (50 a page, "Older"/"Newer" by incident number, so 10,000 incidents cost one indexed page read),
// acknowledge from the list, live updates from the stream.
import { h, mount, note, badge, fmtTime, ago, thead } from '../lib/dom.js';
import { get, post, qs } from '../lib/api.js';

const SEVERITIES = ['SEV0', 'SEV1', 'SEV2', 'SEV3', 'SEV4'];
const STATES = ['open', 'triggered', 'acknowledged', 'mitigated', 'resolved', 'closed', 'all'];
const PAGE = 50;

function setQuery(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) p.set(k, v);
  const q = p.toString();
  location.hash = `#/incidents${q ? `?${q}` : ''}`;
}

// The catalog's services, fetched once per page load (the config changes rarely).
let services = null;
async function serviceList() {
  if (!services) {
    try {
      const g = await get('/api/v1/graph');
      services = (g.services || []).map((sv) => [sv.id, sv.name || sv.id]);
    } catch {
      return [];  // the filter still works without the list
    }
  }
  return services;
}

export async function render(page) {
  const { main, params } = page;
  const state = params.state || 'open';
  const filters = { state, severity: params.severity || '', service: params.service || '' };
  const before = params.before || '';
  const prev = params.prev ? params.prev.split(',') : [];

  const counts = h('div', { class: 'counts', id: 'counts', 'aria-label': 'Open incidents by severity' });
  const table = h('div', { id: 'incident-table' });
  const pager = h('nav', { class: 'pager', 'aria-label': 'Pages' });
  const msg = h('div');

  const sel = (name, label, options, value) => {
    const s = h('select', { id: `f-${name}`, name },
      options.map(([v, text]) => h('option', { value: v, selected: v === value }, text)));
    s.addEventListener('change', () => setQuery({ ...filters, [name]: s.value === 'all' && name === 'state' ? 'all' : s.value }));
    return h('label', null, `${label} `, s);
  };
  const listed = await serviceList();
  const serviceOptions = [['', 'any'], ...listed];
  // A service named in the address that the config does not list (removed since, or misspelt)
  // stays shown as the filter: the list below is its history, or the server's error.
  if (filters.service && !listed.some(([v]) => v === filters.service)) {
    serviceOptions.push([filters.service, `${filters.service} (not configured)`]);
  }
  const filterBar = h('form', { class: 'filters', id: 'filters', onsubmit: (e) => e.preventDefault() },
    sel('state', 'State', STATES.map((x) => [x, x]), state),
    sel('severity', 'Severity', [['', 'any'], ...SEVERITIES.map((x) => [x, x])], filters.severity),
    sel('service', 'Service', serviceOptions, filters.service));

  mount(main, h('h1', null, 'Incidents'), counts, filterBar, msg, table, pager);

  async function loadCounts() {
    try {
      const c = await get('/api/v1/incidents/counts');
      mount(counts, h('span', { class: 'count total' }, `${c.open_total} open`),
        SEVERITIES.map((sv) => h('a', {
          href: `#/incidents?state=open&severity=${sv}`, class: `count sev-${sv.toLowerCase()}`,
          'data-severity': sv, 'aria-label': `${c.open[sv]} open ${sv}`,
        }, `${sv} `, h('strong', null, String(c.open[sv])))));
    } catch (e) {
      mount(counts, note('error', e.message));
    }
  }

  async function loadPage() {
    const q = { severity: filters.severity, service: filters.service, limit: PAGE, before };
    if (state !== 'all') q.state = state;
    let res;
    try {
      res = await get(`/api/v1/incidents${qs(q)}`);
    } catch (e) {
      mount(table, note('error', e.message));
      return;
    }
    const list = res.incidents || [];
    if (!list.length) {
      mount(table, h('p', { class: 'empty' }, before ? 'No older incidents.' : 'No incidents match.'));
    } else {
      mount(table, h('table', { class: 'incidents' },
        thead(['Incident', 'Severity', 'State', 'Title', 'Services', 'Opened', '']),
        h('tbody', null, list.map(row))));
    }
    const nav = [];
    if (before) {
      const back = prev.slice(0, -1);
      nav.push(h('a', { href: `#/incidents${qs({ ...filters, before: prev[prev.length - 1] || '', prev: back.join(',') })}`, id: 'newer' }, '← Newer'));
    }
    if (res.next_before) {
      nav.push(h('a', { href: `#/incidents${qs({ ...filters, before: res.next_before, prev: [...prev, before].join(',') })}`, id: 'older' }, 'Older →'));
    }
    mount(pager, nav);
  }

  function row(i) {
    const actions = [];
    if (i.state === 'triggered') {
      actions.push(h('button', {
        type: 'button', class: 'small', 'data-action': 'acknowledge', 'aria-label': `Acknowledge ${i.id}`,
        onclick: async (e) => {
          e.target.disabled = true;
          try { await post(`/api/v1/incidents/${encodeURIComponent(i.id)}/acknowledge`, {}); } catch (err) { mount(msg, note('error', err.message)); }
          loadPage(); loadCounts();
        },
      }, 'Acknowledge'));
    }
    return h('tr', { 'data-id': i.id, class: `state-${i.state}` },
      h('td', null, h('a', { href: `#/incidents/${encodeURIComponent(i.id)}` }, i.id)),
      h('td', null, badge('sev', i.severity)),
      h('td', null, badge('state', i.state)),
      h('td', { class: 'title' }, i.title),
      h('td', null, (i.services || []).join(', ')),
      h('td', { title: fmtTime(i.created_at) }, ago(i.created_at)),
      h('td', null, actions));
  }

  let timer = null;
  page.onChange((event) => {
    if (event !== 'incident' && event !== 'reset') return;
    clearTimeout(timer);
    timer = setTimeout(() => { loadPage(); loadCounts(); }, 150);
  });
  page.cleanup(() => clearTimeout(timer));
  await Promise.all([loadCounts(), loadPage()]);
}
