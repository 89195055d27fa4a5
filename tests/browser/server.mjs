// Runs the real `firebreak serve` for the browser tests: a data dir of its own, a fixed free
// loopback port (so a restart comes back at the same address), readiness from its stdout.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const SRC = process.env.FB_SOURCE_DIR || process.cwd();
export const BIN = process.env.FIREBREAK_BIN || join(SRC, 'build', 'firebreak');

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

export class FirebreakServer {
  constructor({ config = join(SRC, 'examples', 'config') } = {}) {
    this.dir = mkdtempSync(join(tmpdir(), 'fbweb-'));
    this.data = join(this.dir, 'var');
    this.config = config;
    this.proc = null;
    this.adminToken = null;
    this.url = null;
    this.port = 0;
  }

  async start() {
    if (!this.port) this.port = await freePort();
    this.proc = spawn(BIN, ['serve', '--config', this.config, '--data', this.data, '--listen', `127.0.0.1:${this.port}`], {
      cwd: SRC, stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    this.proc.stderr.on('data', (d) => { stderr = (stderr + d).slice(-4000); });
    const lines = createInterface({ input: this.proc.stdout });
    await new Promise((resolve, reject) => {
      const onExit = (code) => reject(new Error(`firebreak serve exited (${code}): ${stderr}`));
      this.proc.once('exit', onExit);
      lines.on('line', (line) => {
        if (line.startsWith('Admin token')) this.adminToken = line.trim().split(/\s+/).pop();
        if (line.includes(' serving ')) {
          this.url = line.split(' serving ')[1].split(/\s+/)[0];
          this.proc.off('exit', onExit);
          resolve();
        }
      });
    });
    return this;
  }

  async stop() {
    if (!this.proc || this.proc.exitCode !== null) return;
    const exited = new Promise((r) => this.proc.once('exit', r));
    this.proc.kill('SIGTERM');
    await exited;
  }

  async restart() { await this.stop(); await this.start(); }

  token(person, scopes) {
    return execFileSync(BIN, ['token', 'create', '--data', this.data, '--config', this.config, '--person', person, '--scopes', scopes], { cwd: SRC }).toString().trim();
  }

  async api(method, path, body, token = this.adminToken) {
    const res = await fetch(this.url + path, {
      method,
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try { json = JSON.parse(text); } catch { /* not JSON */ }
    return { status: res.status, json, text, headers: res.headers };
  }

  cleanup() { rmSync(this.dir, { recursive: true, force: true }); }
}
