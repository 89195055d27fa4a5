// Approvals queue: pending HIGH-risk runbook runs with their action, rationale, impact, blast
// radius and rollback plan; approve or reject with a reason. The server enforces the four-eyes
// rule; its refusal is shown verbatim next to the request.
import { h, mount, note, fmtTime, fields, plain } from '../lib/dom.js';
import { get, post } from '../lib/api.js';
import { fill, itemsOf } from '../lib/optional.js';

export async function render(page) {
  const { main } = page;
  const list = h('div', { id: 'approvals' });
  const done = h('div', { id: 'approvals-msg', 'aria-live': 'polite' });
  mount(main, h('h1', null, 'Approvals'), done, list);
  async function load() {
    await fill(list, async () => {
      const res = await get('/api/v1/approvals?state=pending');
      const items = itemsOf(res, 'approvals');
      if (!items.length) return h('p', { class: 'empty' }, 'Nothing waits for approval.');
      return items.map(card);
    });
  }
  function card(a) {
    const msg = h('div', { class: 'approval-msg' });
    const reason = h('input', { placeholder: 'reason', 'aria-label': `Reason for ${a.id}`, class: 'reason' });
    const decide = async (verb) => {
      mount(msg);
      try {
        await post(`/api/v1/approvals/${encodeURIComponent(a.id)}/${verb}`, { reason: reason.value });
        mount(done, note('ok', `${verb === 'approve' ? 'Approved' : 'Rejected'} ${a.id}.`));
        load();
      } catch (e) {
        mount(msg, note('error', e.message));
      }
    };
    return h('article', { class: 'card approval', 'data-approval': a.id },
      h('h2', null, plain(a.action || a.runbook || a.title || a.id)),
      fields([
        ['Incident', a.incident_id ? h('a', { href: `#/incidents/${encodeURIComponent(a.incident_id)}` }, a.incident_id) : ''],
        ['Runbook', a.runbook], ['Risk', a.risk || a.tier], ['Requested by', a.requested_by || a.requester],
        ['Requested at', a.requested_at ? fmtTime(a.requested_at) : ''],
        ['Rationale', a.rationale], ['Impact', a.impact], ['Blast radius', a.blast_radius],
        ['Rollback plan', a.rollback_plan || a.rollback], ['Expires', a.expires_at ? fmtTime(a.expires_at) : ''],
      ]),
      h('div', { class: 'inline' }, reason,
        h('button', { type: 'button', 'data-decide': 'approve', onclick: () => decide('approve') }, 'Approve'),
        h('button', { type: 'button', class: 'danger', 'data-decide': 'reject', onclick: () => decide('reject') }, 'Reject')),
      msg);
  }
  page.onChange((event) => { if (event === 'approval' || event === 'reset') load(); });
  await load();
}
