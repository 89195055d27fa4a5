// Server-sent events over fetch (EventSource cannot send an Authorization header).
//
// Parses the text/event-stream format, remembers the last event id and reconnects with
// Last-Event-ID after any failure (server restart, network), backing off up to a few seconds.
// The server answers a resume it cannot serve (other server run, or too far behind) with a
// "reset" event: listeners then refetch what they show.

import { token } from './api.js';

export class Stream {
  constructor(url = '/api/v1/stream') {
    this.url = url;
    this.lastId = '';
    this.listeners = new Set();
    this.stateListeners = new Set();
    this.state = 'connecting';
    this.stopped = false;
    this.retryMs = 1000;
    this.controller = null;
    this.connects = 0;
  }

  on(fn) { this.listeners.add(fn); return () => this.listeners.delete(fn); }
  onState(fn) { this.stateListeners.add(fn); fn(this.state); return () => this.stateListeners.delete(fn); }

  setState(s) {
    if (this.state === s) return;
    this.state = s;
    document.documentElement.dataset.stream = s;
    for (const fn of this.stateListeners) fn(s);
  }

  start() { this.stopped = false; this.loop(); }
  stop() { this.stopped = true; if (this.controller) this.controller.abort(); }

  async loop() {
    let delay = 250;
    while (!this.stopped) {
      try {
        await this.connect();
        delay = 250;
      } catch (e) {
        if (this.stopped) return;
        if (e && e.status === 401) { this.setState('unauthorized'); return; }
      }
      if (this.stopped) return;
      this.setState('reconnecting');
      await new Promise((r) => setTimeout(r, Math.min(delay, this.retryMs * 4)));
      delay = Math.min(delay * 2, 4000);
    }
  }

  async connect() {
    this.controller = new AbortController();
    const headers = { Accept: 'text/event-stream', Authorization: `Bearer ${token()}` };
    if (this.lastId) headers['Last-Event-ID'] = this.lastId;
    const res = await fetch(this.url, { headers, signal: this.controller.signal, cache: 'no-store' });
    if (!res.ok) { const err = new Error(`stream: HTTP ${res.status}`); err.status = res.status; throw err; }
    this.connects += 1;
    this.setState('live');
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buf = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += value;
      let i;
      while ((i = buf.search(/\r?\n\r?\n/)) >= 0) {
        const block = buf.slice(0, i);
        buf = buf.slice(buf[i] === '\r' ? i + 4 : i + 2);
        this.dispatch(block);
      }
    }
  }

  dispatch(block) {
    let event = 'message', data = '', id = null;
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      const val = c < 0 ? '' : line.slice(c + 1).replace(/^ /, '');
      if (field === 'event') event = val;
      else if (field === 'data') data += (data ? '\n' : '') + val;
      else if (field === 'id') id = val;
      else if (field === 'retry' && /^\d+$/.test(val)) this.retryMs = Number(val);
    }
    if (id !== null) this.lastId = id;
    if (!data) return;
    let payload = null;
    try { payload = JSON.parse(data); } catch { return; }
    for (const fn of this.listeners) {
      try { fn(event, payload); } catch (e) { console.error(e); }
    }
  }
}
