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
      h('h2', null, plain(a.title || a.runbook || a.id)),
      fields([
        ['Incident', a.incident ? h('a', { href: `#/incidents/${encodeURIComponent(a.incident)}` }, a.incident) : ''],
        ['Runbook', a.runbook], ['Service', a.service], ['Steps', plain(a.action)], ['Why approval', a.reason],
        ['Requested by', a.requested_by], ['Requested at', a.created_at ? fmtTime(a.created_at) : ''],
        ['Rationale', a.rationale], ['Expected impact', a.expected_impact],
        ['Blast radius', plain((a.blast_radius || {}).services)],
        ['Rollback plan', plain(a.rollback_plan)], ['Expires', a.expires_at ? fmtTime(a.expires_at) : ''],
      ]),
      h('div', { class: 'inline' }, reason,
        h('button', { type: 'button', 'data-decide': 'approve', onclick: () => decide('approve') }, 'Approve'),
        h('button', { type: 'button', class: 'danger', 'data-decide': 'reject', onclick: () => decide('reject') }, 'Reject')),
      msg);
  }
  page.onChange((event) => { if (event === 'approval' || event === 'reset') load(); });
  await load();
}
