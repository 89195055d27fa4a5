// DOM helpers. Every string from data goes through textContent or setAttribute: nothing is
// ever parsed as HTML, so titles, notes and labels containing markup render as text.

const SVG_NS = 'http://www.w3.org/2000/svg';

function append(el, child) {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) { child.forEach((c) => append(el, c)); return; }
  if (child instanceof Node) { el.appendChild(child); return; }
  el.appendChild(document.createTextNode(String(child)));
}

function setAttrs(el, attrs) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
}

// h('a', {href: '#/x', class: 'y'}, 'text', child, [more])
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function mount(el, ...children) {
  clear(el);
  append(el, children);
  return el;
}

export function fmtTime(t) {
  if (!t) return '';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
}

export function ago(t, now = Date.now()) {
  const ms = now - new Date(t).getTime();
  if (!Number.isFinite(ms)) return '';
  const m = Math.round(ms / 60000);
  if (m < 1) return 'just now';
  if (m < 60) return `${m} min ago`;
  const hrs = Math.round(m / 60);
  if (hrs < 48) return `${hrs} h ago`;
  return `${Math.round(hrs / 24)} d ago`;
}

// A table's header row: one column heading per name.
export function thead(names) {
  return h('thead', null, h('tr', null, names.map((t) => h('th', { scope: 'col' }, t))));
}

export function badge(kind, value) {
  return h('span', { class: `badge ${kind}-${String(value).toLowerCase()}` }, value);
}

// A message box: kind is 'error' | 'info' | 'ok'.
export function note(kind, text) {
  return h('p', { class: `msg ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

// Renders any JSON value as text (for fields whose shape this console does not know).
export function plain(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return v.map(plain).join(', ');
  return JSON.stringify(v);
}

// A definition list of the given fields that are present: [[label, value-or-node], ...].
export function fields(rows) {
  const dl = h('dl', { class: 'fields' });
  for (const [label, value] of rows) {
    if (value === undefined || value === null || value === '' || (Array.isArray(value) && !value.length)) continue;
    dl.append(h('dt', null, label), h('dd', null, value instanceof Node ? value : plain(value)));
  }
  return dl;
}
