// On-call: who is on now for every schedule, the next two weeks of shifts per schedule (with
// overrides and gaps marked). Needs the paging capability on the server.
import { h, mount, fmtTime, thead } from '../lib/dom.js';
import { get, qs } from '../lib/api.js';
import { fill, UNAVAILABLE } from '../lib/optional.js';

export async function render(page) {
  const { main } = page;
  const now = h('div', { id: 'oncall-now' });
  const shifts = h('div', { id: 'oncall-shifts' });
  mount(main, h('h1', null, 'On-call'), h('section', { class: 'card' }, h('h2', null, 'On call now'), now),
    h('section', { class: 'card' }, h('h2', null, 'Next two weeks'), shifts));
  let schedules = [];
  const got = await fill(now, async () => {
    const res = await get('/api/v1/oncall');
    schedules = res.schedules || [];
    if (!schedules.length) return h('p', { class: 'muted' }, 'No schedules configured.');
    return h('table', null, thead(['Schedule', 'On call', 'Until', 'Override']),
      h('tbody', null, schedules.map((sc) => h('tr', { 'data-schedule': sc.id },
        h('td', null, sc.name || sc.id),
        h('td', null, sc.on_call ? (sc.on_call.name || sc.on_call.person) : h('strong', { class: 'gap' }, 'nobody (gap)')),
        h('td', null, sc.on_call ? fmtTime(sc.on_call.end) : ''),
        h('td', null, sc.on_call && sc.on_call.override ? 'override' : '')))));
  });
  if (got === 'unavailable') { mount(shifts, h('p', { class: 'unavailable muted' }, UNAVAILABLE)); return; }
  if (!schedules.length) return;
  await fill(shifts, async () => {
    const parts = [];
    for (const sc of schedules) {
      const res = await get(`/api/v1/oncall/shifts${qs({ schedule: sc.id, days: 14 })}`);
      parts.push(h('h3', null, sc.name || sc.id),
        h('ol', { class: 'shifts' }, (res.shifts || []).map((x) => h('li', { class: x.override ? 'override' : '' },
          `${fmtTime(x.start)} → ${fmtTime(x.end)}: ${x.person}${x.override ? ' (override' + (x.replaces ? ` for ${x.replaces}` : '') + ')' : ''}`))),
        (res.gaps || []).length ? h('p', { class: 'gap' }, `Gaps: ${res.gaps.map((g) => `${fmtTime(g.start)} → ${fmtTime(g.end)}`).join('; ')}`) : null);
    }
    return parts;
  });
}
