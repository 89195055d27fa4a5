// The HTTP API client. The token lives in sessionStorage (gone when the tab closes) and is sent
// as a bearer token; errors carry the server's message so the console can show it verbatim.

const KEY = 'firebreak.token';

export function token() { return sessionStorage.getItem(KEY) || ''; }
export function setToken(t) { if (t) sessionStorage.setItem(KEY, t); else sessionStorage.removeItem(KEY); }

export class ApiError extends Error {
  constructor(status, code, message, field) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field;
  }
  // The endpoint does not exist on this server (a capability not built in), as opposed to a
  // missing object behind an existing endpoint.
  get unavailable() { return this.status === 404 && /^no such endpoint/.test(this.message); }
}

export async function request(method, path, body, opts = {}) {
  const headers = { Accept: 'application/json' };
  const t = token();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let res;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: opts.signal });
  } catch (e) {
    if (e.name === 'AbortError') throw e;
    throw new ApiError(0, 'unavailable', 'cannot reach the server', '');
  }
  const ctype = res.headers.get('Content-Type') || '';
  if (!res.ok) {
    let code = 'error', message = `HTTP ${res.status}`, field = '';
    if (ctype.startsWith('application/json')) {
      const j = await res.json().catch(() => null);
      if (j && j.error) ({ code, message, field = '' } = j.error);
    }
    if (res.status === 401) window.dispatchEvent(new CustomEvent('fb:unauthorized'));
    throw new ApiError(res.status, code, message, field);
  }
  if (opts.raw) return res;
  if (ctype.startsWith('application/json')) return res.json();
  return res.text();
}

export const get = (path, opts) => request('GET', path, undefined, opts);
export const post = (path, body = {}) => request('POST', path, body);

export function qs(params) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') p.set(k, v);
  const s = p.toString();
  return s ? `?${s}` : '';
}

// Downloads an authenticated resource as a file.
export async function download(path, filename) {
  const res = await request('GET', path, undefined, { raw: true });
  const blob = await res.blob();
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
