// Runbooks: the library with risk tiers and what each matches.
import { h, mount, fields, plain, badge } from '../lib/dom.js';
import { get } from '../lib/api.js';
import { fill, itemsOf } from '../lib/optional.js';

export async function render(page) {
  const list = h('div', { id: 'runbook-list' });
  mount(page.main, h('h1', null, 'Runbooks'), list);
  await fill(list, async () => {
    const items = itemsOf(await get('/api/v1/runbooks'), 'runbooks');
    if (!items.length) return h('p', { class: 'empty' }, 'No runbooks configured.');
    return items.map((r) => h('article', { class: 'card', 'data-runbook': r.id || r.name },
      h('h2', null, plain(r.title || r.name || r.id), ' ', r.risk || r.tier ? badge('risk', r.risk || r.tier) : ''),
      fields([['Description', r.description], ['Services', (r.when && r.when.services) || r.services], ['Matches', r.match || r.matches],
        ['Steps', Array.isArray(r.steps) ? r.steps.map((x) => plain(x.name || x.action || x)).join(' → ') : r.steps]])));
  });
}
