// The incident timeline drawn on a time axis: severity bands behind, one lane per kind of event
// (state changes, severity, pages and acks, runbooks and approvals, notes and updates), a marker
// per entry with its text as a tooltip. Pure SVG built with DOM calls (no markup parsing).
import { s, h, fmtTime } from '../lib/dom.js';

const LANES = [
  ['State', (k) => ['declared', 'acknowledged', 'mitigated', 'resolved', 'reopened', 'closed'].includes(k)],
  ['Severity', (k) => k === 'severity' || k === 'flag'],
  ['Paging', (k) => /page|notif|escalat|ack/.test(k)],
  ['Runbooks', (k) => /runbook|approval|step/.test(k)],
  ['Analysis', (k) => /analysis|hypothes|alert|services/.test(k)],
  ['Notes', () => true],
];

function laneOf(kind) {
  return LANES.findIndex(([, test]) => test(kind));
}

export function timelineSvg(incident, entries, now = Date.now()) {
  const W = 1000, left = 90, right = 20, laneH = 26, top = 10;
  const H = top + LANES.length * laneH + 30;
  const t0 = new Date(incident.created_at).getTime();
  const times = entries.map((e) => new Date(e.time).getTime());
  const open = !['resolved', 'closed'].includes(incident.state);
  let t1 = Math.max(t0 + 60000, ...times, open ? now : 0);
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (W - left - right);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'timeline-axis', role: 'img', 'aria-label': `Timeline of ${incident.id} on a time axis` });

  // Severity bands: the severity at each moment, from the declaration and each change.
  let sev = null;
  const changes = [];
  for (const e of entries) {
    if (e.kind === 'declared' && e.data && e.data.severity) sev = e.data.severity;
    if (e.kind === 'severity' && e.data && e.data.to) changes.push([new Date(e.time).getTime(), e.data.from, e.data.to]);
  }
  if (!sev) sev = changes.length ? changes[0][1] : incident.severity;
  let from = t0;
  const bands = [];
  for (const [t, , to] of changes) { bands.push([from, t, sev]); from = t; sev = to; }
  bands.push([from, t1, sev]);
  for (const [a, b, sv] of bands) {
    svg.append(s('rect', { x: x(a), y: top, width: Math.max(1, x(b) - x(a)), height: LANES.length * laneH, class: `band sev-${String(sv).toLowerCase()}` },
      s('title', null, `${sv} from ${fmtTime(new Date(a))}`)));
  }
  LANES.forEach(([name], i) => {
    const y = top + i * laneH + laneH / 2;
    svg.append(s('text', { x: 4, y: y + 4, class: 'lane-label' }, name));
    svg.append(s('line', { x1: left, x2: W - right, y1: y, y2: y, class: 'lane' }));
  });
  // Axis ticks.
  const axisY = top + LANES.length * laneH;
  svg.append(s('line', { x1: left, x2: W - right, y1: axisY, y2: axisY, class: 'axis' }));
  for (let i = 0; i <= 4; i++) {
    const t = t0 + ((t1 - t0) * i) / 4;
    const label = new Date(t).toISOString().slice(11, 19);
    svg.append(s('text', { x: x(t), y: axisY + 18, class: 'tick', 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, label));
  }
  entries.forEach((e, i) => {
    const lane = laneOf(e.kind);
    const cx = x(times[i]);
    const cy = top + lane * laneH + laneH / 2;
    svg.append(s('circle', { cx, cy, r: 6, class: `mark kind-${e.kind.replace(/[^a-z0-9_-]/gi, '')}`, tabindex: 0, 'data-entry': e.id },
      s('title', null, `${fmtTime(e.time)} ${e.kind}: ${e.text}`)));
  });
  return svg;
}

export function timelineList(entries) {
  return h('ol', { class: 'timeline', id: 'timeline' }, entries.map((e) =>
    h('li', { class: `entry kind-${e.kind}`, 'data-kind': e.kind },
      h('time', { datetime: e.time }, fmtTime(e.time)), ' ',
      h('span', { class: 'kind' }, e.kind), ' ',
      h('span', { class: 'text' }, e.text), ' ',
      h('span', { class: 'actor muted' }, e.actor))));
}
