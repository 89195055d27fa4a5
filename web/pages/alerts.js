// Alerts: what is firing now (silenced, inhibited and flapping ones marked, each with the
// incident it joined), the live silences (create from the form or from an alert's labels,
// expire), the maintenance windows (recurring silences from the config), and the heartbeats (dead
// man's switches). Live: refreshed on incident, silence and heartbeat events from the stream.
import { h, mount, note, badge, fmtTime, ago, thead } from '../lib/dom.js';
import { get, post, qs } from '../lib/api.js';
import { fill } from '../lib/optional.js';

const LIMIT = 200;

// "in 2 h" / "3 min ago": silences end in the future, pings happened in the past.
function until(t, now = Date.now()) {
  const ms = new Date(t).getTime() - now;
  if (!Number.isFinite(ms)) return '';
  if (ms < 0) return ago(t, now);
  const m = Math.round(ms / 60000);
  if (m < 1) return 'in under a minute';
  if (m < 60) return `in ${m} min`;
  if (m < 48 * 60) return `in ${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
  return `in ${Math.round(m / 1440)} d`;
}

function matcherText(m) {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`;
}

// One matcher a line: name=value, name!=value, name=~regex, name!~regex. Values may be quoted.
function parseMatchers(text) {
  return text.split('\n').map((l) => l.trim()).filter(Boolean);
}

// A label value quoted only when it needs it, so the textarea stays readable.
function labelLine(k, v) {
  return /^[A-Za-z0-9_.:/-]*$/.test(v) ? `${k}=${v}` : `${k}=${JSON.stringify(v)}`;
}

export async function render(page) {
  const firing = h('div', { id: 'alert-list' });
  const silences = h('div', { id: 'silence-list' });
  const heartbeats = h('div', { id: 'heartbeat-list' });
  const windows = h('div', { id: 'maintenance-list' });
  const formMsg = h('div', { id: 'silence-msg' });
  const listMsg = h('div', { id: 'alerts-msg' });

  const matchers = h('textarea', {
    id: 'silence-matchers', name: 'matchers', rows: 4, required: true, spellcheck: 'false',
    placeholder: 'service=checkout\nalertname=~"Disk.*"', 'aria-describedby': 'silence-matchers-help',
  });
  const duration = h('input', { id: 'silence-duration', name: 'duration', value: '2h', required: true, size: 8 });
  const comment = h('input', { id: 'silence-comment', name: 'comment', size: 40, required: true, placeholder: 'why, and a ticket' });
  const form = h('form', { id: 'silence-form', class: 'stack', onsubmit: create },
    h('label', { for: 'silence-matchers' }, 'Matchers'),
    matchers,
    h('p', { id: 'silence-matchers-help', class: 'muted' },
      'One a line: name=value, name!=value, name=~regex or name!~regex. Matching alerts are recorded but page nobody.'),
    h('label', null, 'Duration ', duration),
    h('label', null, 'Comment ', comment),
    h('button', { type: 'submit' }, 'Create silence'),
    formMsg);

  mount(page.main, h('h1', null, 'Alerts'), listMsg,
    h('section', { class: 'card' }, h('h2', null, 'Open alerts'), firing),
    h('section', { class: 'card' }, h('h2', null, 'Silences'), silences),
    h('section', { class: 'card' }, h('h2', null, 'New silence'), form),
    h('section', { class: 'card' }, h('h2', null, 'Maintenance windows'), windows),
    h('section', { class: 'card' }, h('h2', null, 'Heartbeats'), heartbeats));

  async function create(e) {
    e.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const body = { matchers: parseMatchers(matchers.value), duration: duration.value.trim(), comment: comment.value.trim() };
      const s = await post('/api/v1/silences', body);
      mount(formMsg, note('ok', `Silence ${s.id} created, until ${fmtTime(s.ends_at)}.`));
      matchers.value = '';
      comment.value = '';
      await Promise.all([loadSilences(), loadAlerts()]);
    } catch (err) {
      mount(formMsg, note('error', err.field ? `${err.field}: ${err.message}` : err.message));
    } finally {
      button.disabled = false;
    }
  }

  function silenceFrom(a) {
    const labels = Object.entries(a.labels || {});
    const lines = labels.length ? labels.map(([k, v]) => labelLine(k, v)) : [labelLine('service', a.service)];
    matchers.value = lines.join('\n');
    mount(formMsg);
    comment.focus();
  }

  function where(a) {
    if (a.incident_id) return h('a', { href: `#/incidents/${encodeURIComponent(a.incident_id)}` }, a.incident_id);
    if (a.silence_id && a.silence_id.startsWith('INH-')) return h('span', { class: 'muted' }, 'inhibited');
    if (a.silence_id) return h('span', { class: 'muted' }, `silenced by ${a.silence_id}`);
    return '';
  }

  async function loadAlerts() {
    await fill(firing, async () => {
      const res = await get(`/api/v1/alerts${qs({ status: 'open', limit: LIMIT })}`);
      const list = res.alerts || [];
      if (!list.length) return h('p', { class: 'empty' }, 'Nothing is firing.');
      return [
        h('table', { class: 'alerts' },
          thead(['Service', 'Alert', 'Severity', 'Status', 'Since', 'Count', 'Incident', '']),
          h('tbody', null, list.map((a) => h('tr', { 'data-alert': a.id, class: a.silence_id ? 'muted-row' : '' },
            h('td', null, a.service),
            h('td', { class: 'title' }, a.summary || (a.labels && a.labels.alertname) || a.dedup_key,
              a.flapping ? [' ', h('span', { class: 'badge flapping' }, 'flapping')] : null),
            h('td', null, badge('sev', a.severity)),
            h('td', null, badge('state', a.status)),
            h('td', { title: fmtTime(a.starts_at) }, ago(a.starts_at)),
            h('td', null, String(a.count)),
            h('td', { class: 'where' }, where(a)),
            h('td', null, a.silence_id ? null : h('button', {
              type: 'button', class: 'small', 'data-action': 'silence', 'aria-label': `Silence alert ${a.id}`,
              onclick: () => silenceFrom(a),
            }, 'Silence…')))))),
        list.length === LIMIT ? h('p', { class: 'muted' }, `The ${LIMIT} most recent; the API pages through the rest.`) : null,
      ];
    });
  }

  async function loadSilences() {
    await fill(silences, async () => {
      const res = await get('/api/v1/silences');
      const list = res.silences || [];
      if (!list.length) return h('p', { class: 'empty' }, 'No active or pending silences.');
      return h('table', { class: 'silences' },
        thead(['Silence', 'Matchers', 'State', 'Starts', 'Ends', 'Comment', 'By', '']),
        h('tbody', null, list.map((s) => h('tr', { 'data-silence': s.id },
          h('td', null, s.id),
          h('td', { class: 'matchers' }, (s.matchers || []).map((m) => h('code', null, matcherText(m))).flatMap((c, i) => (i ? [' ', c] : [c]))),
          h('td', null, badge('state', s.state)),
          h('td', { title: fmtTime(s.starts_at) }, s.state === 'pending' ? until(s.starts_at) : fmtTime(s.starts_at)),
          h('td', { title: fmtTime(s.ends_at), class: 'nowrap' }, until(s.ends_at)),
          h('td', { class: 'title' }, s.comment),
          h('td', null, s.created_by),
          h('td', null, h('button', {
            type: 'button', class: 'small', 'data-action': 'expire', 'aria-label': `Expire silence ${s.id}`,
            onclick: async (e) => {
              e.target.disabled = true;
              try {
                await post(`/api/v1/silences/${encodeURIComponent(s.id)}/expire`, {});
                mount(listMsg, note('ok', `Silence ${s.id} expired; matching alerts page again.`));
              } catch (err) {
                mount(listMsg, note('error', err.message));
                e.target.disabled = false;
              }
              await Promise.all([loadSilences(), loadAlerts()]);
            },
          }, 'Expire'))))));
    });
  }

  async function loadHeartbeats() {
    await fill(heartbeats, async () => {
      const res = await get('/api/v1/heartbeats');
      const list = res.heartbeats || [];
      if (!list.length) return h('p', { class: 'empty' }, 'No heartbeats configured.');
      return h('table', { class: 'heartbeats' },
        thead(['Heartbeat', 'Service', 'State', 'Last ping', 'Timeout', 'Due', 'Incident']),
        h('tbody', null, list.map((b) => h('tr', { 'data-heartbeat': b.id },
          h('td', null, b.id),
          h('td', null, b.service),
          h('td', null, badge('heartbeat', b.state)),
          h('td', { title: fmtTime(b.last_ping) }, b.last_ping ? `${ago(b.last_ping)}${b.last_via ? ` (${b.last_via})` : ''}` : 'never'),
          h('td', null, b.timeout),
          h('td', { title: fmtTime(b.due) }, b.due ? until(b.due) : ''),
          h('td', null, b.incident_id ? h('a', { href: `#/incidents/${encodeURIComponent(b.incident_id)}` }, b.incident_id) : '')))));
    });
  }

  // Recurring windows from the config: muting now (until when, with which silence) or not, and next.
  async function loadWindows() {
    await fill(windows, async () => {
      const res = await get('/api/v1/maintenance');
      const list = res.windows || [];
      if (!list.length) return h('p', { class: 'empty' }, 'No maintenance windows configured (maintenance_windows in the config).');
      return h('table', { class: 'maintenance' },
        thead(['Window', 'Matchers', 'Now', 'Silence', 'Next', 'Comment']),
        h('tbody', null, list.map((w) => h('tr', { 'data-window': w.name },
          h('td', null, w.name),
          h('td', null, h('code', null, w.matchers.join(', '))),
          h('td', { title: fmtTime(w.ends_at) }, w.in_window ? (w.ends_at ? `muting, ends ${until(w.ends_at)}` : 'muting') : 'not muting'),
          h('td', null, w.silence_id || ''),
          h('td', { title: w.next_start ? `${fmtTime(w.next_start)} – ${fmtTime(w.next_end)}` : '' },
            w.next_start ? `starts ${until(w.next_start)}` : 'none within a year'),
          h('td', null, w.comment)))));
    });
  }

  let timer = null;
  page.onChange((event) => {
    if (event !== 'incident' && event !== 'silence' && event !== 'heartbeat' && event !== 'reset') return;
    clearTimeout(timer);
    timer = setTimeout(() => { loadAlerts(); loadSilences(); loadHeartbeats(); loadWindows(); }, 150);
  });
  page.cleanup(() => clearTimeout(timer));
  await Promise.all([loadAlerts(), loadSilences(), loadHeartbeats(), loadWindows()]);
}
