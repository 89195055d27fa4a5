// Services: the dependency graph (callers above their dependencies, layered by longest path) with
// a selected failure's blast radius highlighted: failed in red, degraded in amber. Select a
// service by clicking it or with the keyboard (Tab to it, Enter); ?fail=a,b preselects.
import { h, s, mount, note, thead } from '../lib/dom.js';
import { get, post } from '../lib/api.js';

function layout(services, deps) {
  const ids = services.map((x) => x.id);
  const out = new Map(ids.map((id) => [id, []]));
  for (const d of deps) if (out.has(d.from) && out.has(d.to)) out.get(d.from).push(d.to);
  // Layer = longest path from a root over the DFS tree edges (back edges of cycles ignored).
  const layer = new Map();
  const state = new Map();
  const visit = (v) => {
    if (state.get(v) === 2) return layer.get(v);
    if (state.get(v) === 1) return -1;  // back edge
    state.set(v, 1);
    let depth = 0;
    for (const w of out.get(v)) {
      const lw = visit(w);
      if (lw >= 0) depth = Math.max(depth, lw + 1);
    }
    state.set(v, 2);
    layer.set(v, depth);
    return depth;
  };
  ids.forEach(visit);
  const maxL = Math.max(0, ...layer.values());
  const rows = [];
  for (let l = maxL; l >= 0; l--) rows.push(ids.filter((id) => layer.get(id) === l).sort());
  return rows;
}

export async function render(page) {
  const { main, params } = page;
  const g = await get('/api/v1/graph');
  const services = g.services || [];
  const deps = g.dependencies || [];
  const info = h('section', { id: 'blast', class: 'card', 'aria-live': 'polite' });
  const msg = h('div');
  const rows = layout(services, deps);
  const W = 1000, rowH = 90, boxW = 120, boxH = 34;
  const H = rows.length * rowH + 20;
  const pos = new Map();
  rows.forEach((row, r) => row.forEach((id, i) => {
    pos.set(id, [((i + 1) * W) / (row.length + 1), 20 + r * rowH + boxH / 2]);
  }));
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'graph', id: 'graph', role: 'group', 'aria-label': 'Service dependency graph' });
  svg.append(s('defs', null, s('marker', { id: 'arrow', viewBox: '0 0 10 10', refX: 10, refY: 5, markerWidth: 6, markerHeight: 6, orient: 'auto-start-reverse' }, s('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'arrowhead' }))));
  for (const d of deps) {
    const a = pos.get(d.from), b = pos.get(d.to);
    if (!a || !b) continue;
    svg.append(s('line', { x1: a[0], y1: a[1] + boxH / 2, x2: b[0], y2: b[1] - boxH / 2, class: `edge ${d.kind}`, 'marker-end': 'url(#arrow)' }));
  }
  const nodes = new Map();
  const byId = new Map(services.map((x) => [x.id, x]));
  for (const [id, [x, y]] of pos) {
    const sv = byId.get(id);
    const node = s('g', { class: `node${sv.customer_facing ? ' customer' : ''}`, tabindex: 0, role: 'button', 'data-service': id, 'aria-label': `${sv.name || id}: show blast radius` },
      s('rect', { x: x - boxW / 2, y: y - boxH / 2, width: boxW, height: boxH, rx: 6 }),
      s('text', { x, y: y + 5, 'text-anchor': 'middle' }, (sv.name || id).slice(0, 16)),
      s('title', null, `${sv.name || id} (tier ${sv.tier}${sv.customer_facing ? ', customer-facing' : ''})`));
    const pick = () => select([id]);
    node.addEventListener('click', pick);
    node.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick(); } });
    nodes.set(id, node);
    svg.append(node);
  }

  async function select(lost) {
    let br;
    try {
      br = await post('/api/v1/graph/blast-radius', { services: lost });
    } catch (e) {
      mount(msg, note('error', e.message));
      return;
    }
    mount(msg);
    const failed = new Set((br.failed || []).map((x) => x.service));
    const degraded = new Set((br.degraded || []).map((x) => x.service));
    for (const [id, node] of nodes) {
      node.classList.toggle('lost', lost.includes(id));
      node.classList.toggle('failed', failed.has(id) && !lost.includes(id));
      node.classList.toggle('degraded', degraded.has(id));
    }
    const ci = br.customer_impact || {};
    mount(info, h('h2', null, `If ${lost.join(', ')} fails`),
      h('p', null, `${br.failed_count || 0} failed, ${br.degraded_count || 0} degraded.`),
      h('p', null, 'Customer-facing failed: ', (ci.customer_facing_failed || []).join(', ') || 'none'),
      h('p', null, 'Customer-facing degraded: ', (ci.customer_facing_degraded || []).join(', ') || 'none'),
      h('ul', { class: 'affected' }, [...(br.failed || []), ...(br.degraded || [])].map((x) =>
        h('li', { class: failed.has(x.service) ? 'failed' : 'degraded' }, `${x.service} — ${x.cause}${x.via ? ` via ${x.via}` : ''}`))));
  }

  mount(main, h('h1', null, 'Services'),
    h('p', { class: 'muted' }, 'Arrows point from a caller to its dependency (dashed: soft). Select a service to see what its failure takes down.'),
    msg, h('div', { class: 'graph-wrap' }, svg), info,
    h('h2', null, 'Catalog'),
    h('table', null, thead(['Service', 'Tier', 'Team', 'Customer-facing', 'Utilization']),
      h('tbody', null, services.map((sv) => h('tr', null, h('td', null, sv.name || sv.id), h('td', null, String(sv.tier)), h('td', null, sv.team || ''),
        h('td', null, sv.customer_facing ? 'yes' : ''), h('td', null, sv.utilization == null ? '' : `${Math.round(sv.utilization * 100)}%`))))));
  if (params.fail) select(params.fail.split(',').filter((x) => byId.has(x)));
}
