// See run.sh. Seeds N incidents through the API (16 concurrent writers), then measures, median
// of 15: (a) GET /api/v1/incidents?state=open&limit=50 + /counts from Node (the floor: what the
// page must fetch), (b) the console from navigation to the 50 rows drawn, (c) "Older" paging.
import { chromium } from '../../tests/browser/node_modules/playwright-core/index.mjs';
import { FirebreakServer } from '../../tests/browser/server.mjs';

const N = Number(process.argv[2] || 10000);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const now = () => performance.now();

const server = await new FirebreakServer().start();
try {
  const token = server.token('alice', 'read,write');
  let next = 0;
  const t0 = now();
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (next < N) {
      const i = next++;
      const r = await server.api('POST', '/api/v1/incidents', { title: `Incident ${i}`, severity: `SEV${i % 5}`, services: ['checkout'] }, token);
      if (r.status !== 201) throw new Error(r.text);
    }
  }));
  const seedS = (now() - t0) / 1000;
  const api = [];
  for (let i = 0; i < 15; i++) {
    const a = now();
    await Promise.all([server.api('GET', '/api/v1/incidents?state=open&limit=50', undefined, token), server.api('GET', '/api/v1/incidents/counts', undefined, token)]);
    api.push(now() - a);
  }
  const browser = await chromium.launch({ executablePath: process.env.FB_CHROMIUM || '/usr/bin/chromium', args: ['--no-sandbox'] });
  const page = await browser.newPage();
  await page.goto(server.url + '/');
  await page.fill('#token', token);
  await page.click('#signin button[type=submit]');
  await page.waitForSelector('#incident-table tbody tr');
  const ui = [], older = [];
  for (let i = 0; i < 15; i++) {
    await page.goto('about:blank');
    const a = now();
    await page.goto(server.url + '/#/incidents');
    await page.waitForFunction(() => document.querySelectorAll('#incident-table tbody tr').length === 50);
    ui.push(now() - a);
    const first = await page.getAttribute('#incident-table tbody tr', 'data-id');
    const b = now();
    await page.click('#older');
    await page.waitForFunction((f) => { const r = document.querySelector('#incident-table tbody tr'); return r && r.dataset.id !== f; }, first);
    older.push(now() - b);
  }
  await browser.close();
  const fa = median(api), fu = median(ui), fo = median(older);
  console.log(`console bench: ${N} incidents seeded in ${seedS.toFixed(1)} s (${(N / seedS).toFixed(0)} declares/s, 16 clients)`);
  console.log(`  API floor (list page + counts): median ${fa.toFixed(1)} ms`);
  console.log(`  console open list drawn:        median ${fu.toFixed(1)} ms  (${(fu / fa).toFixed(1)}x the floor)`);
  console.log(`  console "Older" page:           median ${fo.toFixed(1)} ms  (${(fo / fa).toFixed(1)}x the floor)`);
} finally {
  await server.stop();
  server.cleanup();
}
