// One incident: summary and impact, state and severity actions, roles, notes, external status
// updates, the timeline on a time axis, affected services and blast radius, root-cause hypotheses,
// matched runbooks (dry run / run), requests to respond (answered here by the person asked),
// escalation, and links to the reports. Updates live.
import { h, mount, note, badge, fmtTime, fields, plain } from '../lib/dom.js';
import { get, post, download } from '../lib/api.js';
import { fill, itemsOf } from '../lib/optional.js';
import { timelineSvg, timelineList } from './timeline.js';

const ACTIONS = {
  triggered: ['acknowledge', 'mitigate', 'resolve'],
  acknowledged: ['mitigate', 'resolve', 'unacknowledge'],
  mitigated: ['resolve'],
  resolved: ['reopen'],
  closed: [],
};
const ROLES = ['incident_commander', 'tech_lead', 'communications_lead', 'scribe'];
const SEVERITIES = ['SEV0', 'SEV1', 'SEV2', 'SEV3', 'SEV4'];

export async function render(page, id) {
  const { main } = page;
  const base = `/api/v1/incidents/${encodeURIComponent(id)}`;
  let inc;
  try {
    inc = await get(base);
  } catch (e) {
    mount(main, h('p', null, h('a', { href: '#/incidents' }, '← Incidents')), note('error', e.message));
    return;
  }
  const summary = h('section', { id: 'summary', class: 'card' });
  const msg = h('div', { id: 'action-msg' });
  const actions = h('div', { class: 'actions', id: 'actions' });
  const svcs = h('section', { id: 'services', class: 'card' });
  const axis = h('div', { id: 'timeline-axis' });
  const list = h('div');
  const hyp = h('div', { id: 'hypotheses' });
  const rbs = h('div', { id: 'runbooks' });
  const esc = h('div', { id: 'escalation' });
  const alerts = h('div', { id: 'alerts' });
  const similar = h('div', { id: 'similar' });
  const responders = h('div', { id: 'responders' });

  const act = async (fn) => {
    mount(msg);
    try { await fn(); if (!msg.childNodes.length) mount(msg, note('ok', 'Done.')); } catch (e) { mount(msg, note('error', e.message)); }
    refresh();
  };

  // Forms (built once, so typing is not lost when live updates redraw the rest).
  const transitionNote = h('input', { id: 'transition-note', placeholder: 'note (optional)', 'aria-label': 'Note for the state change' });
  const sevSel = h('select', { id: 'severity-select', 'aria-label': 'New severity' }, SEVERITIES.map((sv) => h('option', { value: sv }, sv)));
  const sevReason = h('input', { id: 'severity-reason', placeholder: 'reason', 'aria-label': 'Reason for the severity change' });
  const sevForm = h('form', { class: 'inline', id: 'severity-form' }, h('label', null, 'Severity ', sevSel), sevReason, h('button', { type: 'submit' }, 'Change severity'));
  sevForm.addEventListener('submit', (e) => { e.preventDefault(); act(() => post(`${base}/severity`, { severity: sevSel.value, reason: sevReason.value })); });
  const roleSel = h('select', { id: 'role-select', 'aria-label': 'Role' }, ROLES.map((r) => h('option', { value: r }, r.replace(/_/g, ' '))));
  const rolePerson = h('input', { id: 'role-person', placeholder: 'person id', 'aria-label': 'Person' });
  const roleForm = h('form', { class: 'inline', id: 'role-form' }, roleSel, rolePerson, h('button', { type: 'submit' }, 'Assign'));
  roleForm.addEventListener('submit', (e) => { e.preventDefault(); act(() => post(`${base}/roles`, { role: roleSel.value, person: rolePerson.value })); });
  const noteText = h('textarea', { id: 'note-text', rows: 2, 'aria-label': 'Note' });
  const noteForm = h('form', { id: 'note-form' }, h('label', { for: 'note-text' }, 'Internal note'), noteText, h('button', { type: 'submit' }, 'Add note'));
  noteForm.addEventListener('submit', (e) => { e.preventDefault(); act(async () => { await post(`${base}/notes`, { text: noteText.value }); noteText.value = ''; }); });
  const updStatus = h('select', { id: 'update-status', 'aria-label': 'Public status' }, ['investigating', 'identified', 'monitoring', 'resolved'].map((x) => h('option', { value: x }, x)));
  const updText = h('textarea', { id: 'update-text', rows: 2, 'aria-label': 'Public update text' });
  const updForm = h('form', { id: 'update-form' }, h('label', { for: 'update-text' }, 'Public status update (shown on /status)'), updStatus, updText, h('button', { type: 'submit' }, 'Publish update'));
  updForm.addEventListener('submit', (e) => { e.preventDefault(); act(async () => { await post(`${base}/status-updates`, { status: updStatus.value, text: updText.value }); updText.value = ''; }); });
  const impactText = h('input', { id: 'impact-text', placeholder: 'customer impact', 'aria-label': 'Impact' });
  const impactForm = h('form', { class: 'inline', id: 'impact-form' }, impactText, h('button', { type: 'submit' }, 'Set impact'));
  impactForm.addEventListener('submit', (e) => { e.preventDefault(); act(() => post(`${base}/impact`, { impact: impactText.value })); });
  const snoozeFor = h('select', { id: 'snooze-duration', 'aria-label': 'Snooze for' }, ['30m', '1h', '2h', '4h', '8h', '24h'].map((d) => h('option', { value: d }, d)));
  const snoozeForm = h('form', { class: 'inline', id: 'snooze-form' }, h('label', null, 'Snooze ', snoozeFor), h('button', { type: 'submit' }, 'Snooze'));
  snoozeForm.addEventListener('submit', (e) => { e.preventDefault(); act(() => post(`${base}/snooze`, { duration: snoozeFor.value })); });
  const respType = h('select', { id: 'responder-type', 'aria-label': 'Responder kind' }, ['person', 'schedule', 'team'].map((x) => h('option', { value: x }, x)));
  const respId = h('input', { id: 'responder-id', placeholder: 'id', 'aria-label': 'Responder id' });
  const respMsg = h('input', { id: 'responder-message', placeholder: 'what help is needed', 'aria-label': 'Message to the responders' });
  const respForm = h('form', { class: 'inline', id: 'responders-form' }, respType, respId, respMsg, h('button', { type: 'submit' }, 'Page responder'));
  respForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(async () => { await post(`${base}/responders`, { targets: [{ [respType.value]: respId.value }], message: respMsg.value }); respId.value = ''; respMsg.value = ''; });
  });
  const mergeIds = h('input', { id: 'merge-ids', placeholder: 'INC-12, INC-13', 'aria-label': 'Incidents to merge into this one' });
  const mergeForm = h('form', { class: 'inline', id: 'merge-form' }, mergeIds, h('button', { type: 'submit' }, 'Merge into this incident'));
  mergeForm.addEventListener('submit', (e) => {
    e.preventDefault();
    act(async () => { await post(`${base}/merge`, { incidents: mergeIds.value.split(/[\s,]+/).filter(Boolean) }); mergeIds.value = ''; });
  });

  const reportLinks = h('p', { class: 'reports' }, 'Report: ', ['md', 'json', 'html'].map((f) =>
    h('button', { type: 'button', class: 'link', onclick: () => download(`${base}/report?format=${f}`, `${id}.${f}`).catch((e) => mount(msg, note('error', e.unavailable ? 'Reports are not available on this server.' : e.message))) }, f)),
  ' · ', h('a', { href: `#/reports?incident=${encodeURIComponent(id)}` }, 'view'));

  mount(main,
    h('p', null, h('a', { href: '#/incidents' }, '← Incidents')),
    summary, msg, actions,
    h('div', { class: 'grid' },
      h('section', { class: 'card' }, h('h2', null, 'Response'), sevForm, roleForm, respForm, impactForm, snoozeForm, mergeForm, noteForm, updForm),
      svcs),
    h('section', { class: 'card' }, h('h2', null, 'Requests to respond'), responders),
    h('section', { class: 'card' }, h('h2', null, 'Timeline'), axis, list),
    h('section', { class: 'card' }, h('h2', null, 'Alerts and why each joined'), alerts),
    h('section', { class: 'card' }, h('h2', null, 'Root-cause hypotheses'), hyp),
    h('section', { class: 'card' }, h('h2', null, 'Runbooks'), rbs),
    h('section', { class: 'card' }, h('h2', null, 'Similar past incidents'), similar),
    h('section', { class: 'card' }, h('h2', null, 'Escalation'), esc, reportLinks));

  function drawSummary() {
    mount(summary,
      h('h1', { id: 'incident-title' }, h('span', { class: 'muted' }, `${inc.id} `), h('span', { class: 'title' }, inc.title)),
      h('p', null, badge('sev', inc.severity), ' ', badge('state', inc.state), ' ', h('span', { class: 'muted' }, `opened ${fmtTime(inc.created_at)}`)),
      fields([
        ['Impact', inc.impact],
        ['Roles', Object.entries(inc.roles || {}).map(([r, p]) => `${r.replace(/_/g, ' ')}: ${p}`).join('; ')],
        ['Flags', inc.flags],
        ['Alerts', inc.alert_count ? String(inc.alert_count) : ''],
        ['Acknowledged', inc.acknowledged_at ? `${fmtTime(inc.acknowledged_at)} by ${inc.acknowledged_by}` : ''],
        ['Resolved', inc.resolved_at ? `${fmtTime(inc.resolved_at)} by ${inc.resolved_by}` : ''],
        ['Merged into', inc.merged_into ? h('a', { id: 'merged-into', href: `#/incidents/${encodeURIComponent(inc.merged_into)}` }, inc.merged_into) : ''],
        ['Source', inc.source],
      ]));
    mount(actions, (ACTIONS[inc.state] || []).map((a) => h('button', {
      type: 'button', id: `act-${a}`, 'data-action': a,
      onclick: () => act(() => post(`${base}/${a}`, transitionNote.value ? { note: transitionNote.value } : {})),
    }, a[0].toUpperCase() + a.slice(1))), (ACTIONS[inc.state] || []).length ? transitionNote : null);
    sevSel.value = inc.severity;
    snoozeForm.hidden = inc.state !== 'acknowledged';
    mount(svcs, h('h2', null, 'Affected services'),
      h('ul', { class: 'services' }, (inc.services || []).map((sv) => h('li', null, h('a', { href: `#/services?fail=${encodeURIComponent(sv)}` }, sv)))),
      h('h3', null, 'Blast radius'),
      (inc.blast_radius || []).length
        ? h('ul', { class: 'blast', id: 'blast-radius' }, inc.blast_radius.map((sv) => h('li', null, sv)))
        : h('p', { class: 'muted' }, 'Nothing beyond the affected services.'),
      (inc.services || []).length ? h('p', null, h('a', { href: `#/services?fail=${encodeURIComponent(inc.services.join(','))}` }, 'Show on the dependency graph')) : null);
  }

  let entries = [];
  async function loadTimeline() {
    const t = await get(`${base}/timeline?limit=5000`);
    entries = t.entries || [];
    mount(axis, timelineSvg(inc, entries));
    mount(list, timelineList(entries));
  }

  async function loadHypotheses() {
    await fill(hyp, async () => {
      let a;
      try { a = await get(`${base}/hypotheses`); } catch (e) {
        if (e.status === 404 && !e.unavailable) return h('p', { class: 'muted' }, 'No analysis yet.');
        throw e;
      }
      // GET .../hypotheses answers {id, trigger, result: {hypotheses: [...]}}.
      const hs = itemsOf(a && a.result ? a.result : a, 'hypotheses', 'ranked');
      if (!hs.length) return h('p', { class: 'muted' }, 'No hypotheses.');
      return h('ol', { class: 'hypotheses' }, hs.map((x) => h('li', null,
        h('strong', null, plain(x.service || x.title || x.cause || x.kind || 'hypothesis')),
        x.confidence !== undefined ? ` — confidence ${Math.round(Number(x.confidence) * 100)}%` : '',
        x.summary || x.explanation ? h('p', null, plain(x.summary || x.explanation)) : null,
        itemsOf(x, 'evidence').length ? h('ul', { class: 'evidence' }, itemsOf(x, 'evidence').map((ev) => h('li', null, plain(typeof ev === 'object' ? (ev.summary || ev.text || ev) : ev)))) : null)));
    });
  }

  // Matched runbooks, best first, as the server ranks them for this incident; dry run shows the
  // rendered plan, run requests it (HIGH steps wait in the approvals queue).
  async function loadRunbooks() {
    await fill(rbs, async () => {
      const res = await post('/api/v1/runbooks/match', { incident: id, limit: 8 });
      const matches = itemsOf(res, 'matches');
      if (!matches.length) return h('p', { class: 'muted' }, 'No runbook matches this incident.');
      const service = (inc.services || [])[0] || '';
      const plan = h('div', { id: 'runbook-plan' });
      // A run that needs approval carries the requester's rationale, expected impact and rollback plan.
      const rationale = h('input', { id: 'rb-rationale', placeholder: 'Why run it (needed for approval)', 'aria-label': 'Rationale' });
      const impact = h('input', { id: 'rb-impact', placeholder: 'Expected impact', 'aria-label': 'Expected impact' });
      const rollback = h('input', { id: 'rb-rollback', placeholder: 'Rollback plan (when no step declares one)', 'aria-label': 'Rollback plan' });
      const items = matches.map((m) => {
        const rid = m.runbook;
        const body = { runbook: rid, incident: id, service };
        const dry = () => act(async () => {
          const d = await post('/api/v1/runbooks/dry-run', body);
          mount(plan, h('article', { class: 'card', 'data-plan': rid },
            h('h3', null, `Dry run of ${rid}`, d.needs_approval ? [' ', badge('risk', 'HIGH')] : ''),
            d.needs_approval ? h('p', { class: 'muted' }, plain(d.approval_reason)) : null,
            h('ol', null, itemsOf(d, 'steps').map((st) => h('li', null, plain(st.describe || st.name || st.id),
              st.risk ? [' ', badge('risk', st.risk)] : ''))),
            fields([['Rollback plan', plain(d.rollback_plan)], ['Blast radius', plain((d.blast_radius || {}).services)]])));
        });
        const run = () => act(async () => {
          const r = await post('/api/v1/runs', { ...body, rationale: rationale.value, expected_impact: impact.value, rollback_plan: rollback.value });
          if (r && r.state === 'pending_approval') mount(msg, note('info', `Waiting for approval (${r.approval}).`));
          else if (r) mount(msg, note('ok', `Run ${r.id} ${r.state}.`));
        });
        return h('li', { 'data-runbook': rid },
          h('strong', null, plain(m.title || rid)), m.risk ? [' ', badge('risk', m.risk)] : '', ' ',
          h('span', { class: 'muted' }, plain(m.reasons)), ' ',
          h('button', { type: 'button', class: 'small', 'data-dry-run': rid, onclick: dry }, 'Dry run'), ' ',
          h('button', { type: 'button', class: 'small', 'data-run': rid, onclick: run }, 'Run'));
      });
      return [h('div', { class: 'inline' }, rationale, impact, rollback), h('ul', { class: 'runbooks' }, items), plan];
    });
  }

  async function loadEscalation() {
    await fill(esc, async () => {
      const [e, sent] = await Promise.all([get(`${base}/escalation`), get(`${base}/notifications`)]);
      const x = e.escalation;
      if (!x) return h('p', { class: 'muted' }, 'No escalation policy applies to this incident: nobody is paged.');
      // Low urgency outside support hours: say plainly that nobody is paged yet, and until when.
      const waiting = x.held_until ? h('p', { class: 'msg info', 'data-held-until': x.held_until },
        `Waiting for support hours: nobody is paged until ${fmtTime(x.held_until)} (${x.hold_reason}). Raising the severity or escalating pages at once.`) : null;
      const again = e.pages_again_at;
      const info = fields([
        ['policy', `${x.policy.name} (${x.policy.id})`],
        ['status', x.status_reason ? `${x.status}: ${x.status_reason}` : x.status],
        ['next step', x.held_until ? '' : fmtTime(x.next_due)],
        ['pages again', again ? `${fmtTime(again.at)} (${again.reason === 'snooze' ? 'snoozed' : 'acknowledgement timeout'})` : ''],
        ['support hours', x.policy.support_hours ? `${x.policy.support_hours} (low urgency: ${plain(x.policy.low_urgency)})` : ''],
      ]);
      // Under each page, how each message to a person went (a notification rule's later steps
      // included: planned until their time, cancelled by an acknowledgement).
      const rows = new Map();
      for (const r of itemsOf(sent, 'notifications')) {
        if (r.kind !== 'page') continue;
        if (!rows.has(r.page)) rows.set(r.page, []);
        rows.get(r.page).push(r);
      }
      const delivery = (r) => {
        const state = r.planned ? 'planned' : r.state;
        const how = r.planned ? `for ${fmtTime(r.planned_for)} unless acknowledged first`
          : r.state === 'delivered' ? `at ${fmtTime(r.delivered_at)}`
          : r.state === 'pending' ? (r.attempts ? `retrying after ${r.attempts} attempt${r.attempts > 1 ? 's' : ''}: ${r.last_error}` : '')
          : r.last_error ? `— ${r.last_error}` : '';
        return h('li', { 'data-person': r.person, 'data-channel': r.channel, 'data-state': state }, `${r.person} via ${r.channel}: `, badge('state', state), ` ${how}`);
      };
      const pages = x.history.length
        ? h('ol', { class: 'pages' }, x.history.map((p) => h('li', { 'data-page': p.n, 'data-trigger': p.trigger },
          `${fmtTime(p.time)} tier ${p.tier}: ${p.people.length ? p.people.join(', ') : 'nobody'} — ${p.reason}${p.late ? ' (late)' : ''}`,
          rows.has(p.n) ? h('ul', { class: 'deliveries' }, rows.get(p.n).map(delivery)) : null)))
        : h('p', { class: 'muted' }, 'No page yet.');
      return [waiting, info, pages];
    });
  }

  // Who was asked to respond and what they answered; the signed-in person answers their own.
  async function loadResponders() {
    let focused = null;
    await fill(responders, async () => {
      const items = itemsOf(await get(`${base}/responders`), 'responders');
      // A live redraw keeps what someone is typing in a note, and the focus.
      const typed = new Map([...responders.querySelectorAll('input.responder-note')].filter((i) => i.value)
        .map((i) => [i.dataset.noteFor, i.value]));
      const active = document.activeElement;
      focused = active && responders.contains(active) && active.dataset ? active.dataset.noteFor : null;
      if (!items.length) return h('p', { class: 'muted' }, 'Nobody was asked to respond.');
      const mine = page.me && page.me.person;
      return h('ul', { class: 'responders' }, items.map((r) => {
        const answer = (response) => {
          const key = `${r.person}:${response}`;
          const note = h('input', { class: 'responder-note', 'data-note-for': key, placeholder: response === 'decline' ? 'why (optional)' : 'note (optional)', 'aria-label': 'Note with the answer' });
          if (typed.has(key)) note.value = typed.get(key);
          return [note, h('button', { type: 'button', class: 'small', [`data-${response}`]: r.person,
            onclick: () => act(() => post(`${base}/responders/me`, { response, note: note.value })) }, response === 'accept' ? 'Accept' : 'Decline')];
        };
        const controls = r.response === 'pending' && mine === r.person && inc.state !== 'resolved' && inc.state !== 'closed'
          ? h('div', { class: 'inline' }, ...answer('accept'), ' ', ...answer('decline')) : null;
        return h('li', { 'data-responder': r.person, 'data-response': r.response },
          h('strong', null, r.person), ' ', badge('state', r.response), ' ',
          h('span', { class: 'muted' }, `asked ${fmtTime(r.requested_at)} by ${r.requested_by}${r.responded_at ? `, answered ${fmtTime(r.responded_at)}` : ''}`),
          h('div', null, r.message),
          r.note ? h('div', { class: 'muted' }, `Note: ${r.note}`) : null,
          controls);
      }));
    });
    if (focused) {
      const again = [...responders.querySelectorAll('input.responder-note')].find((i) => i.dataset.noteFor === focused);
      if (again) again.focus();
    }
  }

  async function loadAlerts() {
    await fill(alerts, async () => {
      const items = itemsOf(await get(`${base}/alerts`), 'alerts');
      if (!items.length) return h('p', { class: 'muted' }, 'No alerts joined this incident.');
      return h('ul', { class: 'alerts' }, items.map((a) => h('li', null,
        h('strong', null, plain(a.summary || a.name || a.fingerprint || a.id)), ' ',
        a.status ? badge('state', a.status) : '', ' ',
        h('span', { class: 'muted' }, plain(a.reason || a.join_reason || a.why || '')))));
    });
  }

  // Past incidents like this one: what they share and how each ended (root cause, resolution,
  // runbooks run, time to resolve).
  async function loadSimilar() {
    await fill(similar, async () => {
      const items = itemsOf(await get(`${base}/similar?limit=5`), 'similar');
      if (!items.length) return h('p', { class: 'muted' }, 'No similar past incidents.');
      return h('ul', { class: 'similar' }, items.map((x) => h('li', { 'data-similar': x.id },
        h('a', { href: `#/incidents/${encodeURIComponent(x.id)}` }, `${x.id}: ${x.title}`), ' ',
        badge('sev', x.severity), ' ', badge('state', x.state), ' ',
        h('span', { class: 'muted' }, `score ${x.score}${x.resolve_seconds != null ? `, resolved in ${Math.round(x.resolve_seconds / 60)} min` : ''}`),
        h('div', { class: 'muted' }, (x.reasons || []).join('; ')),
        x.root_cause ? h('div', { class: 'root-cause' }, `Root cause: ${x.root_cause}`) : null,
        x.resolution_note ? h('div', null, `Resolution: ${x.resolution_note}`) : null,
        (x.runbook_runs || []).length ? h('div', null, `Runbooks: ${x.runbook_runs.map((r) => `${r.runbook} (${r.state})`).join(', ')}`) : null)));
    });
  }

  async function refresh() {
    try {
      inc = await get(base);
      drawSummary();
      await Promise.all([loadTimeline(), loadResponders(), loadEscalation()]);
    } catch (e) {
      mount(msg, note('error', e.message));
    }
  }

  let timer = null;
  let deliveryTimer = null;
  page.onChange((event, payload) => {
    // The incident itself, or its escalation (pages, requests to respond and their answers).
    // A delivery's receipt or a re-planned step (timeline kinds notification*) redraws the pages.
    if (event === 'timeline' && payload && payload.incident_id === inc.id && /^notification|^page/.test(payload.kind || '')) {
      clearTimeout(deliveryTimer);
      deliveryTimer = setTimeout(() => loadEscalation().catch((e) => mount(msg, note('error', e.message))), 100);
      return;
    }
    if (event === 'reset' || (payload && (payload.id === inc.id || (event === 'escalation' && payload.incident_id === inc.id)))) {
      clearTimeout(timer);
      timer = setTimeout(() => {
        refresh();
        if (event === 'analysis' || event === 'reset') loadHypotheses();
      }, 100);
    }
  });
  page.cleanup(() => { clearTimeout(timer); clearTimeout(deliveryTimer); });
  drawSummary();
  await Promise.all([loadTimeline(), loadAlerts(), loadHypotheses(), loadRunbooks(), loadEscalation(), loadSimilar(), loadResponders()]);
}
