// Sections backed by capabilities that a server may not have (on-call, runbooks, approvals,
// analysis, reports): they render what the endpoint returns, or say so when it is missing.
import { h, mount, note } from './dom.js';

export const UNAVAILABLE = 'Not available on this server.';

// Runs `load()` and mounts its nodes into `el`; an unknown endpoint shows UNAVAILABLE. Returns
// 'ok', 'unavailable' or 'error'.
export async function fill(el, load) {
  try {
    mount(el, await load());
    return 'ok';
  } catch (e) {
    if (e.unavailable) { mount(el, h('p', { class: 'unavailable muted' }, UNAVAILABLE)); return 'unavailable'; }
    mount(el, note('error', e.message));
    return 'error';
  }
}

// Items of a list response whatever its key ({"approvals": [...]}, {"items": [...]}, or [...]).
export function itemsOf(res, ...keys) {
  if (Array.isArray(res)) return res;
  for (const k of keys) if (res && Array.isArray(res[k])) return res[k];
  if (res && typeof res === 'object') for (const v of Object.values(res)) if (Array.isArray(v)) return v;
  return [];
}
