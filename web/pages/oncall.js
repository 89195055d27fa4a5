// On-call: who is on now for every schedule, the coming week's handoffs (who hands over to whom and
// when both are told), the next two weeks of shifts per schedule (with
// overrides and gaps marked), the overrides made at run time: current and upcoming ones (delete
// cancels an upcoming one or ends one now) and a form to put someone on a schedule for a while (its
// person fields suggest the people directory), and the people directory itself: teams, rotations
// and where each person is on call now. Needs the paging capability on the server.
import { h, mount, fmtTime, thead, note } from '../lib/dom.js';
import { get, post, qs, request } from '../lib/api.js';
import { fill, UNAVAILABLE } from '../lib/optional.js';

export async function render(page) {
  const { main } = page;
  const now = h('div', { id: 'oncall-now' });
  const shifts = h('div', { id: 'oncall-shifts' });
  const handoffs = h('div', { id: 'oncall-handoffs' });
  const overrides = h('div', { id: 'override-list' });
  const listMsg = h('div', { id: 'override-list-msg' });
  const formMsg = h('div', { id: 'override-msg' });
  const schedule = h('select', { id: 'override-schedule', name: 'schedule', required: true });
  const person = h('input', { id: 'override-person', name: 'person', required: true, size: 12, placeholder: 'person id', list: 'people-ids' });
  const replaces = h('input', { id: 'override-replaces', name: 'replaces', size: 12, placeholder: 'anyone', list: 'people-ids' });
  const peopleIds = h('datalist', { id: 'people-ids' });
  const people = h('div', { id: 'people-list' });
  const start = h('input', { id: 'override-start', name: 'start', size: 22, placeholder: 'now, or 2026-03-02T09:00:00Z' });
  const duration = h('input', { id: 'override-duration', name: 'duration', value: '8h', required: true, size: 6 });
  const reason = h('input', { id: 'override-reason', name: 'reason', size: 40, placeholder: 'why (shown to the team)' });
  const form = h('form', { id: 'override-form', class: 'stack', onsubmit: create },
    h('label', null, 'Schedule ', schedule),
    h('label', null, 'Who takes it ', person),
    h('label', null, 'Only while this person is on call ', replaces),
    h('label', null, 'Start ', start),
    h('label', null, 'For ', duration),
    h('label', null, 'Reason ', reason),
    h('button', { type: 'submit' }, 'Create override'),
    formMsg, peopleIds);
  mount(main, h('h1', null, 'On-call'), h('section', { class: 'card' }, h('h2', null, 'On call now'), now),
    h('section', { class: 'card' }, h('h2', null, 'Handoffs this week'), handoffs),
    h('section', { class: 'card' }, h('h2', null, 'Overrides'), listMsg, overrides),
    h('section', { class: 'card' }, h('h2', null, 'New override'), form),
    h('section', { class: 'card' }, h('h2', null, 'Next two weeks'), shifts),
    h('section', { class: 'card' }, h('h2', null, 'People'), people));
  let schedules = [];

  async function loadNow() {
    return fill(now, async () => {
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
  }

  async function loadShifts() {
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

  async function loadHandoffs() {
    await fill(handoffs, async () => {
      const res = await get(`/api/v1/oncall/handoffs${qs({ days: 7 })}`);
      const list = res.handoffs || [];
      const told = res.notice ? `Both people are told ${res.notice === '0s' ? 'at the handoff' : res.notice + ' before'}.`
        : 'Handoff notices are off (settings.paging.handoff_notice).';
      if (!list.length) return [h('p', { class: 'muted' }, told), h('p', { class: 'empty' }, 'No handoff in the coming week.')];
      const who = (p) => p ? (p.name || p.person) : h('strong', { class: 'gap' }, 'nobody (gap)');
      return [h('p', { class: 'muted' }, told), h('table', { class: 'handoffs' }, thead(['When', 'Schedule', 'From', 'To', 'Until', 'Told at']),
        h('tbody', null, list.map((x) => h('tr', { 'data-handoff': `${x.schedule}@${x.at}` },
          h('td', null, fmtTime(x.at)),
          h('td', null, x.schedule_name || x.schedule),
          h('td', null, who(x.from)),
          h('td', null, who(x.to), x.override ? ' (override)' : ''),
          h('td', null, x.until ? fmtTime(x.until) : ''),
          h('td', null, x.notice_at ? fmtTime(x.notice_at) : '')))))];
    });
  }

  async function loadOverrides() {
    await fill(overrides, async () => {
      const res = await get('/api/v1/oncall/overrides');
      const list = res.overrides || [];
      if (!list.length) return h('p', { class: 'empty' }, 'No current or upcoming overrides.');
      return h('table', { class: 'overrides' },
        thead(['Override', 'Schedule', 'Who', 'Instead of', 'Start', 'End', 'State', 'Reason', 'By', '']),
        h('tbody', null, list.map((o) => h('tr', { 'data-override': o.id },
          h('td', null, o.id),
          h('td', null, o.schedule),
          h('td', null, o.person_name || o.person),
          h('td', null, o.replaces || 'anyone'),
          h('td', null, fmtTime(o.start)),
          h('td', null, fmtTime(o.end)),
          h('td', null, o.applied ? o.state : `${o.state} (not applied: ${o.problem})`),
          h('td', { class: 'title' }, o.reason),
          h('td', null, o.created_by),
          h('td', null, h('button', {
            type: 'button', class: 'small', 'data-action': 'delete',
            'aria-label': `${o.state === 'active' ? 'End' : 'Cancel'} override ${o.id}`,
            onclick: async (e) => {
              e.target.disabled = true;
              try {
                const done = await request('DELETE', `/api/v1/oncall/overrides/${encodeURIComponent(o.id)}`);
                mount(listMsg, note('ok', `Override ${done.id} ${done.state === 'cancelled' ? 'cancelled' : 'ended'}.`));
              } catch (err) {
                mount(listMsg, note('error', err.message));
                e.target.disabled = false;
              }
              await refresh();
            },
          }, o.state === 'active' ? 'End now' : 'Cancel'))))));
    });
  }

  async function loadPeople() {
    await fill(people, async () => {
      const res = await get('/api/v1/people');
      const list = res.people || [];
      mount(peopleIds, list.map((p) => h('option', { value: p.id }, p.name)));
      if (!list.length) return h('p', { class: 'empty' }, 'No people configured.');
      // How a page reaches them: their notification rules in order, else the severity's contact types.
      const reach = (p) => (p.notification_rules || []).length
        ? p.notification_rules.map((r) => `${r.contact_type} ${r.after === '0s' ? 'at once' : 'after ' + r.after}` +
            (r.severities.length ? ` (${r.severities.join(', ')})` : '')).join(', then ')
        : 'by severity';
      return h('table', { class: 'people' }, thead(['Person', 'Title', 'Teams', 'Rotations', 'On call now', 'Paged by']),
        h('tbody', null, list.map((p) => h('tr', { 'data-person': p.id },
          h('td', null, `${p.name} (${p.id})`),
          h('td', null, p.title || ''),
          h('td', null, (p.teams || []).map((t) => (p.leads || []).includes(t) ? `${t} (lead)` : t).join(', ')),
          h('td', null, (p.schedules || []).join(', ')),
          h('td', { class: 'on-call' }, (p.on_call || []).map((o) => `${o.schedule_name || o.schedule} until ${fmtTime(o.end)}${o.override ? ' (override)' : ''}`).join('; ')),
          h('td', { class: 'paged-by' }, reach(p) + (p.handoff_notices === false ? '; no handoff notices' : ''))))));
    });
  }

  async function refresh() {
    await loadNow();
    await Promise.all([loadHandoffs(), loadOverrides(), loadPeople(), schedules.length ? loadShifts() : null]);
  }

  async function create(e) {
    e.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const body = { schedule: schedule.value, person: person.value.trim(), duration: duration.value.trim() };
      if (replaces.value.trim()) body.replaces = replaces.value.trim();
      if (start.value.trim()) body.start = start.value.trim();
      if (reason.value.trim()) body.reason = reason.value.trim();
      const o = await post('/api/v1/oncall/overrides', body);
      mount(formMsg, note('ok', `Override ${o.id}: ${o.person} on ${o.schedule} from ${fmtTime(o.start)} to ${fmtTime(o.end)}.`));
      person.value = '';
      reason.value = '';
      await refresh();
    } catch (err) {
      mount(formMsg, note('error', err.field ? `${err.field}: ${err.message}` : err.message));
    } finally {
      button.disabled = false;
    }
  }

  const got = await loadNow();
  if (got === 'unavailable') {
    mount(shifts, h('p', { class: 'unavailable muted' }, UNAVAILABLE));
    mount(handoffs, h('p', { class: 'unavailable muted' }, UNAVAILABLE));
    mount(overrides, h('p', { class: 'unavailable muted' }, UNAVAILABLE));
    mount(people, h('p', { class: 'unavailable muted' }, UNAVAILABLE));
    form.hidden = true;
    return;
  }
  mount(schedule, schedules.map((sc) => h('option', { value: sc.id }, sc.name || sc.id)));
  await Promise.all([loadHandoffs(), loadOverrides(), loadPeople()]);
  if (schedules.length) await loadShifts();
}
