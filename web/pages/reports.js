// Reports: pick an incident, read its post-incident report (Markdown shown as text) and download
// it as md, json or html.
import { h, mount, note } from '../lib/dom.js';
import { get, download, qs } from '../lib/api.js';
import { fill } from '../lib/optional.js';

export async function render(page) {
  const { main, params } = page;
  const view = h('div', { id: 'report' });
  const res = await get(`/api/v1/incidents${qs({ limit: 100 })}`);
  const sel = h('select', { id: 'report-incident', 'aria-label': 'Incident' },
    h('option', { value: '' }, 'choose an incident'),
    (res.incidents || []).map((i) => h('option', { value: i.id, selected: i.id === params.incident }, `${i.id} — ${i.title}`)));
  sel.addEventListener('change', () => { location.hash = `#/reports${qs({ incident: sel.value })}`; });
  mount(main, h('h1', null, 'Reports'), h('p', null, sel), view);
  if (!params.incident) return;
  const id = params.incident;
  const base = `/api/v1/incidents/${encodeURIComponent(id)}/report`;
  await fill(view, async () => {
    const md = await get(`${base}?format=md`);
    const msg = h('div');
    return [h('p', null, 'Download: ', ['md', 'json', 'html'].map((f) =>
      h('button', { type: 'button', class: 'link', onclick: () => download(`${base}?format=${f}`, `${id}.${f}`).catch((e) => mount(msg, note('error', e.message))) }, f))),
    msg, h('pre', { class: 'report' }, typeof md === 'string' ? md : JSON.stringify(md, null, 2))];
  });
}
