"""Test harness: runs the real firebreak binary on loopback and talks HTTP to it.

Waits are on conditions (a line on the server's stdout, a process exit), never fixed sleeps.
"""
import http.client
import http.server
import json
import os
import queue
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

BIN = os.environ.get("FIREBREAK_BIN", "build/firebreak")
SRC = os.environ.get("FB_SOURCE_DIR", os.getcwd())
EXAMPLE_CONFIG = os.path.join(SRC, "examples", "config")


def example_config_plus(root, name, text):
    """Copies examples/config to ROOT/config and adds the file NAME holding TEXT; returns the copy."""
    cfg = os.path.join(root, "config")
    shutil.copytree(EXAMPLE_CONFIG, cfg)
    with open(os.path.join(cfg, name), "w") as f:
        f.write(text)
    return cfg


def run_cli(*args, env=None, input=None, timeout=120):
    """Runs `firebreak ARGS`; returns CompletedProcess with text stdout/stderr."""
    e = dict(os.environ)
    if env:
        e.update(env)
    return subprocess.run([BIN, *args], capture_output=True, text=True, env=e, input=input,
                          timeout=timeout, cwd=SRC)


class Server:
    """A `firebreak serve` process on a free loopback port."""

    def __init__(self, data_dir, config_dir=EXAMPLE_CONFIG, extra_args=(), env=None, listen="127.0.0.1:0"):
        self.data_dir = data_dir
        self.listen = listen
        self.config_dir = config_dir
        self.extra_args = list(extra_args)
        self.env = env
        self.proc = None
        self.url = None
        self.admin_token = None
        self.output = []

    def start(self, timeout=60):
        e = dict(os.environ)
        if self.env:
            e.update(self.env)
        self.log_path = os.path.join(self.data_dir + ".log")
        os.makedirs(os.path.dirname(self.log_path), exist_ok=True)
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen(
            [BIN, "serve", "--config", self.config_dir, "--data", self.data_dir,
             "--listen", self.listen, "--sync", "full", *self.extra_args],
            stdout=subprocess.PIPE, stderr=self.log, text=True, cwd=SRC, env=e)
        lines = queue.Queue()

        def pump(stream):
            for line in stream:
                lines.put(line)
            lines.put(None)

        threading.Thread(target=pump, args=(self.proc.stdout,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while self.url is None:
            try:
                line = lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise RuntimeError("server did not start in %ss: %s" % (timeout, "".join(self.output)))
            if line is None:
                self.log.flush()
                with open(self.log_path) as f:
                    raise RuntimeError("server exited: %s %s" % ("".join(self.output), f.read()[-4000:]))
            self.output.append(line)
            if line.startswith("Admin token"):
                self.admin_token = line.strip().split()[-1]
            if " serving " in line:
                self.url = line.split(" serving ")[1].split()[0]
        return self

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.url = None
        self._close_log()

    def _close_log(self):
        log = getattr(self, "log", None)
        if log and not log.closed:
            log.close()

    def stop(self):
        if self.proc:
            stop_process(self.proc)
        if self.proc and self.proc.stdout:
            self.proc.stdout.close()
        self.url = None
        self._close_log()

    def request(self, method, path, body=None, token=None, raw=None, headers=None, timeout=30):
        """Returns (status, parsed JSON or text, response headers)."""
        data = None
        hdrs = {"Accept": "application/json"}
        if raw is not None:
            data = raw if isinstance(raw, bytes) else raw.encode()
            hdrs["Content-Type"] = "application/json"
        elif body is not None:
            data = json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if token:
            hdrs["Authorization"] = "Bearer " + token
        if headers:
            hdrs.update(headers)
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout) as r:
                text = r.read().decode()
                status, rh = r.status, dict(r.headers)
        except urllib.error.HTTPError as e:
            text = e.read().decode()
            status, rh = e.code, dict(e.headers)
        ctype = rh.get("Content-Type", "")
        if ctype.startswith("application/json") and text:
            return status, json.loads(text), rh
        return status, text, rh


def create_token(data_dir, scopes, person="", config=None):
    args = ["token", "create", "--data", data_dir, "--scopes", scopes]
    if person:
        args += ["--person", person]
    if config:
        args += ["--config", config]
    r = run_cli(*args)
    if r.returncode != 0:
        raise RuntimeError("token create failed: " + r.stderr)
    return r.stdout.strip()


def db_counts(data_dir, tables=("incidents", "timeline", "audit")):
    """Row counts read directly from the SQLite file (read-only, WAL-safe). Timeline entries written by
    the notifier (system:notify: a delivery failed, is retried) are left out: they record the outcome of
    earlier pages, arrive whenever a delivery attempt ends, and are no request's doing."""
    where = {"timeline": " WHERE actor != 'system:notify'"}
    con = sqlite3.connect("file:%s/firebreak.db?mode=ro" % data_dir, uri=True)
    try:
        return {t: con.execute("SELECT COUNT(*) FROM %s%s" % (t, where.get(t, ""))).fetchone()[0] for t in tables}
    finally:
        con.close()


class ServerTestCase(unittest.TestCase):
    """Gives each test a temporary data dir and a started server (self.server, self.token)."""

    start_server = True
    extra_args = ()

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fbe2e-")
        self.data = os.path.join(self.tmp, "var")
        self.servers = []
        if self.start_server:
            self.server = self.new_server()
            self.token = self.server.admin_token

    def new_server(self, **kw):
        s = Server(self.data, extra_args=kw.pop("extra_args", self.extra_args), **kw).start()
        self.servers.append(s)
        return s

    def tearDown(self):
        for s in self.servers:
            s.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)


def free_port():
    """A loopback port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(cond, timeout, what):
    """Re-checks `cond` until it returns a true value (which it returns) or the deadline passes."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        pause.wait(0.1)


def stop_process(proc, timeout=30):
    """SIGTERM, then SIGKILL if PROC has not exited within TIMEOUT seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class MetricsTarget:
    """A scrape target on a free loopback port: serves `self.render()` in the Prometheus text format
    and reports every scrape on `self.scrapes`."""

    def __init__(self):
        self.scrapes = queue.Queue()
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = target.render().encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                target.scrapes.put(time.monotonic())

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def render(self):
        raise NotImplementedError

    def wait_scrapes(self, n, timeout=60):
        for _ in range(n):
            self.scrapes.get(timeout=timeout)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class Prometheus:
    """Debian's /usr/bin/prometheus on a free loopback port with its own storage under ROOT, started
    with CONFIG (prometheus.yml text; FILES are written beside it) and waited for by its "ready" log
    line."""

    BIN = "/usr/bin/prometheus"

    def __init__(self, root, config, files=None, extra_args=()):
        self.port = free_port()
        self.dir = os.path.join(root, "prometheus")
        os.makedirs(os.path.join(self.dir, "data"))
        for name, text in dict(files or {}, **{"prometheus.yml": config}).items():
            with open(os.path.join(self.dir, name), "w") as f:
                f.write(text)
        self.proc = subprocess.Popen(
            [self.BIN, "--config.file=" + os.path.join(self.dir, "prometheus.yml"),
             "--storage.tsdb.path=" + os.path.join(self.dir, "data"),
             "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=info", *extra_args],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=self.dir)
        self.lines = queue.Queue()
        self.log = []

        def pump():
            for line in self.proc.stderr:
                self.lines.put(line)
            self.lines.put(None)

        threading.Thread(target=pump, daemon=True).start()
        self.wait_log("Server is ready to receive web requests", 60)
        self.url = "http://127.0.0.1:%d" % self.port

    def wait_log(self, text, timeout):
        """Reads Prometheus's log until a line contains TEXT; returns that line."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            if line is None:
                raise RuntimeError("prometheus exited: " + "".join(self.log[-20:]))
            self.log.append(line)
            if text in line:
                return line

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        stop_process(self.proc)
        self.proc.stderr.close()


class Sse:
    """A streaming GET /api/v1/stream read event by event (socket timeouts, no sleeps)."""

    def __init__(self, url, token, last_id=None):
        u = urllib.parse.urlparse(url)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=20)
        headers = {"Accept": "text/event-stream"}
        if token:
            headers["Authorization"] = "Bearer " + token
        if last_id:
            headers["Last-Event-ID"] = last_id
        self.conn.request("GET", "/api/v1/stream", headers=headers)
        self.resp = self.conn.getresponse()

    def next_event(self):
        ev = {"data": ""}
        while True:
            line = self.resp.readline().decode()
            if line == "":
                raise EOFError("stream ended")
            line = line.rstrip("\r\n")
            if line == "":
                if "event" in ev or ev["data"]:
                    return ev
                continue
            if line.startswith(":"):
                continue
            k, _, v = line.partition(":")
            v = v[1:] if v.startswith(" ") else v
            if k == "data":
                ev["data"] += v
            elif k in ("event", "id", "retry"):
                ev[k] = v

    def close(self):
        self.conn.close()
